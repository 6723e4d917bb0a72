package match

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// positions records where each element of a decoded instance starts in the input, so that
// validation errors can name the line. Offsets are bytes; -1, or an element beyond the
// recorded ones, means unknown.
type positions struct {
	procedure   int
	rankingsKey int
	callListKey int
	posteID     []int32
	posteCap    []int32
	internID    []int32
	wish        [][]int32
	rankPoste   []int32
	rankEntry   [][]int32
	call        []int32
	binomesKey  int
	binome      []int32   // start of each binome
	binomePair  [][]int32 // start of each pair of each binome
	tieBreak    int
	wishRanks   []int32   // start of the ranks of each intern (-1: none)
	wishRank    [][]int32 // each rank of each intern
	rankRanks   []int32   // start of the ranks of each ranking (-1: none)
	rankRank    [][]int32 // each rank of each ranking
}

// noPositions stands for an instance built in code: every position is unknown.
func noPositions() *positions {
	return &positions{procedure: -1, rankingsKey: -1, callListKey: -1, binomesKey: -1, tieBreak: -1}
}

func at(offs []int32, i int) int {
	if i < len(offs) {
		return int(offs[i])
	}
	return -1
}

func at2(offs [][]int32, i, j int) int {
	if i < len(offs) {
		return at(offs[i], j)
	}
	return -1
}

func (p *positions) ofPoste(i int) int        { return at(p.posteID, i) }
func (p *positions) ofCapacity(i int) int     { return at(p.posteCap, i) }
func (p *positions) ofIntern(i int) int       { return at(p.internID, i) }
func (p *positions) ofWish(i, j int) int      { return at2(p.wish, i, j) }
func (p *positions) ofRanking(k int) int      { return at(p.rankPoste, k) }
func (p *positions) ofRankEntry(k, j int) int { return at2(p.rankEntry, k, j) }
func (p *positions) ofCall(j int) int         { return at(p.call, j) }
func (p *positions) ofBinome(k int) int       { return at(p.binome, k) }
func (p *positions) ofPair(k, j int) int      { return at2(p.binomePair, k, j) }

// ofRanks is the start of the ranks of intern i (list "wishes") or ranking k ("rankings").
func (p *positions) ofRanks(list string, i int) int {
	if list == "rankings" {
		return at(p.rankRanks, i)
	}
	return at(p.wishRanks, i)
}

// ofRank is the position of rank j of intern i (list "wishes") or ranking k ("rankings").
func (p *positions) ofRank(list string, i, j int) int {
	if list == "rankings" {
		return at2(p.rankRank, i, j)
	}
	return at2(p.wishRank, i, j)
}

// DecodeInstance decodes and validates an instance in the JSON exchange format.
//
// Validation is strict: malformed JSON (reported with line and column), unknown or
// duplicated fields, values of the wrong type, empty or oversized ids, duplicate poste or
// intern ids, capacities out of range, unknown postes or interns in a wish list, ranking or
// call list, an id twice in one list, two rankings for one poste, rankings in a choix au
// rang or a call list in an appariement, an intern missing from the call list, an
// unknown procedure, ranks that are not parallel to their list or not dense from 1, a tie
// without tie_break and a tie_break that is not 64 hexadecimal digits are all errors. Every error is an *InputError naming the offending id
// and the input line where it appears; all of them (up to MaxErrors) are returned together,
// joined with errors.Join, sorted by line. Shape errors (syntax, fields, types) are
// reported before, and instead of, the checks on ids.
func DecodeInstance(data []byte) (*Instance, error) {
	el := &errList{data: data}
	if len(data) > MaxInstanceBytes {
		el.add(-1, "input is %d bytes, over the limit of %d", len(data), MaxInstanceBytes)
		return nil, el.err()
	}
	inst, pos := parse(data, el)
	if !el.empty() {
		return nil, el.err()
	}
	compile(inst, pos, el)
	if !el.empty() {
		return nil, el.err()
	}
	return inst, nil
}

// ReadInstance reads all of r (at most MaxInstanceBytes) and decodes it with DecodeInstance.
func ReadInstance(r io.Reader) (*Instance, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxInstanceBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading instance: %w", err)
	}
	return DecodeInstance(data)
}

// abort unwinds the parser after a fatal (syntax) error has been recorded.
type abort struct{}

// parser walks the JSON tokens of an instance, building it and recording positions.
// The input is checked for JSON syntax first (json.Valid, with the offset of the error
// from json.Unmarshal when it fails), so the walk itself only meets well-formed JSON: it
// reads tokens directly from the bytes, which gives exact offsets and is several times
// faster than json.Decoder.Token. Problems of shape are recorded in el.
type parser struct {
	data []byte
	off  int // offset of the next byte to read
	el   *errList
}

func parse(data []byte, el *errList) (inst *Instance, pos *positions) {
	if !json.Valid(data) {
		var raw json.RawMessage
		err := json.Unmarshal(data, &raw)
		if err == nil { // cannot happen: json.Valid and json.Unmarshal agree
			err = errors.New("invalid JSON")
		}
		(&parser{data: data, el: el}).report(err, 0)
		return nil, nil
	}
	p := &parser{data: data, el: el}
	inst = &Instance{}
	pos = noPositions()
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(abort); !ok {
				panic(r)
			}
			inst, pos = nil, nil
		}
	}()
	tok, off := p.next()
	if tok.kind != '{' {
		p.el.add(off, "the instance must be a JSON object, not %s", tok.describe())
		return nil, nil
	}
	var hasPostes, hasInterns bool
	p.object(top("instance"), func(key string, keyOff int) {
		switch key {
		case "procedure":
			s, off, _ := p.str(top("procedure"))
			inst.Procedure, pos.procedure = Procedure(s), off
		case "postes":
			hasPostes = true
			p.array(top("postes"), func(i int) {
				var ps Poste
				idOff, capOff := int32(-1), int32(-1)
				at := top("postes").elem(i)
				p.fields(at, []string{"id", "capacity"}, func(key string) {
					switch key {
					case "id":
						s, off, _ := p.str(at.field("id"))
						ps.ID, idOff = s, int32(off)
					case "capacity":
						n, off := p.integer(at.field("capacity"))
						ps.Capacity, capOff = n, int32(off)
					}
				})
				inst.Postes = append(inst.Postes, ps)
				pos.posteID = append(pos.posteID, idOff)
				pos.posteCap = append(pos.posteCap, capOff)
			})
		case "interns":
			hasInterns = true
			p.array(top("interns"), func(i int) {
				var in Intern
				idOff := int32(-1)
				var wishOffs, rankOffs []int32
				ranksOff := int32(-1)
				at := top("interns").elem(i)
				p.fields(at, []string{"id", "wishes?", "ranks?"}, func(key string) {
					switch key {
					case "id":
						s, off, _ := p.str(at.field("id"))
						in.ID, idOff = s, int32(off)
					case "wishes":
						in.Wishes, wishOffs = p.strings(at.field("wishes"))
					case "ranks":
						p.skipSpace()
						ranksOff = int32(p.off)
						in.Ranks, rankOffs = p.ints(at.field("ranks"))
					}
				})
				inst.Interns = append(inst.Interns, in)
				pos.internID = append(pos.internID, idOff)
				pos.wish = append(pos.wish, wishOffs)
				if ranksOff >= 0 { // recorded only for lists with ranks: at() says -1 for others
					for len(pos.wishRanks) < i {
						pos.wishRanks, pos.wishRank = append(pos.wishRanks, -1), append(pos.wishRank, nil)
					}
					pos.wishRanks, pos.wishRank = append(pos.wishRanks, ranksOff), append(pos.wishRank, rankOffs)
				}
			})
		case "rankings":
			pos.rankingsKey = keyOff
			p.array(top("rankings"), func(k int) {
				var rk Ranking
				posteOff := int32(-1)
				var entryOffs, rankOffs []int32
				ranksOff := int32(-1)
				at := top("rankings").elem(k)
				p.fields(at, []string{"poste", "ranking", "ranks?"}, func(key string) {
					switch key {
					case "poste":
						s, off, _ := p.str(at.field("poste"))
						rk.Poste, posteOff = s, int32(off)
					case "ranking":
						rk.Ranking, entryOffs = p.strings(at.field("ranking"))
					case "ranks":
						p.skipSpace()
						ranksOff = int32(p.off)
						rk.Ranks, rankOffs = p.ints(at.field("ranks"))
					}
				})
				inst.Rankings = append(inst.Rankings, rk)
				pos.rankPoste = append(pos.rankPoste, posteOff)
				pos.rankEntry = append(pos.rankEntry, entryOffs)
				if ranksOff >= 0 {
					for len(pos.rankRanks) < k {
						pos.rankRanks, pos.rankRank = append(pos.rankRanks, -1), append(pos.rankRank, nil)
					}
					pos.rankRanks, pos.rankRank = append(pos.rankRanks, ranksOff), append(pos.rankRank, rankOffs)
				}
			})
		case "call_list":
			pos.callListKey = keyOff
			inst.CallList, pos.call = p.strings(top("call_list"))
		case "binomes":
			pos.binomesKey = keyOff
			inst.Binomes, pos.binome, pos.binomePair = p.binomes()
		case "tie_break":
			s, off, _ := p.str(top("tie_break"))
			inst.TieBreak, pos.tieBreak = s, off
		default:
			p.el.add(keyOff, "unknown field %q in the instance", key)
			p.skip()
		}
	})
	if !hasPostes {
		p.el.add(off, `missing field "postes" in the instance`)
	}
	if !hasInterns {
		p.el.add(off, `missing field "interns" in the instance`)
	}
	return inst, pos
}

// binomes reads the list of binomes with the offset of each binome and of each of its pairs.
func (p *parser) binomes() ([]Binome, []int32, [][]int32) {
	var list []Binome
	var offs []int32
	var pairOffs [][]int32
	p.array(top("binomes"), func(k int) {
		var b Binome
		var pairs []int32
		at := top("binomes").elem(k)
		p.skipSpace()
		offs = append(offs, int32(p.off))
		p.fields(at, []string{"interns", "pairs?"}, func(key string) {
			switch key {
			case "interns":
				p.skipSpace()
				off := p.off
				ids, _ := p.strings(at.field("interns"))
				if len(ids) != 2 {
					p.el.add(off, "%s: expected 2 interns, got %d", at.field("interns"), len(ids))
				} else {
					b.Interns = [2]string{ids[0], ids[1]}
				}
			case "pairs":
				p.array(at.field("pairs"), func(j int) {
					p.skipSpace()
					off := p.off
					ids, _ := p.strings(at.field("pairs").elem(j))
					if len(ids) != 2 {
						p.el.add(off, "%s: expected a pair of 2 postes, got %d", at.field("pairs").elem(j), len(ids))
						return
					}
					b.Pairs = append(b.Pairs, [2]string{ids[0], ids[1]})
					pairs = append(pairs, int32(off))
				})
			}
		})
		list = append(list, b)
		pairOffs = append(pairOffs, pairs)
	})
	return list, offs, pairOffs
}

// loc names a place in the instance for an error message, such as interns[3].wishes[5];
// it is formatted only when an error is reported. Negative indices are absent.
type loc struct {
	list string // top-level field
	i    int    // element of the list
	name string // field of that element
	j    int    // element of that field
}

func top(list string) loc { return loc{list: list, i: -1, j: -1} }

func (l loc) elem(n int) loc {
	if l.i < 0 {
		l.i = n
	} else {
		l.j = n
	}
	return l
}

func (l loc) field(name string) loc {
	l.name = name
	return l
}

func (l loc) String() string {
	s := l.list
	if l.i >= 0 {
		s += "[" + strconv.Itoa(l.i) + "]"
	}
	if l.name != "" {
		s += "." + l.name
	}
	if l.j >= 0 {
		s += "[" + strconv.Itoa(l.j) + "]"
	}
	return s
}

// skipSpace moves past white space and separators, to where the next token starts.
func (p *parser) skipSpace() {
	for p.off < len(p.data) {
		switch p.data[p.off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			p.off++
		default:
			return
		}
	}
}

// more reports whether the current object or array has another member.
func (p *parser) more() bool {
	p.skipSpace()
	return p.off < len(p.data) && p.data[p.off] != '}' && p.data[p.off] != ']'
}

// token is one JSON token: kind is '{', '}', '[' or ']' for a delimiter, '"' for a string,
// '0' for a number, 't', 'f' or 'n' for true, false and null; text is the string's value or
// the number's digits.
type token struct {
	kind byte
	text string
}

// describe names the JSON type of a token for an error message.
func (t token) describe() string {
	switch t.kind {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case 't', 'f':
		return "a boolean"
	}
	return "null"
}

// next reads one token with its starting offset. The input is valid JSON.
func (p *parser) next() (token, int) {
	p.skipSpace()
	start := p.off
	if start >= len(p.data) {
		p.fatal(io.ErrUnexpectedEOF, start)
	}
	switch c := p.data[start]; c {
	case '{', '}', '[', ']':
		p.off++
		return token{kind: c}, start
	case '"':
		i, plain := start+1, true
		for p.data[i] != '"' {
			if p.data[i] == '\\' {
				plain = false
				i++
			} else if p.data[i] >= utf8.RuneSelf {
				plain = false
			}
			i++
		}
		p.off = i + 1
		if plain {
			return token{'"', string(p.data[start+1 : i])}, start
		}
		var s string // escapes or non-ASCII: let encoding/json decode it exactly
		if err := json.Unmarshal(p.data[start:i+1], &s); err != nil {
			p.fatal(err, start)
		}
		return token{'"', s}, start
	case 't':
		p.off += len("true")
		return token{kind: 't'}, start
	case 'f':
		p.off += len("false")
		return token{kind: 'f'}, start
	case 'n':
		p.off += len("null")
		return token{kind: 'n'}, start
	default:
		i := start
		for i < len(p.data) && strings.IndexByte("+-.0123456789eE", p.data[i]) >= 0 {
			i++
		}
		p.off = i
		return token{'0', string(p.data[start:i])}, start
	}
}

// fatal records a syntax error at offset start and aborts the walk.
func (p *parser) fatal(err error, start int) {
	p.report(err, start)
	panic(abort{})
}

// report records a syntax error at offset start, or at the offset the error names.
func (p *parser) report(err error, start int) {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		// The offending byte is the last one read, unless the input ended too soon.
		off := int(se.Offset)
		if off < len(p.data) || !strings.Contains(se.Error(), "end of JSON input") {
			off = max(off-1, 0)
		}
		p.el.addCol(off, true, "invalid JSON: "+se.Error())
	case errors.Is(err, io.ErrUnexpectedEOF):
		p.el.addCol(len(p.data), true, "invalid JSON: unexpected end of input")
	default:
		p.el.addCol(start, true, "invalid JSON: "+err.Error())
	}
}

// skipRest consumes the rest of a value whose first token has already been read, if that
// token opened an object or an array.
func (p *parser) skipRest(tok token) {
	if tok.kind != '{' && tok.kind != '[' {
		return
	}
	for depth := 1; depth > 0; {
		t, _ := p.next()
		switch t.kind {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		}
	}
}

// skip consumes one whole value.
func (p *parser) skip() {
	tok, _ := p.next()
	p.skipRest(tok)
}

// object reads the members of an object whose '{' has been read; field must consume the
// value of each key. A key given twice is an error and its second value is skipped.
func (p *parser) object(at loc, field func(key string, keyOff int)) {
	var seen []string
	for p.more() {
		tok, off := p.next()
		key := tok.text // valid JSON: keys are strings
		if slices.Contains(seen, key) {
			p.el.add(off, "%s: duplicate field %q", at, key)
			p.skip()
			continue
		}
		seen = append(seen, key)
		field(key, off)
	}
	p.next() // '}'
}

// fields reads an object value with the given known keys (a trailing "?" marks an optional
// one); unknown keys and missing required keys are errors. field consumes known values.
func (p *parser) fields(at loc, known []string, field func(key string)) {
	tok, off := p.next()
	if tok.kind != '{' {
		p.el.add(off, "%s: expected an object, got %s", at, tok.describe())
		p.skipRest(tok)
		return
	}
	var got []string
	p.object(at, func(key string, keyOff int) {
		if !slices.Contains(known, key) && !slices.Contains(known, key+"?") {
			p.el.add(keyOff, "%s: unknown field %q", at, key)
			p.skip()
			return
		}
		got = append(got, key)
		field(key)
	})
	for _, k := range known {
		if !strings.HasSuffix(k, "?") && !slices.Contains(got, k) {
			p.el.add(off, "%s: missing field %q", at, k)
		}
	}
}

// array reads an array value, calling elem for each element; null counts as empty.
func (p *parser) array(at loc, elem func(i int)) {
	tok, off := p.next()
	if tok.kind == 'n' {
		return
	}
	if tok.kind != '[' {
		p.el.add(off, "%s: expected an array, got %s", at, tok.describe())
		p.skipRest(tok)
		return
	}
	for i := 0; p.more(); i++ {
		elem(i)
	}
	p.next() // ']'
}

// strings reads an array of strings with the offset of each element; null counts as empty.
func (p *parser) strings(at loc) ([]string, []int32) {
	var list []string
	var offs []int32
	p.array(at, func(i int) {
		s, off, ok := p.str(at.elem(i))
		if ok {
			list = append(list, s)
			offs = append(offs, int32(off))
		}
	})
	return list, offs
}

// ints reads an array of integers with the offset of each element; null counts as empty.
func (p *parser) ints(at loc) ([]int, []int32) {
	var list []int
	var offs []int32
	p.array(at, func(i int) {
		p.skipSpace()
		off := p.off
		n, _ := p.integer(at.elem(i))
		list = append(list, n)
		offs = append(offs, int32(off))
	})
	return list, offs
}

// str reads a string value.
func (p *parser) str(at loc) (string, int, bool) {
	tok, off := p.next()
	if tok.kind != '"' {
		p.el.add(off, "%s: expected a string, got %s", at, tok.describe())
		p.skipRest(tok)
		return "", off, false
	}
	return tok.text, off, true
}

// integer reads an integer value. Integers beyond ±(MaxCapacity+1) are clamped to it, so
// that validation reports them out of range with the poste's id.
func (p *parser) integer(at loc) (int, int) {
	tok, off := p.next()
	num := tok.text
	if tok.kind != '0' {
		p.el.add(off, "%s: expected an integer, got %s", at, tok.describe())
		p.skipRest(tok)
		return 0, off
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		p.el.add(off, "%s: expected an integer, got %s", at, num)
		return 0, off
	}
	if strings.HasPrefix(num, "-") {
		return int(max(n, -MaxCapacity-1)), off
	}
	return int(min(n, MaxCapacity+1)), off
}
