package importer

import (
	"bytes"
	"errors"
	"strings"
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
	f.Add([]byte("ARS Île-de-France\n\n\"Postes\nmai 2027\";;\nN° du poste;Spécialité (DES);Subdivision;Nom du RTS;" +
		"Adresse électronique du RTS;Nombre de postes\nP1;MG;IDF;Dr A;a@b.fr;2.0\n38,0;MG;IDF;;;1,00\nP3;MG;IDF;Dr B;B@b.fr;1\n"))
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
		if len(rep.Lines) != len(postes) || rep.HeaderLine < tab.HeaderLine {
			t.Fatalf("lines %v for %d postes, header %d", rep.Lines, len(postes), rep.HeaderLine)
		}
		prev := rep.HeaderLine
		for _, l := range rep.Lines {
			if l <= prev || l > last {
				t.Fatalf("lines %v after header %d (input of %d lines)", rep.Lines, rep.HeaderLine, last)
			}
			prev = l
		}
		found, errs := ResolveRTS(postes, rep.Lines, nil)
		for _, e := range errs {
			t.Fatalf("error without known people: %+v", e)
		}
		for _, fd := range found {
			if !fd.Created || len(fd.ID) > MaxIDLength || strings.Trim(fd.ID, idChars) != "" {
				t.Fatalf("RTS %+v", fd)
			}
		}
		_ = rep.Format("en")
	})
}
