package match

import (
	"bytes"

	"appariement/shared/draw"
)

// The fast path: one pass over the bytes of an instance in the common shape (the shape
// EncodeInstance, the server and the generator write) straight into a Compiled, with ids
// interned in idTables as they are scanned and no string per id. It accepts only inputs on
// which the strict decoder (DecodeInstance, then Compile) succeeds, and gives the same
// Compiled; whenever it meets anything else — any error, but also valid JSON outside its
// subset: string escapes, non-ASCII ids, the top-level fields in another order
// — it gives up, and DecodeCompiled runs the strict decoder, whose messages name the id and
// the line.

// DecodeCompiled decodes, validates and compiles an instance in the JSON exchange format:
// the same as DecodeInstance followed by Compile, with the same errors, several times faster
// and with a fraction of the memory on a valid instance. The instance is not kept; use
// DecodeInstance to get it.
func DecodeCompiled(data []byte) (*Compiled, error) {
	if c := fastCompile(data); c != nil {
		return c, nil
	}
	inst, err := DecodeInstance(data)
	if err != nil {
		return nil, err
	}
	return Compile(inst)
}

// giveUp unwinds the fast decoder to let the strict one decide.
type giveUp struct{}

// fastParser holds the state of the fast decoder.
type fastParser struct {
	data []byte
	off  int
	out  []int32 // the indices of the ids of the list being read
	// strings is the number of '"' in the input, twice the number of its strings at most.
	strings int
	// wishRanks and rankRanks hold the ranks of the wish lists (by intern) and of the
	// rankings (by poste) that have some, nil until the first one.
	wishRanks map[int32][]int
	rankRanks map[int32][]int
	tied      bool // some ranks have a tie
}

// fastCompile returns the compiled instance of data, or nil when the fast path gives up.
func fastCompile(data []byte) (c *Compiled) {
	if len(data) > MaxInstanceBytes {
		return nil
	}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(giveUp); !ok {
				panic(r)
			}
			c = nil
		}
	}()
	p := &fastParser{data: data, strings: bytes.Count(data, []byte{'"'})}
	return p.instance()
}

func (p *fastParser) fail() { panic(giveUp{}) }

// ws skips JSON white space.
func (p *fastParser) ws() {
	if p.off < len(p.data) && p.data[p.off] > ' ' {
		return
	}
	for p.off < len(p.data) {
		switch p.data[p.off] {
		case ' ', '\n', '\t', '\r':
			p.off++
		default:
			return
		}
	}
}

// peek returns the next byte after white space, 0 at the end of the input.
func (p *fastParser) peek() byte {
	p.ws()
	if p.off < len(p.data) {
		return p.data[p.off]
	}
	return 0
}

// expect consumes byte b after white space.
func (p *fastParser) expect(b byte) {
	if p.peek() != b {
		p.fail()
	}
	p.off++
}

// sep consumes the ',' between two elements and reports true, or the closing byte and
// reports false.
func (p *fastParser) sep(closing byte) bool {
	switch p.peek() {
	case ',':
		p.off++
		return true
	case closing:
		p.off++
		return false
	}
	p.fail()
	return false
}

// null consumes a null, which stands for an empty list, and reports whether there was one.
func (p *fastParser) null() bool {
	if p.peek() == 'n' && string(p.data[p.off:min(p.off+4, len(p.data))]) == "null" {
		p.off += 4
		return true
	}
	return false
}

// open consumes the opening byte of an array or object and reports whether it is empty
// (its closing byte consumed too).
func (p *fastParser) open(opening, closing byte) bool {
	p.expect(opening)
	if p.peek() == closing {
		p.off++
		return true
	}
	return false
}

// idString scans a string of plain printable ASCII (no escape), and returns its bytes and
// their key (keyOf). It gives up on anything else. A short id is scanned 8 bytes at once,
// and those bytes are its key.
func (p *fastParser) idString() ([]byte, idKey) {
	p.expect('"')
	start, data := p.off, p.data
	if start+8 <= len(data) {
		x := load8(data, start)
		n, ok := scanWord(x)
		if !ok {
			p.fail()
		}
		if n < 8 {
			p.off = start + n + 1
			return data[start : start+n], keyOfWord(x&(1<<(8*n)-1), n)
		}
	}
	for i := start; i < len(data); i++ {
		c := data[i]
		if c == '"' {
			p.off = i + 1
			return data[start:i], keyOf(data[start:i])
		}
		if c < 0x20 || c >= 0x7f || c == '\\' {
			break
		}
	}
	p.fail()
	return nil, idKey{}
}

// key reads an object key and its ':'.
func (p *fastParser) key() []byte {
	s, _ := p.idString()
	p.expect(':')
	return s
}

// newID reads a new poste or intern id into t, giving up on an invalid or duplicate one.
func (p *fastParser) newID(t *idTable) {
	s, h := p.idString()
	if len(s) == 0 || len(s) > MaxIDBytes {
		p.fail()
	}
	if _, added := addID(t, s, h, int32(t.len())); !added {
		p.fail()
	}
}

// ref reads the id of a known poste or intern of t and returns its index.
func (p *fastParser) ref(t *idTable) int32 {
	s, h := p.idString()
	i := findID(t, s, h)
	if i < 0 {
		p.fail()
	}
	return i
}

// refs reads a list of ids of t and returns their indices, valid until the next call. A
// list written without white space, of short ids, is read by the tight loop of shortRefs,
// anything else by the general one.
func (p *fastParser) refs(t *idTable) []int32 {
	out := p.out[:0]
	if !p.null() && !p.open('[', ']') {
		for {
			var more bool
			if out, more = p.shortRefs(t, out); !more {
				break
			}
			s, k := p.idString()
			i := findID(t, s, k)
			if i < 0 {
				p.fail()
			}
			out = append(out, i)
			if !p.sep(']') {
				break
			}
		}
	}
	p.out = out
	return out
}

// shortRefs reads the elements of a list of ids of t, after its '[', for as long as they
// are short ids in quotes followed by ',' without white space, and appends their indices to
// out. It reports false when it has read the list's closing ']', true when the general loop
// must read the next element. Each lookup is independent of the next id's scan, so that
// the processor overlaps the reads of the slots.
func (p *fastParser) shortRefs(t *idTable, out []int32) ([]int32, bool) {
	data, off := p.data, p.off
	for off+10 <= len(data) && data[off] == '"' {
		x := load8(data, off+1)
		n, ok := scanWord(x)
		if !ok || n == 8 {
			break
		}
		i := t.findShort(keyOfWord(x&(1<<(8*n)-1), n))
		if i < 0 {
			p.fail()
		}
		out = append(out, i)
		off += n + 2
		switch data[off] {
		case ',':
			off++
			continue
		case ']':
			p.off = off + 1
			return out, false
		}
		p.off = off
		return out, p.sep(']') // white space, or a syntax error
	}
	p.off = off
	return out, true
}

// capacity reads a capacity between 1 and MaxCapacity written as plain digits.
func (p *fastParser) capacity() int32 {
	p.ws()
	n, i := 0, p.off
	for ; i < len(p.data) && p.data[i] >= '0' && p.data[i] <= '9' && n <= MaxCapacity; i++ {
		n = 10*n + int(p.data[i]-'0')
	}
	if i == p.off || p.data[p.off] == '0' || n > MaxCapacity {
		p.fail()
	}
	p.off = i
	return int32(n)
}

// ranks reads a list of dense ranks (1, then each equal to the previous one or one more)
// written as plain digits, noting in p.tied whether two are equal; null is empty.
func (p *fastParser) ranks() []int {
	if p.null() || p.open('[', ']') {
		return nil
	}
	var out []int
	for {
		p.ws()
		n, i := 0, p.off
		for ; i < len(p.data) && p.data[i] >= '0' && p.data[i] <= '9' && n <= MaxCapacity; i++ {
			n = 10*n + int(p.data[i]-'0')
		}
		if i == p.off || p.data[p.off] == '0' {
			p.fail()
		}
		p.off = i
		switch {
		case len(out) == 0 && n == 1, len(out) > 0 && n == out[len(out)-1]+1:
		case len(out) > 0 && n == out[len(out)-1]:
			p.tied = true
		default:
			p.fail()
		}
		out = append(out, n)
		if !p.sep(']') {
			return out
		}
	}
}

// rankingSpan is where one ranking's entries are in the flat list of all entries.
type rankingSpan struct {
	poste      int32
	start, end int32
}

// instance reads the whole input: the top-level fields in the order procedure and
// tie_break (anywhere), postes, interns, then rankings and call_list. Ties are ordered by
// the draw once everything is read, as compile does.
func (p *fastParser) instance() *Compiled {
	c := &Compiled{posteIdx: newIDTable(1024), internIdx: newIDTable(1024)} // they grow

	var (
		proc      = ProcedureAppariement
		seen      = map[string]bool{}
		spans     []rankingSpan
		entries   []int32
		counts    []int32
		hasRanked bool
		tieBreak  string
	)
	if p.open('{', '}') {
		p.fail() // postes and interns are missing
	}
	for {
		k := string(p.key())
		if seen[k] {
			p.fail()
		}
		seen[k] = true
		switch {
		case k == "procedure":
			s, _ := p.idString()
			switch string(s) {
			case "", string(ProcedureAppariement):
			case string(ProcedureChoixAuRang):
				proc = ProcedureChoixAuRang
			default:
				p.fail()
			}
		case k == "postes" && !seen["interns"]:
			p.postes(c)
		case k == "interns" && seen["postes"]:
			p.interns(c)
		case k == "rankings" && seen["interns"]:
			spans, entries, counts = p.rankings(c)
			hasRanked = len(spans) > 0
		case k == "call_list" && seen["interns"]:
			p.callList(c)
		case k == "tie_break":
			s, _ := p.idString()
			tieBreak = string(s)
			if draw.CheckSeed(tieBreak) != nil {
				p.fail()
			}
		default:
			p.fail()
		}
		if !p.sep('}') {
			break
		}
	}
	if p.ws(); p.off != len(p.data) || !seen["postes"] || !seen["interns"] {
		p.fail()
	}
	c.procedure = proc
	switch proc {
	case ProcedureAppariement:
		if len(c.callOrder) > 0 {
			p.fail()
		}
		c.callOrder = nil
		c.layOutRankings(spans, entries)
	case ProcedureChoixAuRang:
		if hasRanked || len(c.callOrder) != c.internIdx.len() {
			p.fail() // rankings given, or an intern missing from the call list
		}
		c.rankStart = make([]int32, c.posteIdx.len()+1)
		if c.callOrder == nil {
			c.callOrder = []int32{}
		}
	}
	c.posteIDs = c.posteIdx.strings()
	c.internIDs = c.internIdx.strings()
	if p.tied {
		if tieBreak == "" {
			p.fail() // ex aequo without a draw
		}
		c.orderTies(tieBreak, func(i int) []int { return p.wishRanks[int32(i)] },
			func(q int) []int { return p.rankRanks[int32(q)] })
	}
	if len(c.rankIntern) == 0 {
		counts = nil
	}
	c.rankWishes(counts)
	return c
}

// postes reads the list of postes.
func (p *fastParser) postes(c *Compiled) {
	if p.null() || p.open('[', ']') {
		return
	}
	for {
		var hasID, hasCap bool
		p.expect('{')
		for {
			switch k := string(p.key()); {
			case k == "id" && !hasID:
				p.newID(c.posteIdx)
				hasID = true
			case k == "capacity" && !hasCap:
				c.capacity = append(c.capacity, p.capacity())
				hasCap = true
			default:
				p.fail()
			}
			if !p.sep('}') {
				break
			}
		}
		if !hasID || !hasCap {
			p.fail()
		}
		if !p.sep(']') {
			return
		}
	}
}

// interns reads the list of interns and their wishes.
func (p *fastParser) interns(c *Compiled) {
	np := c.posteIdx.len()
	stamp := make([]int32, np) // stamp[q] == i+1 when poste q is on the list of intern i
	c.wishStart = []int32{0}
	// Every wish is a string of the input, which has at most strings/2 of them: room for all
	// of them at once, rather than growing and copying the list. Pages never written are
	// never touched, so the excess costs address space, not memory.
	c.wishPoste = make([]int32, 0, p.strings/2+1)
	if p.null() || p.open('[', ']') {
		return
	}
	for i := int32(1); ; i++ {
		var hasID, hasWishes, hasRanks bool
		var ranks []int
		p.expect('{')
		for {
			switch k := string(p.key()); {
			case k == "id" && !hasID:
				p.newID(c.internIdx)
				hasID = true
			case k == "wishes" && !hasWishes:
				hasWishes = true
				for _, q := range p.refs(c.posteIdx) {
					if stamp[q] == i {
						p.fail()
					}
					stamp[q] = i
					c.wishPoste = append(c.wishPoste, q)
				}
			case k == "ranks" && !hasRanks:
				hasRanks = true
				ranks = p.ranks()
			default:
				p.fail()
			}
			if !p.sep('}') {
				break
			}
		}
		if !hasID {
			p.fail()
		}
		if len(ranks) > 0 {
			if len(ranks) != len(c.wishPoste)-int(c.wishStart[len(c.wishStart)-1]) {
				p.fail()
			}
			if p.wishRanks == nil {
				p.wishRanks = map[int32][]int{}
			}
			p.wishRanks[i-1] = ranks
		}
		c.wishStart = append(c.wishStart, int32(len(c.wishPoste)))
		if !p.sep(']') {
			return
		}
	}
}

// rankings reads the rankings into one flat list of intern indices, in the order of the
// input, and counts the entries of each intern i in counts[i+1] (see rankWishes).
func (p *fastParser) rankings(c *Compiled) (spans []rankingSpan, entries, counts []int32) {
	entries = make([]int32, 0, p.strings/2-len(c.wishPoste)+1) // at most the strings left
	ni := c.internIdx.len()
	if p.null() || p.open('[', ']') {
		return spans, entries, nil
	}
	ranked := make([]bool, c.posteIdx.len())
	// seen[i] is intern i's stamp, k+1 when it is in ranking k, and its number of entries:
	// both in one word, for one cache miss.
	seen := make([]uint64, ni)
	for k := int32(1); ; k++ {
		span := rankingSpan{poste: -1}
		var hasList, hasRanks bool
		var ranks []int
		p.expect('{')
		for {
			switch key := string(p.key()); {
			case key == "poste" && span.poste < 0:
				span.poste = p.ref(c.posteIdx)
				if ranked[span.poste] {
					p.fail()
				}
				ranked[span.poste] = true
			case key == "ranking" && !hasList:
				hasList = true
				span.start = int32(len(entries))
				for _, i := range p.refs(c.internIdx) {
					if uint32(seen[i]) == uint32(k) {
						p.fail()
					}
					seen[i] = (seen[i]>>32+1)<<32 | uint64(uint32(k))
					entries = append(entries, i)
				}
			case key == "ranks" && !hasRanks:
				hasRanks = true
				ranks = p.ranks()
			default:
				p.fail()
			}
			if !p.sep('}') {
				break
			}
		}
		if span.poste < 0 || !hasList {
			p.fail()
		}
		span.end = int32(len(entries))
		if len(ranks) > 0 {
			if len(ranks) != int(span.end-span.start) {
				p.fail()
			}
			if p.rankRanks == nil {
				p.rankRanks = map[int32][]int{}
			}
			p.rankRanks[span.poste] = ranks
		}
		spans = append(spans, span)
		if !p.sep(']') {
			counts = make([]int32, ni+1)
			for i, s := range seen {
				counts[i+1] = int32(s >> 32)
			}
			return spans, entries, counts
		}
	}
}

// callList reads the call list.
func (p *fastParser) callList(c *Compiled) {
	ni := c.internIdx.len()
	c.callOrder = make([]int32, 0, ni)
	called := make([]bool, ni)
	for _, i := range p.refs(c.internIdx) {
		if called[i] {
			p.fail()
		}
		called[i] = true
		c.callOrder = append(c.callOrder, i)
	}
}

// layOutRankings sets rankStart and rankIntern from the rankings read in input order:
// the entries are used as they are when the rankings come in the order of the postes, and
// are copied into that order otherwise.
func (c *Compiled) layOutRankings(spans []rankingSpan, entries []int32) {
	np := c.posteIdx.len()
	c.rankStart = make([]int32, np+1)
	inOrder := true
	for k, s := range spans {
		c.rankStart[s.poste+1] = s.end - s.start
		inOrder = inOrder && (k == 0 || spans[k-1].poste < s.poste)
	}
	for q := range np {
		c.rankStart[q+1] += c.rankStart[q]
	}
	if inOrder {
		c.rankIntern = entries[:len(entries):len(entries)]
		return
	}
	c.rankIntern = make([]int32, len(entries))
	for _, s := range spans {
		copy(c.rankIntern[c.rankStart[s.poste]:], entries[s.start:s.end])
	}
}

// fastResult decodes a result in the common shape (plain ASCII ids without escapes, every
// assignment with its intern and its poste), the ids substrings of one copy of data; it
// returns false when it gives up, and DecodeResult then runs encoding/json.
func fastResult(data []byte) (res Result, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, isGiveUp := r.(giveUp); !isGiveUp {
				panic(r)
			}
			ok = false
		}
	}()
	all := string(data)
	p := &fastParser{data: data}
	str := func() string {
		s, _ := p.idString()
		end := p.off - 1
		return all[end-len(s) : end]
	}
	var hasAssignments, hasUnmatched bool
	if p.open('{', '}') {
		p.fail()
	}
	for {
		switch k := string(p.key()); {
		case k == "assignments" && !hasAssignments:
			hasAssignments = true
			if p.open('[', ']') {
				break
			}
			for {
				var a Assignment
				var hasIntern, hasPoste bool
				p.expect('{')
				for {
					switch f := string(p.key()); {
					case f == "intern" && !hasIntern:
						a.Intern, hasIntern = str(), true
					case f == "poste" && !hasPoste:
						a.Poste, hasPoste = str(), true
					default:
						p.fail()
					}
					if !p.sep('}') {
						break
					}
				}
				if !hasIntern || !hasPoste {
					p.fail()
				}
				res.Assignments = append(res.Assignments, a)
				if !p.sep(']') {
					break
				}
			}
		case k == "unmatched" && !hasUnmatched:
			hasUnmatched = true
			if p.open('[', ']') {
				break
			}
			for {
				res.Unmatched = append(res.Unmatched, str())
				if !p.sep(']') {
					break
				}
			}
		default:
			p.fail()
		}
		if !p.sep('}') {
			break
		}
	}
	if p.ws(); p.off != len(data) || !hasAssignments || !hasUnmatched {
		p.fail()
	}
	if res.Assignments == nil {
		res.Assignments = []Assignment{}
	}
	if res.Unmatched == nil {
		res.Unmatched = []string{}
	}
	return res, true
}
