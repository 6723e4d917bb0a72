package importer

import (
	"bytes"
	"errors"
	"testing"
)

// checkLines fails unless every line that tab or err names is within the
// input, and the rows come in order after the header.
func checkLines(t *testing.T, data []byte, tab *Table, err error) {
	t.Helper()
	last := bytes.Count(data, []byte("\n")) + 1
	if err != nil {
		var fe *FileError
		if !errors.As(err, &fe) || fe.Line < 0 || fe.Line > last || fe.Message == "" || fe.MessageEN == "" {
			t.Fatalf("error %#v (input of %d lines)", err, last)
		}
		return
	}
	if tab.Header == nil || tab.HeaderLine < 1 || tab.HeaderLine > last {
		t.Fatalf("header line %d of %d", tab.HeaderLine, last)
	}
	prev := tab.HeaderLine
	for _, r := range tab.Rows {
		if r.Line <= prev || r.Line > last || blank(r.Cells) {
			t.Fatalf("row at line %d after line %d (input of %d lines): %q", r.Line, prev, last, r.Cells)
		}
		prev = r.Line
	}
}

func FuzzReadTableCSV(f *testing.F) {
	f.Add([]byte("id;nom\r\nP1;\"a\r\nb\"\r\n"))
	f.Add([]byte("\xEF\xBB\xBFid,nom\nP1,x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if bytes.HasPrefix(data, zipMagic) {
			return // XLSX: row numbers, not lines
		}
		tab, err := ReadTable(bytes.NewReader(data), "fuzz.csv")
		checkLines(t, data, tab, err)
	})
}

func FuzzParsePostes(f *testing.F) {
	f.Add([]byte(posteHeader + "P1;MG;IDF;CH;a@b.fr;1\nP1;XX;YY;;a@b;0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if bytes.HasPrefix(data, zipMagic) {
			return
		}
		tab, err := ReadTable(bytes.NewReader(data), "fuzz.csv")
		checkLines(t, data, tab, err)
		if err != nil {
			return
		}
		postes, rep := ParsePostes(tab)
		last := bytes.Count(data, []byte("\n")) + 1
		for _, e := range append(rep.Errors, rep.Warnings...) {
			if e.Line < 1 || e.Line > last || e.Message == "" || e.MessageEN == "" {
				t.Fatalf("report line %+v (input of %d lines)", e, last)
			}
		}
		ids := make(map[string]bool)
		for _, p := range postes {
			if err := p.Validate(); err != nil || ids[p.ID] {
				t.Fatalf("accepted poste %+v: %v, duplicate %v", p, err, ids[p.ID])
			}
			ids[p.ID] = true
		}
		if len(postes) > rep.Rows || (rep.OK() && len(postes) != rep.Rows) {
			t.Fatalf("%d postes from %d rows, report:\n%s", len(postes), rep.Rows, rep)
		}
		_ = rep.Format("en")
	})
}
