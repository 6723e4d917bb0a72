package viewmodel

import (
	"fmt"
	"strings"

	"appariement/desktop/internal/catalogue"
	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/localstore"
	"appariement/shared/domain"
)

// Catalogue is the browse-and-search screen of a round's postes.
type Catalogue struct {
	store    *localstore.Store
	round    string
	ix       *catalogue.Index
	favs     map[string]bool
	filter   catalogue.Filter
	favOnly  bool
	view     []int32
	Selected string // id of the poste shown in detail
}

func (c *Catalogue) setIndex(round string, ix *catalogue.Index) error {
	favs, err := c.store.Favourites(round)
	if err != nil {
		return err
	}
	c.round, c.ix, c.favs = round, ix, favs
	if _, ok := ix.ByID(c.Selected); !ok {
		c.Selected = ""
	}
	c.apply()
	return nil
}

func (c *Catalogue) apply() {
	f := c.filter
	if c.favOnly {
		f.Favourites = c.favs
	}
	c.view = c.ix.Filter(f, c.view)
}

// SetText sets the free-text search.
func (c *Catalogue) SetText(s string) { c.filter.Text = s; c.apply() }

// SetSpecialty filters by DES code ("" for all).
func (c *Catalogue) SetSpecialty(code string) { c.filter.Specialty = code; c.apply() }

// SetSubdivision filters by subdivision code ("" for all).
func (c *Catalogue) SetSubdivision(code string) { c.filter.Subdivision = code; c.apply() }

// SetTown filters by town ("" for all).
func (c *Catalogue) SetTown(t string) { c.filter.Town = t; c.apply() }

// SetEtablissement filters by words of the établissement.
func (c *Catalogue) SetEtablissement(s string) { c.filter.Etablissement = s; c.apply() }

// SetFavouritesOnly shows only the favourite postes.
func (c *Catalogue) SetFavouritesOnly(on bool) { c.favOnly = on; c.apply() }

// SetShowClosed shows withdrawn postes too.
func (c *Catalogue) SetShowClosed(on bool) { c.filter.ShowClosed = on; c.apply() }

// Len is the number of postes shown.
func (c *Catalogue) Len() int { return len(c.view) }

// Total is the number of postes in the round.
func (c *Catalogue) Total() int { return c.ix.Len() }

// At returns the i-th poste shown.
func (c *Catalogue) At(i int) *domain.Poste {
	if i < 0 || i >= len(c.view) {
		return nil
	}
	return c.ix.At(c.view[i])
}

// Poste returns a poste of the round by id.
func (c *Catalogue) Poste(id string) (*domain.Poste, bool) { return c.ix.ByID(id) }

// CountText says how many postes are shown.
func (c *Catalogue) CountText() string {
	if c.ix.Len() == 0 {
		return i18n.T("cat.empty")
	}
	return i18n.N("cat.count", c.Len(), Thousands(c.Len()), Thousands(c.Total()))
}

// Towns returns the towns for the town filter, with "all" first.
func (c *Catalogue) Towns() []string { return c.ix.Towns() }

// Etablissements returns the établissements, for completion.
func (c *Catalogue) Etablissements() []string { return c.ix.Etablissements() }

// RowTitle and RowDetail are the two lines of a poste in the list.
func (c *Catalogue) RowTitle(p *domain.Poste) string {
	s := p.Title
	if s == "" {
		s = p.Service
	}
	if c.favs[p.ID] {
		s = "★ " + s
	}
	if p.Closed && !strings.Contains(s, i18n.T("cat.closed")) {
		s += " — " + i18n.T("cat.closed")
	}
	return s
}

// RowDetail is the second line of a poste in the list.
func (c *Catalogue) RowDetail(p *domain.Poste) string {
	return fmt.Sprintf("%s · %s · %s · %s", p.Etablissement, p.Town, specialtyName(p.Specialty), subdivisionName(p.Subdivision))
}

func specialtyName(code string) string {
	if d := domain.LookupDES(code); d != nil {
		return d.Name
	}
	return code
}

func subdivisionName(code string) string {
	if s := domain.LookupSubdivision(code); s != nil {
		return s.Name
	}
	return code
}

// Field is a label and a value of the detail view.
type Field struct{ Label, Value string }

// Detail returns the fields of the selected poste (nil if none).
func (c *Catalogue) Detail() []Field {
	p, ok := c.ix.ByID(c.Selected)
	if !ok {
		return nil
	}
	f := []Field{
		{i18n.T("poste.title"), p.Title},
		{i18n.T("poste.specialty"), specialtyName(p.Specialty)},
		{i18n.T("poste.subdivision"), subdivisionName(p.Subdivision)},
		{i18n.T("poste.etablissement"), p.Etablissement},
		{i18n.T("poste.service"), p.Service},
		{i18n.T("poste.town"), p.Town},
		{i18n.T("poste.capacity"), fmt.Sprint(p.Capacity)},
		{i18n.T("poste.rts"), p.RTSName},
		{i18n.T("poste.id"), p.ID},
	}
	if p.RTSEmail != "" { // only the signed catalogue carries it
		f = append(f[:len(f)-1], Field{i18n.T("poste.email"), p.RTSEmail}, f[len(f)-1])
	}
	if p.Description != "" {
		f = append(f, Field{i18n.T("poste.description"), p.Description})
	}
	if p.Closed {
		f = append(f, Field{i18n.T("poste.state"), i18n.T("cat.closed")})
	}
	return f
}

// Select shows the i-th poste in detail.
func (c *Catalogue) Select(i int) {
	if p := c.At(i); p != nil {
		c.Selected = p.ID
	}
}

// IsFavourite reports whether a poste is a favourite.
func (c *Catalogue) IsFavourite(id string) bool { return c.favs[id] }

// ToggleFavourite adds or removes a favourite, saved at once.
func (c *Catalogue) ToggleFavourite(id string) error {
	on := !c.favs[id]
	if err := c.store.SetFavourite(c.round, id, on); err != nil {
		return err
	}
	if on {
		c.favs[id] = true
	} else {
		delete(c.favs, id)
	}
	if c.favOnly {
		c.apply()
	}
	return nil
}

// SpecialtyOptions returns "all" then the 44 DES, for a selector, with their
// codes.
func SpecialtyOptions() (labels, codes []string) {
	labels, codes = []string{i18n.T("cat.all_specialties")}, []string{""}
	for _, d := range domain.DESList {
		labels = append(labels, d.Name)
		codes = append(codes, d.Code)
	}
	return labels, codes
}

// SubdivisionOptions returns "all" then the 28 subdivisions.
func SubdivisionOptions() (labels, codes []string) {
	labels, codes = []string{i18n.T("cat.all_subdivisions")}, []string{""}
	for _, s := range domain.Subdivisions {
		labels = append(labels, s.Name)
		codes = append(codes, s.Code)
	}
	return labels, codes
}

// CellName names a specialty × subdivision as people read it:
// "Pédiatrie — Île-de-France" (the codes when unknown).
func CellName(specialty, subdivision string) string {
	return specialtyName(specialty) + " — " + subdivisionName(subdivision)
}
