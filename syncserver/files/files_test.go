package files

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/syncserver/store"
	"appariement/syncserver/store/boltstore"
)

var now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

var (
	intern = &domain.Person{ID: "i1", Role: domain.RoleIntern}
	other  = &domain.Person{ID: "i2", Role: domain.RoleIntern}
	rts    = &domain.Person{ID: "r1", Role: domain.RoleRTS}
	rts2   = &domain.Person{ID: "r2", Role: domain.RoleRTS}
	admin  = &domain.Person{ID: "adm", Role: domain.RoleAdmin}
)

var pdf = []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")

func code(err error) api.Code {
	var e *api.Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err != nil {
		return "not an api.Error"
	}
	return ""
}

// open returns the files use cases over a real store in t.TempDir() with
// round R1 (wishes state given) and its poste P1 of RTS r1, and the store.
func open(t *testing.T, state domain.RoundState) (*Service, *store.Store) {
	t.Helper()
	_, key, _ := ed25519.GenerateKey(nil)
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "s.db"), store.Options{Key: key, Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	err = st.Update(func(tx store.Tx) error {
		for _, p := range []*domain.Person{intern, other, rts, rts2, admin} {
			if err := tx.PutPerson(*p); err != nil {
				return err
			}
		}
		if err := tx.CreateRound(&store.RoundRecord{Round: domain.Round{ID: "R1", Name: "R", Procedure: domain.Appariement, Number: 1, State: state}}); err != nil {
			return err
		}
		_, err := store.PutPostes(tx, "R1", []domain.Poste{{ID: "P1", Specialty: "MG", Subdivision: "PARIS", RTS: rts.ID, Capacity: 1,
			Etablissement: "CHU", Service: "S", Town: "Paris", Title: "T"}}, false)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return New(st), st
}

func TestPut(t *testing.T) {
	f, _ := open(t, domain.StateWishesOpen)
	for _, tc := range []struct {
		name, file string
		data       []byte
		want       api.Code
	}{
		{"not a PDF", "cv.pdf", []byte("hello"), api.CodeMalformed},
		{"no name", "", pdf, api.CodeBadRequest},
		{"pdf", "cv.pdf", pdf, ""},
	} {
		out, err := f.Put(intern.ID, tc.file, tc.data, now)
		if got := code(err); got != tc.want && !(tc.want == api.CodeBadRequest && got != "") {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
		sum := sha256.Sum256(pdf)
		if tc.want == "" && (out.SHA256 != hex.EncodeToString(sum[:]) || out.Size != int64(len(pdf))) {
			t.Errorf("%s: %+v", tc.name, out)
		}
	}
}

// TestGetAndCandidates: who reads a file and sees a poste's candidates,
// before and after the wishes close.
func TestGetAndCandidates(t *testing.T) {
	for _, state := range []domain.RoundState{domain.StateWishesOpen, domain.StateWishesClosed} {
		closed := state == domain.StateWishesClosed
		f, st := open(t, state)
		out, err := f.Put(intern.ID, "cv.pdf", pdf, now)
		if err != nil {
			t.Fatal(err)
		}
		// The intern's current wish list names P1 and attaches the file.
		att := []api.Attachment{{Name: "cv.pdf", SHA256: out.SHA256, Size: out.Size}}
		sub, _ := json.Marshal(api.Submission{Round: "R1", Author: intern.ID, Seq: 1, ClientTime: now, List: []string{"P1"}, Attachments: att})
		_, priv, _ := ed25519.GenerateKey(nil)
		if _, err := st.Append(context.Background(), &store.Pending{Env: envelope.Sign(priv, api.WishListType, sub),
			Current: store.Current{Round: "R1", Author: intern.ID, PayloadType: api.WishListType, Seq: 1, List: []string{"P1"}, Attachments: []store.Attachment{store.Attachment(att[0])}}}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			who  *domain.Person
			sha  string
			want api.Code
		}{
			{intern, out.SHA256, ""},
			{admin, out.SHA256, ""},
			{other, out.SHA256, api.CodeNotFound},
			{rts2, out.SHA256, api.CodeNotFound},
			{rts, out.SHA256, map[bool]api.Code{true: "", false: api.CodeNotFound}[closed]},
			{intern, "nope", api.CodeBadRequest},
		} {
			_, data, err := f.Get(tc.who, now, tc.sha)
			if code(err) != tc.want || (tc.want == "" && string(data) != string(pdf)) {
				t.Errorf("%s, %s reads: %v, want %q", state, tc.who.ID, err, tc.want)
			}
		}
		for _, tc := range []struct {
			who   *domain.Person
			round string
			poste string
			want  api.Code
		}{
			{rts, "R1", "P1", map[bool]api.Code{true: "", false: api.CodeWindowNotOpen}[closed]},
			{admin, "R1", "P1", map[bool]api.Code{true: "", false: api.CodeWindowNotOpen}[closed]},
			{rts2, "R1", "P1", api.CodeForbidden},
			{rts, "R9", "P1", api.CodeUnknownRound},
			{rts, "R1", "P9", api.CodeUnknownPoste},
			{rts, "R1", "", api.CodeMalformed},
		} {
			c, err := f.Candidates(tc.who, now, tc.round, tc.poste)
			if code(err) != tc.want {
				t.Errorf("%s, candidates of %s/%s for %s: %v, want %q", state, tc.round, tc.poste, tc.who.ID, err, tc.want)
				continue
			}
			if tc.want == "" && (len(c.Candidates) != 1 || c.Candidates[0].Intern.ID != intern.ID) {
				t.Errorf("%s: candidates %+v", state, c)
			}
		}
	}
}
