package importer

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/xuri/excelize/v2"
)

// xlsxSeeds returns small valid XLSX workbooks built with excelize: a plain
// table, a header below blank rows with numbers, gaps between rows, two
// sheets, an empty sheet. The committed corpus in
// testdata/fuzz/FuzzReadTableXLSX holds the same workbooks.
func xlsxSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	build := func(fill func(f *excelize.File) error) []byte {
		f := excelize.NewFile()
		defer f.Close()
		if err := fill(f); err != nil {
			tb.Fatal(err)
		}
		var buf bytes.Buffer
		if err := f.Write(&buf); err != nil {
			tb.Fatal(err)
		}
		return buf.Bytes()
	}
	set := func(f *excelize.File, sheet string, cells map[string]any) error {
		for ref, v := range cells {
			if err := f.SetCellValue(sheet, ref, v); err != nil {
				return err
			}
		}
		return nil
	}
	return [][]byte{
		build(func(f *excelize.File) error {
			return set(f, "Sheet1", map[string]any{"A1": "id", "B1": "nom",
				"A2": "P1", "B2": "Cardiologie", "A3": "P2", "B3": "Pédiatrie"})
		}),
		build(func(f *excelize.File) error {
			return set(f, "Sheet1", map[string]any{"A3": "id", "B3": "rang", "C3": "email",
				"A4": "i01", "B4": 1, "C4": "a@b.fr", "A5": "i02", "B5": 2.5, "C5": true})
		}),
		build(func(f *excelize.File) error {
			return set(f, "Sheet1", map[string]any{"A1": "id", "C1": "nom",
				"A2": "P1", "C5": "loin", "A9": "P9"})
		}),
		build(func(f *excelize.File) error {
			if _, err := f.NewSheet("Postes"); err != nil {
				return err
			}
			if err := set(f, "Sheet1", map[string]any{"A1": "notes"}); err != nil {
				return err
			}
			return set(f, "Postes", map[string]any{"A1": "id", "A2": "P1"})
		}),
		build(func(f *excelize.File) error { return nil }),
	}
}

func FuzzReadTableXLSX(f *testing.F) {
	for _, seed := range xlsxSeeds(f) {
		f.Add(seed)
	}
	f.Add(arsWorkbook(f)) // a title above the header, Excel numbers

	f.Fuzz(func(t *testing.T, data []byte) {
		if !bytes.HasPrefix(data, zipMagic) {
			return // CSV: FuzzReadTableCSV
		}
		tab, err := ReadTable(bytes.NewReader(data), "fuzz.xlsx")
		// An XLSX line is a worksheet row number: 1 to excelize.TotalRows.
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) || fe.Line < 0 || fe.Line > excelize.TotalRows ||
				fe.Message == "" || fe.MessageEN == "" {
				t.Fatalf("error %#v", err)
			}
			return
		}
		if tab.Header == nil || tab.HeaderLine < 1 || tab.HeaderLine > excelize.TotalRows {
			t.Fatalf("header line %d", tab.HeaderLine)
		}
		prev := tab.HeaderLine
		for _, r := range tab.Rows {
			if r.Line <= prev || r.Line > excelize.TotalRows || blank(r.Cells) {
				t.Fatalf("row at line %d after line %d: %q", r.Line, prev, r.Cells)
			}
			prev = r.Line
		}
		// The lists read from it name rows of the sheet, under the header.
		postes, rep := ParsePostes(tab)
		if len(rep.Lines) != len(postes) || rep.HeaderLine < tab.HeaderLine {
			t.Fatalf("lines %v for %d postes, header %d", rep.Lines, len(postes), rep.HeaderLine)
		}
		for _, e := range slices.Concat(rep.Errors, rep.Warnings, rep.Notes) {
			if e.Line < tab.HeaderLine || e.Line > excelize.TotalRows || e.Message == "" || e.MessageEN == "" {
				t.Fatalf("report line %+v", e)
			}
		}
	})
}

// TestXLSXSeedsRead: the seed workbooks are read with the header and rows
// on their worksheet row numbers, so the fuzz target starts from inputs
// that succeed.
func TestXLSXSeedsRead(t *testing.T) {
	seeds := xlsxSeeds(t)
	want := []struct{ header, rows []int }{
		{[]int{1}, []int{2, 3}},
		{[]int{3}, []int{4, 5}},
		{[]int{1}, []int{2, 5, 9}},
		{[]int{1}, nil},
		{nil, nil},
	}
	for i, seed := range seeds {
		tab, err := ReadTable(bytes.NewReader(seed), "seed.xlsx")
		if want[i].header == nil {
			if err == nil {
				t.Errorf("seed %d: read an empty workbook without error: %+v", i, tab)
			}
			continue
		}
		if err != nil {
			t.Errorf("seed %d: %v", i, err)
			continue
		}
		var lines []int
		for _, r := range tab.Rows {
			lines = append(lines, r.Line)
		}
		if tab.HeaderLine != want[i].header[0] || !equalInts(lines, want[i].rows) {
			t.Errorf("seed %d: header at %d, rows at %v; want %d, %v", i, tab.HeaderLine, lines, want[i].header[0], want[i].rows)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
