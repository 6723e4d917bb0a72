package server_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/syncserver/server"
	"appariement/syncserver/store"
	"appariement/syncserver/store/boltstore"
)

// fuzzServer opens a server on a fresh store with an admin, an intern and
// an open round, for the fuzz targets (which call its handler directly).
func fuzzServer(f *testing.F) (*server.Server, ed25519.PrivateKey, ed25519.PrivateKey) {
	db := filepath.Join(f.TempDir(), "fuzz.db")
	adminPub, adminKey, _ := ed25519.GenerateKey(nil)
	if err := boltstore.Bootstrap(db, "fuzz", domain.Person{ID: "admin"}, adminPub); err != nil {
		f.Fatal(err)
	}
	srv, err := server.Open(server.Config{DBPath: db, IPRate: rate.Inf, IdentityRate: rate.Inf, EnrollRate: rate.Inf,
		Logger: discardLogger()})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { srv.Close() })
	pub, key, _ := ed25519.GenerateKey(nil)
	err = srv.Store().Update(func(tx store.Tx) error {
		if err := tx.PutPerson(domain.Person{ID: "i01", Role: domain.RoleIntern, Specialty: "CARDIO", Subdivision: "LYON"}); err != nil {
			return err
		}
		if err := tx.RegisterKey("i01", pub, time.Now().Add(-time.Hour)); err != nil {
			return err
		}
		if err := tx.CreateRound(&store.RoundRecord{Round: domain.Round{ID: "R1", Procedure: domain.Appariement, Number: 1, State: domain.StateWishesOpen}}); err != nil {
			return err
		}
		if _, err := store.PutPostes(tx, "R1", []domain.Poste{{ID: "P1", Specialty: "CARDIO", Subdivision: "LYON", RTS: "r", Capacity: 1}}, false); err != nil {
			return err
		}
		return tx.SetEligible("R1", []string{"i01"})
	})
	if err != nil {
		f.Fatal(err)
	}
	return srv, key, adminKey
}

// checkAnswer fails on a 5xx or a refusal that is not a well-formed
// api.Error with the status of its code.
func checkAnswer(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	if w.Code >= 500 {
		t.Fatalf("status %d: %s", w.Code, w.Body.Bytes())
	}
	if w.Code/100 == 2 {
		return
	}
	var e api.Error
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Code == "" || e.Message == "" || e.MessageEN == "" {
		t.Fatalf("refusal %d is not an api.Error: %s", w.Code, w.Body.Bytes())
	}
	if e.Code != api.CodeInvalidImport && w.Code != e.Code.HTTPStatus() {
		t.Fatalf("code %s with status %d", e.Code, w.Code)
	}
}

func FuzzSubmissionBody(f *testing.F) {
	srv, key, _ := fuzzServer(f)
	good := envelope.Sign(key, api.WishListType, []byte(`{"round":"R1","author":"i01","seq":1,"client_time":"2026-01-01T00:00:00Z","list":["P1"]}`))
	f.Add(good.Encode())
	f.Add(envelope.Sign(key, api.RankingType, []byte(`{"round":"R1","author":"i01","seq":2,"poste":"P1","list":["i01"]}`)).Encode())
	f.Add(envelope.Sign(key, api.WishListType, []byte(`{"round":"R1","author":"i01","seq":3,"list":["P1","P1"]}`)).Encode())
	f.Add([]byte(`{"payloadType":"x","payload":"eyJ9","signatures":[{"keyid":"a","sig":""}]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		w := httptest.NewRecorder()
		srv.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/v1/submissions", bytes.NewReader(body)))
		checkAnswer(t, w)
	})
}

func FuzzEnrollBody(f *testing.F) {
	srv, _, _ := fuzzServer(f)
	f.Add([]byte(`{"identifier":"i01","code":"ABCD-EFGH-JKMN-PQRS","public_key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}`))
	f.Add([]byte(`{"identifier":"","code":"","public_key":null}`))
	f.Add([]byte(`{"identifier":"i01\u0000"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		w := httptest.NewRecorder()
		srv.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/v1/enroll", bytes.NewReader(body)))
		checkAnswer(t, w)
	})
}

func FuzzAuthorization(f *testing.F) {
	srv, key, _ := fuzzServer(f)
	h := http.Header{}
	api.SignRequest(h, key, serverKeyID(srv), "i01", "GET", "/v1/me", nil, time.Now())
	f.Add(h.Get("Authorization"), h.Get("Content-Digest"))
	f.Add("Appariement-Ed25519 id=i01,ts=1,nonce=00,sig=AAAA", "")
	f.Add("Appariement-Ed25519-v2 id=,ts=,nonce=,sig=", "sha-256=::")
	f.Fuzz(func(t *testing.T, header, digest string) {
		req := httptest.NewRequest(http.MethodGet, "/v1/me", nil)
		req.Header.Set("Authorization", header)
		req.Header.Set("Content-Digest", digest)
		w := httptest.NewRecorder()
		srv.Handler().ServeHTTP(w, req)
		checkAnswer(t, w)
	})
}

func FuzzImportPostesBody(f *testing.F) {
	srv, _, adminKey := fuzzServer(f)
	f.Add([]byte(`[{"id":"P2","specialty":"CARDIO","subdivision":"LYON","rts":"r","capacity":2}]`), "json")
	f.Add([]byte("Identifiant;Spécialité;Subdivision;Capacité;RTS\r\nP3;CARDIO;LYON;1;r\r\n"), "csv")
	f.Add([]byte(`[{"id":"","capacity":-1}]`), "json")
	f.Fuzz(func(t *testing.T, body []byte, format string) {
		path := "/v1/admin/rounds/R1/postes?dry_run=1&format=" + url.QueryEscape(format)
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
		api.SignRequest(req.Header, adminKey, serverKeyID(srv), "admin", "POST", req.URL.RequestURI(), body, time.Now())
		w := httptest.NewRecorder()
		srv.Handler().ServeHTTP(w, req)
		checkAnswer(t, w)
	})
}

// serverKeyID is the key id signed requests to srv are bound to.
func serverKeyID(srv *server.Server) string { return envelope.KeyID(srv.Store().ServerKey().PublicKey) }

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func FuzzCorrectionBody(f *testing.F) {
	srv, _, adminKey := fuzzServer(f)
	f.Add([]byte(`{"round":"R1","poste":"P1","field":"capacity","proposed":"3","message":"une place de plus"}`))
	f.Add([]byte(`{"round":"R1","poste":"P1","field":"rts_email","proposed":"a@b","message":"faux"}`))
	f.Add([]byte(`{"specialty":"CARDIO","subdivision":"LYON","field":"other","message":"plus d'internes que de places"}`))
	f.Add([]byte(`{"person":"i01","field":"email","proposed":"x\u0000@y.fr","message":"\u00e9"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/v1/corrections", bytes.NewReader(body))
		api.SignRequest(req.Header, adminKey, serverKeyID(srv), "admin", "POST", req.URL.RequestURI(), body, time.Now())
		w := httptest.NewRecorder()
		srv.Handler().ServeHTTP(w, req)
		checkAnswer(t, w)
	})
}
