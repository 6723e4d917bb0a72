package importer

import (
	"archive/zip"
	"bytes"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

func mustRead(t *testing.T, data string) *Table {
	t.Helper()
	tab, err := ReadTable(strings.NewReader(data), "test.csv")
	if err != nil {
		t.Fatalf("ReadTable: %v", err)
	}
	return tab
}

// lines returns the line of each row.
func lines(tab *Table) []int {
	var l []int
	for _, r := range tab.Rows {
		l = append(l, r.Line)
	}
	return l
}

func TestReadTableWindows1252(t *testing.T) {
	text := "id;nom;prénom\r\nI1;Lefèvre;Élodie\r\nI2;François;Cœlia\r\nI3;Garçon;Hélène\r\n"
	data, err := charmap.Windows1252.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	tab := mustRead(t, data)
	want := &Table{
		Header:     []string{"id", "nom", "prénom"},
		HeaderLine: 1,
		Rows: []Row{
			{2, []string{"I1", "Lefèvre", "Élodie"}},
			{3, []string{"I2", "François", "Cœlia"}},
			{4, []string{"I3", "Garçon", "Hélène"}},
		},
	}
	if !reflect.DeepEqual(tab, want) {
		t.Errorf("got %+v\nwant %+v", tab, want)
	}
}

func TestReadTableEncodingsAndSeparators(t *testing.T) {
	utf16, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String("id\tville\nP1\tSaint-Étienne\n")
	tests := []struct {
		name, data string
		want       []string // second row
	}{
		{"BOM UTF-8 comma", "\uFEFFid,ville\nP1,Besançon\n", []string{"P1", "Besançon"}},
		{"UTF-8 semicolon CRLF", "id;ville\r\nP1;Besançon\r\n", []string{"P1", "Besançon"}},
		{"tab", "id\tville\nP1\tBesançon", []string{"P1", "Besançon"}},
		{"UTF-16 tab", utf16, []string{"P1", "Saint-Étienne"}},
		{"semicolon wins over comma in header", "id;nom, prénom\nP1;Martin, Claire\n", []string{"P1", "Martin, Claire"}},
		{"separator inside quotes ignored", "\"a;b\",ville\nP1,Nice\n", []string{"P1", "Nice"}},
		{"single column", "id\nP1\n", []string{"P1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := mustRead(t, tt.data)
			if len(tab.Rows) != 1 || !reflect.DeepEqual(tab.Rows[0].Cells, tt.want) {
				t.Errorf("rows %v, want one row %q", tab.Rows, tt.want)
			}
		})
	}
}

// TestReadTableLineNumbers: rows are numbered as Excel or LibreOffice show
// the CSV file: a blank line is a row, a cell over several lines is one.
func TestReadTableLineNumbers(t *testing.T) {
	data := "\r\n" + // blank line before the header
		"id;description;capacite\r\n" +
		"P1;\"deux lignes\r\nde texte\";2\r\n" +
		";;\r\n" + // empty row, skipped
		"P2;\"un « ; » et des \"\"guillemets\"\"\";1\r\n" +
		"\r\n" +
		"P3;\"trois\nlignes\nici\";1\r\n" +
		"P4;fin;1"
	tab := mustRead(t, data)
	if tab.HeaderLine != 2 {
		t.Errorf("header line %d, want 2", tab.HeaderLine)
	}
	if got, want := lines(tab), []int{3, 5, 7, 8}; !reflect.DeepEqual(got, want) {
		t.Errorf("lines %v, want %v", got, want)
	}
	if got := tab.Rows[1].Cells[1]; got != `un « ; » et des "guillemets"` {
		t.Errorf("quoted cell %q", got)
	}
	if got := tab.Rows[0].Cells[1]; got != "deux lignes\nde texte" {
		t.Errorf("multi-line cell %q", got)
	}
}

func TestReadTableErrors(t *testing.T) {
	tests := []struct {
		name, data string
		line       int
		msg        string
	}{
		{"empty", "", 0, "fichier vide"},
		{"blank lines only", "\n \n;;\n", 0, "fichier vide"},
		{"unterminated quote", "id;nom\nP1;ok\nP2;\"jamais fermé\n", 3, "guillemets"},
		{"bare quote", "id;nom\nP1;un \"mot\" ici\n", 2, "guillemets"},
		{"xls", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest", 0, ".xls"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadTable(strings.NewReader(tt.data), "f.csv")
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v, want a *FileError", err)
			}
			if fe.Line != tt.line || !strings.Contains(fe.Message, tt.msg) || fe.File != "f.csv" || fe.MessageEN == "" {
				t.Errorf("got line %d %q, want line %d %q", fe.Line, fe.Message, tt.line, tt.msg)
			}
		})
	}
}

func TestReadTableTooLarge(t *testing.T) {
	big := strings.Repeat("x", MaxFileSize+1)
	if _, err := ReadTable(strings.NewReader(big), "big.csv"); !errors.Is(err, ErrTooLarge) {
		t.Errorf("file of %d bytes: %v, want ErrTooLarge", len(big), err)
	}
	var b strings.Builder
	b.WriteString("id\n")
	for range MaxRows + 1 {
		b.WriteString("P\n")
	}
	_, err := ReadTable(strings.NewReader(b.String()), "long.csv")
	var fe *FileError
	if !errors.Is(err, ErrTooLarge) || !errors.As(err, &fe) || fe.Line != MaxRows+2 {
		t.Errorf("%d rows: %v, want ErrTooLarge at line %d", MaxRows+1, err, MaxRows+2)
	}
}

// xlsxFile builds a workbook whose first sheet is "Notes" (one cell) and
// whose second sheet "Postes" holds rows starting at row 1.
func xlsxFile(t *testing.T, rows map[int][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "Notes"); err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellStr("Notes", "A1", "Postes du semestre"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.NewSheet("Postes"); err != nil {
		t.Fatal(err)
	}
	for n, cells := range rows {
		if err := f.SetSheetRow("Postes", "A"+strconv.Itoa(n), &cells); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadSheetXLSX(t *testing.T) {
	data := xlsxFile(t, map[int][]any{
		1: {"Identifiant", "Spécialité", "Subdivision", "Capacité"},
		2: {"P1", "Médecine générale", "Île-de-France", 2},
		// row 3 empty
		4: {"P2", "PED", "LYON", 1.0},
		5: {"", nil, "  ", nil}, // blank cells only
		6: {"P3", "psy", "lille", "3"},
	})
	tab, err := ReadSheet(bytes.NewReader(data), "postes.xlsx", "Postes")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := lines(tab), []int{2, 4, 6}; !reflect.DeepEqual(got, want) {
		t.Errorf("lines %v, want %v", got, want)
	}
	postes, rep := ParsePostes(tab)
	if len(postes) != 3 || !rep.OK() {
		t.Fatalf("%d postes, report:\n%s", len(postes), rep)
	}
	if p := postes[0]; p.Specialty != "MG" || p.Subdivision != "IDF" || p.Capacity != 2 {
		t.Errorf("first poste %+v", p)
	}
	if p := postes[1]; p.Capacity != 1 {
		t.Errorf("capacity stored as 1.0 read as %d", p.Capacity)
	}

	// The first sheet by default.
	tab, err = ReadTable(bytes.NewReader(data), "postes.xlsx")
	if err != nil || tab.Header[0] != "Postes du semestre" || len(tab.Rows) != 0 {
		t.Errorf("first sheet: %+v, %v", tab, err)
	}
	_, err = ReadSheet(bytes.NewReader(data), "postes.xlsx", "Internes")
	var fe *FileError
	if !errors.As(err, &fe) || !strings.Contains(fe.Message, "Notes, Postes") {
		t.Errorf("missing sheet: %v", err)
	}
}

func TestReadTableCorruptXLSX(t *testing.T) {
	good := xlsxFile(t, map[int][]any{1: {"id"}, 2: {"P1"}})

	// A zip that is not a workbook.
	var notBook bytes.Buffer
	zw := zip.NewWriter(&notBook)
	w, _ := zw.Create("hello.txt")
	w.Write([]byte("bonjour"))
	zw.Close()

	// A workbook whose sheet XML is garbage.
	var badSheet bytes.Buffer
	zr, err := zip.NewReader(bytes.NewReader(good), int64(len(good)))
	if err != nil {
		t.Fatal(err)
	}
	zw = zip.NewWriter(&badSheet)
	for _, f := range zr.File {
		w, _ := zw.Create(f.Name)
		if strings.HasPrefix(f.Name, "xl/worksheets/") {
			w.Write([]byte("<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>999</v></c></row><row r=\"x\">"))
			continue
		}
		rc, _ := f.Open()
		var b bytes.Buffer
		b.ReadFrom(rc)
		rc.Close()
		w.Write(b.Bytes())
	}
	zw.Close()

	tests := map[string][]byte{
		"truncated":       good[:len(good)/2],
		"magic only":      []byte("PK\x03\x04"),
		"flipped bytes":   flip(good),
		"not a workbook":  notBook.Bytes(),
		"garbage sheet":   badSheet.Bytes(),
		"zip magic + CSV": []byte("PK\x03\x04;id\nP1\n"),
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := ReadTable(bytes.NewReader(data), "x.xlsx")
			var fe *FileError
			if !errors.As(err, &fe) || fe.Message == "" || !strings.HasPrefix(err.Error(), "x.xlsx: ") {
				t.Errorf("error %v, want a *FileError", err)
			}
		})
	}
}

// flip returns data with every 97th byte inverted.
func flip(data []byte) []byte {
	out := bytes.Clone(data)
	for i := 50; i < len(out); i += 97 {
		out[i] ^= 0xFF
	}
	return out
}

func TestSniffSeparator(t *testing.T) {
	tests := map[string]rune{
		"a;b;c\n":         ';',
		"a,b,c\n":         ',',
		"a\tb\tc\n":       '\t',
		"a\n":             ',',
		"\n\n a;b\nc;d,e": ';',
		"Postes — Lyon, cardiologie\nid;nom;capacite\nP1;Dr A, Dr B;1\n": ';', // a title with a comma
		"\"x,y,z\";b\n":                        ';',
		"a;b,c\n":                              ';',
		"a\tb,c\n":                             '\t',
		"a,b\tc,d\n":                           ',',
		"Titre\n\nid;nom\n":                    ';', // a title without separators
		"\"Titre\nsur deux lignes\"\nid;nom\n": ';',
	}
	for data, want := range tests {
		if got := sniffSeparator([]byte(data)); got != want {
			t.Errorf("sniffSeparator(%q) = %q, want %q", data, got, want)
		}
	}
}
