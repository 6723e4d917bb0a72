package importer

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"appariement/shared/domain"
)

// ExportRow is one line of the results: an intern and the poste assigned,
// if any.
type ExportRow struct {
	InternID, LastName, FirstName, Specialty, Subdivision string
	PosteID, Etablissement, Service, Town                 string // PosteID empty: not assigned
	Manual                                                bool   // assigned by hand in round 3
	Reason                                                string // why, for a manual assignment
}

// assignmentHeader is the header of the results, in French.
var assignmentHeader = []string{
	"Identifiant interne", "Nom", "Prénom", "Spécialité", "Subdivision",
	"Poste", "Établissement", "Service", "Ville", "Affectation manuelle", "Motif",
}

// cells returns the row as written, "non affecté" for an intern without a
// poste.
func (r *ExportRow) cells() []string {
	poste, manual := r.PosteID, "non"
	if poste == "" {
		poste = "non affecté"
	}
	if r.Manual {
		manual = "oui"
	}
	return []string{r.InternID, r.LastName, r.FirstName, r.Specialty, r.Subdivision,
		poste, r.Etablissement, r.Service, r.Town, manual, r.Reason}
}

// WriteAssignmentsCSV writes the results as a CSV file French Excel opens
// as is: UTF-8 with BOM, ';' separator, CRLF. A cell that Excel would take
// for a formula (starting with =, +, -, @, tab or CR) is prefixed with an
// apostrophe.
func WriteAssignmentsCSV(w io.Writer, rows []ExportRow) error {
	records := [][]string{assignmentHeader}
	for i := range rows {
		cells := rows[i].cells()
		for j, s := range cells {
			if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
				cells[j] = "'" + s
			}
		}
		records = append(records, cells)
	}
	return writeCSV(w, records)
}

// WriteAssignmentsXLSX writes the results as an XLSX workbook: one sheet
// "Affectations", a bold frozen header with an autofilter. Every cell is
// text, never a formula.
func WriteAssignmentsXLSX(w io.Writer, rows []ExportRow) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Affectations"
	if err := f.SetSheetName(f.GetSheetName(0), sheet); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	last, _ := excelize.ColumnNumberToName(len(assignmentHeader))
	if err := f.SetSheetRow(sheet, "A1", &assignmentHeader); err != nil {
		return fmt.Errorf("xlsx header: %w", err)
	}
	for i := range rows {
		cells := rows[i].cells()
		if err := f.SetSheetRow(sheet, "A"+strconv.Itoa(i+2), &cells); err != nil {
			return fmt.Errorf("xlsx row %d: %w", i+2, err)
		}
	}
	if err := errors.Join(
		f.SetCellStyle(sheet, "A1", last+"1", bold),
		f.SetColWidth(sheet, "A", last, 18),
		f.AutoFilter(sheet, fmt.Sprintf("A1:%s%d", last, len(rows)+1), nil),
		f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}),
	); err != nil {
		return fmt.Errorf("xlsx layout: %w", err)
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	return nil
}

// WritePostesCSV writes postes in the format ParsePostes reads (UTF-8 with
// BOM, ';', CRLF, French headers), values as they are.
func WritePostesCSV(w io.Writer, postes []domain.Poste) error {
	records := [][]string{headers(posteColumns)}
	for _, p := range postes {
		records = append(records, []string{p.ID, p.Specialty, p.Subdivision,
			p.Etablissement, p.Service, p.Town, p.Title, p.RTS, p.RTSName, p.RTSEmail,
			strconv.Itoa(p.Capacity), p.Description})
	}
	return writeCSV(w, records)
}

// WritePeopleCSV writes people in the format ParsePeople reads.
func WritePeopleCSV(w io.Writer, people []domain.Person) error {
	records := [][]string{headers(personColumns)}
	for _, p := range people {
		rank := ""
		if p.Rank != 0 {
			rank = strconv.Itoa(p.Rank)
		}
		records = append(records, []string{p.ID, roleNames[p.Role], p.LastName, p.FirstName,
			p.Email, p.Specialty, p.Subdivision, rank})
	}
	return writeCSV(w, records)
}

func headers(columns []column) []string {
	var h []string
	for _, c := range columns {
		if c.header != "" {
			h = append(h, c.header)
		}
	}
	return h
}

// writeCSV writes records as UTF-8 with BOM, ';' separated, CRLF ended.
func writeCSV(w io.Writer, records [][]string) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return fmt.Errorf("csv: %w", err)
	}
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	cw.UseCRLF = true
	if err := cw.WriteAll(records); err != nil {
		return fmt.Errorf("csv: %w", err)
	}
	return nil
}
