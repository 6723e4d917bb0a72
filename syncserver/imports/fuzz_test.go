package imports_test

import (
	"testing"

	"appariement/shared/api"
	"appariement/syncserver/imports"
	"appariement/syncserver/rounds/roundstest"
	"appariement/syncserver/store"
)

// FuzzImport: whatever the file, an import answers a report (never a
// store error), and an import with problems writes nothing.
func FuzzImport(f *testing.F) {
	for _, seed := range []string{
		`[{"id":"n1","role":"intern","specialty":"CARDIO","subdivision":"LYON","rank":1}]`,
		`[{"id":"x","role":"chef"}]`,
		`[{"id":"","role":"rts"},{"id":"rts","role":"intern"}]`,
		`[{"id":"P9","capacity":1,"specialty":"CARDIO","subdivision":"LYON","rts":"r9"}]`,
		`[{"id":"P9","capacity":0,"specialty":"XX","rts":"\u0000"}]`,
		"id;role;nom\nn1;intern;N\n",
		"{", "",
	} {
		f.Add([]byte(seed), uint8(0))
		f.Add([]byte(seed), uint8(1))
	}
	st := roundstest.Open(f)
	roundstest.Write(f, st, roundstest.Round{ID: "R", Interns: 1, Postes: 1})
	s := imports.New(st)
	counts := func() (people, postes int, version uint64) {
		if err := st.View(func(tx store.Tx) error {
			pp, err := tx.People()
			if err != nil {
				return err
			}
			ps, err := tx.Postes("R", 0)
			if err != nil {
				return err
			}
			rec, err := tx.Round("R")
			if err != nil {
				return err
			}
			people, postes, version = len(pp), len(ps), rec.CatalogueVersion
			return nil
		}); err != nil {
			f.Fatal(err)
		}
		return
	}
	f.Fuzz(func(t *testing.T, body []byte, kind uint8) {
		for _, format := range []string{api.FormatJSON, api.FormatCSV} {
			p0, q0, v0 := counts()
			var rep *api.ImportReport
			var err error
			if kind%2 == 0 {
				rep, err = s.People(admin, imports.Params{Format: format}, body)
			} else {
				rep, err = s.Postes(admin, "R", imports.Params{Format: format, Partial: true}, body)
			}
			if err != nil {
				t.Fatalf("%s import of %q: %v", format, body, err)
			}
			if len(rep.Problems) > 0 {
				if p1, q1, v1 := counts(); p1 != p0 || q1 != q0 || v1 != v0 {
					t.Fatalf("%s import of %q with problems %v wrote: people %d→%d, postes %d→%d, version %d→%d",
						format, body, rep.Problems, p0, p1, q0, q1, v0, v1)
				}
			}
			for _, pr := range rep.Problems {
				if pr.Message == "" || pr.MessageEN == "" {
					t.Fatalf("problem without its sentences: %+v", pr)
				}
			}
		}
	})
}
