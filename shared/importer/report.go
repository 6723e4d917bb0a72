package importer

import (
	"fmt"
	"strings"
)

// RowError is one problem found in one row (or in the header).
type RowError struct {
	Line      int    // line in the file
	Column    string // the column's header in the file, or its canonical name if missing
	ID        string // the row's id, if it has one
	Message   string // French
	MessageEN string // English
}

// Report is the outcome of checking a list: every error and warning, in the
// order of the file. A list with errors must not be imported; warnings are
// for the data-quality dashboard.
type Report struct {
	Kind       string // "poste" or "person": what the ids name
	HeaderLine int    // the row taken as the header (see findHeader)
	Rows       int    // data rows read, under the header
	Errors     []RowError
	Warnings   []RowError
	Notes      []RowError // what the reading did by itself: a header found under a title
	Lines      []int      // the row of each value returned, in order
}

// OK reports whether the list has no errors.
func (r *Report) OK() bool { return len(r.Errors) == 0 }

// String returns the report in French.
func (r *Report) String() string { return r.Format("fr") }

// Format returns one line per error, then one per warning, in French, or in
// English if lang is "en", e.g.
//
//	ligne 12, colonne « capacite », poste « P0042 » : capacité « 0 » invalide (doit être un entier ≥ 1)
func (r *Report) Format(lang string) string {
	var b strings.Builder
	for _, e := range r.Errors {
		b.WriteString(e.format(lang, r.Kind))
		b.WriteByte('\n')
	}
	warning := "avertissement : "
	if lang == "en" {
		warning = "warning: "
	}
	for _, e := range r.Warnings {
		b.WriteString(warning)
		b.WriteString(e.format(lang, r.Kind))
		b.WriteByte('\n')
	}
	note := "note : "
	if lang == "en" {
		note = "note: "
	}
	for _, e := range r.Notes {
		b.WriteString(note)
		b.WriteString(e.format(lang, r.Kind))
		b.WriteByte('\n')
	}
	return b.String()
}

func (e *RowError) format(lang, kind string) string {
	var parts []string
	if lang == "en" {
		parts = append(parts, fmt.Sprintf("line %d", e.Line))
		if e.Column != "" {
			parts = append(parts, fmt.Sprintf("column %q", e.Column))
		}
		if e.ID != "" {
			parts = append(parts, fmt.Sprintf("%s %q", kind, e.ID))
		}
		return strings.Join(parts, ", ") + ": " + e.MessageEN
	}
	parts = append(parts, fmt.Sprintf("ligne %d", e.Line))
	if e.Column != "" {
		parts = append(parts, fmt.Sprintf("colonne « %s »", e.Column))
	}
	if e.ID != "" {
		if kind == "person" {
			kind = "personne"
		}
		parts = append(parts, fmt.Sprintf("%s « %s »", kind, e.ID))
	}
	return strings.Join(parts, ", ") + " : " + e.Message
}
