// Package importer reads the spreadsheets of postes and people that the ARS
// send (CSV in any of the encodings and separators French offices produce, or
// XLSX), checks every row and reports every problem with its line number, in
// French and English; it also writes the lists and the results back out as
// CSV or XLSX for Excel.
//
// Reading is in two steps: ReadTable turns a file into a Table of text cells,
// each row knowing its row number as a spreadsheet shows it; ParsePostes and
// ParsePeople find the header (under a title or blank rows if need be), map
// the usual header words to columns, and turn the rows into domain values
// and a Report. Nothing should be imported unless the Report is OK.
// ResolveRTS gives an RTS to postes named only by their RTS's name and
// e-mail.
package importer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// Limits on what ReadTable accepts.
const (
	MaxFileSize = 20 << 20 // bytes
	MaxRows     = 200_000  // data rows, header excluded
)

// ErrTooLarge is the cause (see errors.Is) of the FileError returned for a
// file over MaxFileSize bytes or MaxRows rows.
var ErrTooLarge = errors.New("file too large")

// Table is a spreadsheet read as text: its first row that is not empty
// (Header) and the rows after it. Fully empty rows are left out. The header
// of a list may be further down, under a title: ParsePostes and
// ParsePeople look for it (see Report.HeaderLine).
type Table struct {
	Header     []string
	HeaderLine int // row of Header in the spreadsheet, usually 1
	Rows       []Row
}

// Row is one row and its number as a spreadsheet shows it: the row number
// of a worksheet, or for a CSV file the number Excel or LibreOffice give
// the record (a blank line is a row; a quoted cell spanning several lines
// is one row).
type Row struct {
	Line  int
	Cells []string
}

// FileError is a file that cannot be read as a table at all.
type FileError struct {
	File      string
	Line      int    // 0 when the problem is not on one line
	Message   string // French
	MessageEN string // English
	Err       error  // cause, may be nil
}

// Error returns the English message, prefixed by the file name and line.
func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s: line %d: %s", e.File, e.Line, e.MessageEN)
	}
	return e.File + ": " + e.MessageEN
}

// Unwrap returns the cause.
func (e *FileError) Unwrap() error { return e.Err }

var (
	zipMagic = []byte("PK\x03\x04")                       // XLSX
	oleMagic = []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") // XLS (Excel 97-2003)
	utf8BOM  = []byte("\xEF\xBB\xBF")
)

// ReadTable reads a CSV file or the first sheet of an XLSX workbook. The
// format is told by the content, not by filename, which only names the file
// in errors. A CSV file may be UTF-8 (with or without BOM), UTF-16 with BOM
// or Windows-1252, its separator ';', ',' or tab, its lines ending in CRLF or
// LF.
func ReadTable(r io.Reader, filename string) (*Table, error) {
	return ReadSheet(r, filename, "")
}

// ReadSheet is ReadTable reading the named sheet of an XLSX workbook, or the
// first sheet when sheet is empty. sheet is ignored for a CSV file.
func ReadSheet(r io.Reader, filename, sheet string) (*Table, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, &FileError{File: filename, Err: err,
			Message:   fmt.Sprintf("lecture impossible : %v", err),
			MessageEN: fmt.Sprintf("cannot read: %v", err)}
	}
	if len(data) > MaxFileSize {
		return nil, &FileError{File: filename, Err: ErrTooLarge,
			Message:   fmt.Sprintf("fichier trop volumineux (plus de %d Mio)", MaxFileSize>>20),
			MessageEN: fmt.Sprintf("file too large (over %d MiB)", MaxFileSize>>20)}
	}
	t := new(Table)
	var ferr *FileError
	switch {
	case bytes.HasPrefix(data, zipMagic):
		ferr = t.readXLSX(data, sheet)
	case bytes.HasPrefix(data, oleMagic):
		ferr = &FileError{
			Message:   "format Excel 97-2003 (.xls) non pris en charge : enregistrez le fichier en .xlsx ou .csv",
			MessageEN: "Excel 97-2003 format (.xls) not supported: save the file as .xlsx or .csv"}
	default:
		ferr = t.readCSV(data)
	}
	if ferr == nil && t.Header == nil {
		ferr = &FileError{Message: "fichier vide : aucune ligne d'en-tête", MessageEN: "empty file: no header row"}
	}
	if ferr != nil {
		ferr.File = filename
		ferr.Message += " ; " + expectedFR
		ferr.MessageEN += "; " + expectedEN
		return nil, ferr
	}
	return t, nil
}

// What a readable file is, said after every FileError.
const (
	expectedFR = "attendu : un classeur Excel (.xlsx) ou un fichier CSV (séparateur « ; », « , » ou tabulation) " +
		"dont une ligne d'en-tête nomme les colonnes, des titres au-dessus étant permis ; par exemple, pour des postes : " +
		"« Identifiant;Spécialité;Subdivision;Établissement;Nom du RTS;Adresse électronique du RTS;Nombre de postes » " +
		"puis « P-IDF-PED-0001;Pédiatrie;Île-de-France;CHU de Paris;Dr Hélène Lefèvre;helene.lefevre@chu-paris.fr;2 », " +
		"et pour des internes : « Identifiant;Nom;Prénom;Adresse électronique;Spécialité;Subdivision;Rang »"
	expectedEN = "expected: an Excel workbook (.xlsx) or a CSV file (separated by ';', ',' or tab) " +
		"with a header row naming the columns, titles above it allowed; for example, for postes: " +
		"\"Identifiant;Spécialité;Subdivision;Établissement;Nom du RTS;Adresse électronique du RTS;Nombre de postes\" " +
		"then \"P-IDF-PED-0001;Pédiatrie;Île-de-France;CHU de Paris;Dr Hélène Lefèvre;helene.lefevre@chu-paris.fr;2\", " +
		"and for interns: \"Identifiant;Nom;Prénom;Adresse électronique;Spécialité;Subdivision;Rang\""
)

// add appends a row read at line, or makes it the header if it is the first
// row that is not empty.
func (t *Table) add(line int, cells []string) *FileError {
	if blank(cells) {
		return nil
	}
	if t.Header == nil {
		t.Header, t.HeaderLine = cells, line
		return nil
	}
	if len(t.Rows) == MaxRows {
		return &FileError{Line: line, Err: ErrTooLarge,
			Message:   fmt.Sprintf("trop de lignes (plus de %d)", MaxRows),
			MessageEN: fmt.Sprintf("too many rows (over %d)", MaxRows)}
	}
	t.Rows = append(t.Rows, Row{Line: line, Cells: cells})
	return nil
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// readCSV decodes data to UTF-8, finds the separator and reads the records.
func (t *Table) readCSV(data []byte) *FileError {
	switch {
	case bytes.HasPrefix(data, utf8BOM):
		data = data[len(utf8BOM):]
	case bytes.HasPrefix(data, []byte("\xFF\xFE")), bytes.HasPrefix(data, []byte("\xFE\xFF")):
		// Excel's "Texte Unicode" export.
		dec := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
		var err error
		if data, err = dec.Bytes(data); err != nil {
			return &FileError{Err: err,
				Message:   "texte UTF-16 mal formé",
				MessageEN: "malformed UTF-16 text"}
		}
	case !utf8.Valid(data):
		// Not UTF-8: the ANSI code page of French Windows. Every byte
		// decodes, so this cannot fail.
		data, _ = charmap.Windows1252.NewDecoder().Bytes(data)
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = sniffSeparator(data)
	cr.FieldsPerRecord = -1
	// A spreadsheet numbers records, not lines: the line breaks inside
	// the quoted cells of the records before are not rows.
	inside := 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if pe, ok := err.(*csv.ParseError); ok {
			return &FileError{Line: pe.StartLine - inside, Err: err,
				Message:   "guillemets mal placés ou non fermés dans l'enregistrement qui commence à cette ligne",
				MessageEN: fmt.Sprintf("malformed CSV: %v", pe.Err)}
		}
		if err != nil {
			return &FileError{Err: err,
				Message:   fmt.Sprintf("CSV illisible : %v", err),
				MessageEN: fmt.Sprintf("unreadable CSV: %v", err)}
		}
		line, _ := cr.FieldPos(0)
		if ferr := t.add(line-inside, rec); ferr != nil {
			return ferr
		}
		for _, cell := range rec {
			inside += strings.Count(cell, "\n")
		}
	}
}

// sniffLines is how many lines that are not blank sniffSeparator reads.
const sniffLines = 30

// sniffSeparator returns the most frequent of ';', tab and ',' outside
// quotes on the first sniffLines lines that are not blank, preferring them
// in that order on a tie, and ',' if there is none. Every row of a table
// holds its separators, while a title above the header ("Postes ouverts —
// Lyon, cardiologie") or a cell's text hold a few others.
func sniffSeparator(data []byte) rune {
	var semicolons, tabs, commas int
	quoted, text, lines := false, false, 0
scan:
	for _, c := range data {
		if c == '"' {
			quoted = !quoted
		}
		if quoted {
			continue
		}
		switch c {
		case ';':
			semicolons++
		case '\t':
			tabs++
		case ',':
			commas++
		case '\n':
			if text {
				if lines++; lines == sniffLines {
					break scan
				}
			}
			text = false
		}
		text = text || c > ' '
	}
	switch {
	case semicolons > 0 && semicolons >= tabs && semicolons >= commas:
		return ';'
	case tabs > 0 && tabs >= commas:
		return '\t'
	}
	return ','
}

// readXLSX reads the named or the first sheet of an XLSX workbook.
func (t *Table) readXLSX(data []byte, sheet string) *FileError {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit: 16 * MaxFileSize, // a zip bomb is a clean error
		RawCellValue:   true,             // numbers as stored, not as displayed
	})
	if err != nil {
		return &FileError{Err: err,
			Message:   fmt.Sprintf("classeur XLSX illisible : %v", err),
			MessageEN: fmt.Sprintf("unreadable XLSX workbook: %v", err)}
	}
	defer f.Close()
	sheets := f.GetSheetList()
	switch {
	case sheet == "" && len(sheets) > 0:
		sheet = sheets[0]
	case sheet == "":
		return &FileError{Message: "classeur sans feuille", MessageEN: "workbook without a sheet"}
	default:
		if i, _ := f.GetSheetIndex(sheet); i < 0 {
			list := strings.Join(sheets, ", ")
			return &FileError{
				Message:   fmt.Sprintf("feuille « %s » introuvable (feuilles : %s)", sheet, list),
				MessageEN: fmt.Sprintf("no sheet %q (sheets: %s)", sheet, list)}
		}
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		return &FileError{Err: err,
			Message:   fmt.Sprintf("feuille « %s » illisible : %v", sheet, err),
			MessageEN: fmt.Sprintf("unreadable sheet %q: %v", sheet, err)}
	}
	defer rows.Close()
	// Next yields every row number in turn, empty rows included.
	for line := 1; rows.Next(); line++ {
		cells, err := rows.Columns()
		if err != nil {
			return &FileError{Line: line, Err: err,
				Message:   fmt.Sprintf("ligne illisible : %v", err),
				MessageEN: fmt.Sprintf("unreadable row: %v", err)}
		}
		if ferr := t.add(line, cells); ferr != nil {
			return ferr
		}
	}
	if err := rows.Error(); err != nil {
		return &FileError{Err: err,
			Message:   fmt.Sprintf("feuille « %s » illisible : %v", sheet, err),
			MessageEN: fmt.Sprintf("unreadable sheet %q: %v", sheet, err)}
	}
	return nil
}
