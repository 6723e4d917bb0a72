package match

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
)

// EncodeInstance encodes an instance in the exchange format with one poste, intern, ranking
// call-list entry or binome per line, so that an error found in the file names a useful line. It
// does not validate the instance.
func EncodeInstance(inst *Instance) ([]byte, error) {
	var buf []byte
	buf = append(buf, "{\n"...)
	if inst.Procedure != "" {
		buf = append(buf, `"procedure": `...)
		buf = appendJSONString(buf, string(inst.Procedure))
		buf = append(buf, ",\n"...)
	}
	buf = appendLines(buf, "postes", len(inst.Postes), func(b []byte, i int) []byte {
		b = append(b, `{"id":`...)
		b = appendJSONString(b, inst.Postes[i].ID)
		b = append(b, `,"capacity":`...)
		return append(strconv.AppendInt(b, int64(inst.Postes[i].Capacity), 10), '}')
	})
	buf = append(buf, ",\n"...)
	buf = appendLines(buf, "interns", len(inst.Interns), func(b []byte, i int) []byte {
		b = append(b, `{"id":`...)
		b = appendJSONString(b, inst.Interns[i].ID)
		b = append(b, `,"wishes":`...)
		b = appendStringList(b, inst.Interns[i].Wishes)
		return append(appendRanks(b, inst.Interns[i].Ranks), '}')
	})
	if len(inst.Rankings) > 0 {
		buf = append(buf, ",\n"...)
		buf = appendLines(buf, "rankings", len(inst.Rankings), func(b []byte, k int) []byte {
			b = append(b, `{"poste":`...)
			b = appendJSONString(b, inst.Rankings[k].Poste)
			b = append(b, `,"ranking":`...)
			b = appendStringList(b, inst.Rankings[k].Ranking)
			return append(appendRanks(b, inst.Rankings[k].Ranks), '}')
		})
	}
	if len(inst.CallList) > 0 {
		buf = append(buf, ",\n"...)
		buf = appendLines(buf, "call_list", len(inst.CallList), func(b []byte, j int) []byte {
			return appendJSONString(b, inst.CallList[j])
		})
	}
	if len(inst.Binomes) > 0 {
		buf = append(buf, ",\n"...)
		buf = appendLines(buf, "binomes", len(inst.Binomes), func(b []byte, k int) []byte {
			bn := inst.Binomes[k]
			b = append(b, `{"interns":`...)
			b = appendStringList(b, bn.Interns[:])
			b = append(b, `,"pairs":[`...)
			for j, pq := range bn.Pairs {
				if j > 0 {
					b = append(b, ',')
				}
				b = appendStringList(b, pq[:])
			}
			return append(b, "]}"...)
		})
	}
	if inst.TieBreak != "" {
		buf = append(buf, ",\n"...)
		buf = append(buf, `"tie_break": `...)
		buf = appendJSONString(buf, inst.TieBreak)
	}
	return append(buf, "\n}\n"...), nil
}

// appendRanks appends ,"ranks":[…] when ranks is not empty.
func appendRanks(b []byte, ranks []int) []byte {
	if len(ranks) == 0 {
		return b
	}
	b = append(b, `,"ranks":[`...)
	for j, r := range ranks {
		if j > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(r), 10)
	}
	return append(b, ']')
}

// appendLines appends "key": [ then n elements, one per line, then ].
func appendLines(buf []byte, key string, n int, elem func([]byte, int) []byte) []byte {
	buf = append(buf, '"')
	buf = append(buf, key...)
	buf = append(buf, `": [`...)
	for i := range n {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, "\n  "...)
		buf = elem(buf, i)
	}
	if n > 0 {
		buf = append(buf, '\n')
	}
	return append(buf, ']')
}

// appendStringList appends a JSON array of strings on one line.
func appendStringList(buf []byte, list []string) []byte {
	buf = append(buf, '[')
	for j, s := range list {
		if j > 0 {
			buf = append(buf, ',')
		}
		buf = appendJSONString(buf, s)
	}
	return append(buf, ']')
}

// appendJSONString appends s as a JSON string, byte for byte as encoding/json writes it:
// printable ASCII other than the quote, the backslash and the HTML characters <, > and & is
// copied; any other string is handed to encoding/json.
func appendJSONString(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if !plainByte[s[i]] {
			enc, err := json.Marshal(s)
			if err != nil { // cannot happen: every string encodes
				panic(fmt.Sprintf("match: encoding string %q: %v", s, err))
			}
			return append(buf, enc...)
		}
	}
	buf = append(buf, '"')
	buf = append(buf, s...)
	return append(buf, '"')
}

// plainByte marks the bytes that encoding/json copies unchanged into a string.
var plainByte = func() (t [256]bool) {
	for b := 0x20; b < 0x7f; b++ {
		t[b] = b != '"' && b != '\\' && b != '<' && b != '>' && b != '&'
	}
	return t
}()

// EncodeResult encodes a result in its canonical form: normalized (see Result.Normalize),
// indented with two spaces, with a trailing newline. The same result always gives the same
// bytes, the same as json.MarshalIndent(res, "", "  ") followed by a newline.
func EncodeResult(res Result) ([]byte, error) {
	res.Assignments = slices.Clone(res.Assignments)
	res.Unmatched = slices.Clone(res.Unmatched)
	res.Normalize()
	return appendResult(nil, res), nil
}

// appendResult appends the canonical encoding of a normalized result.
func appendResult(buf []byte, res Result) []byte {
	size := 64
	for _, a := range res.Assignments {
		size += len(a.Intern) + len(a.Poste) + 56
	}
	for _, id := range res.Unmatched {
		size += len(id) + 8
	}
	buf = slices.Grow(buf, size)
	buf = append(buf, "{\n  \"assignments\": ["...)
	for k, a := range res.Assignments {
		if k > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, "\n    {\n      \"intern\": "...)
		buf = appendJSONString(buf, a.Intern)
		buf = append(buf, ",\n      \"poste\": "...)
		buf = appendJSONString(buf, a.Poste)
		buf = append(buf, "\n    }"...)
	}
	if len(res.Assignments) > 0 {
		buf = append(buf, "\n  "...)
	}
	buf = append(buf, "],\n  \"unmatched\": ["...)
	for k, id := range res.Unmatched {
		if k > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, "\n    "...)
		buf = appendJSONString(buf, id)
	}
	if len(res.Unmatched) > 0 {
		buf = append(buf, "\n  "...)
	}
	return append(buf, "]\n}\n"...)
}
