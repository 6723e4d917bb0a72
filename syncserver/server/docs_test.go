package server_test

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"appariement/shared/api"
	"appariement/syncserver/server"
	"appariement/syncserver/servertest"
)

// TestOpenAPIDocumentsEveryRoute: each route served is in docs/openapi.yaml.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	doc, err := os.ReadFile("../../docs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	env := servertest.Start(t, servertest.Options{Empty: true})
	r, ok := env.Server.Handler().(*mux.Router)
	if !ok {
		t.Fatal("handler is not a mux.Router")
	}
	err = r.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		path, err := route.GetPathTemplate()
		if err != nil {
			return err
		}
		if !strings.Contains(string(doc), "\n  "+path+":\n") {
			t.Errorf("route %s is not documented in docs/openapi.yaml", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestActivationMail: the outbox e-mail is RFC 5322, in French, with the
// code, the identifier and the server's fingerprint.
func TestActivationMail(t *testing.T) {
	env := servertest.Start(t, servertest.Options{Interns: 1, Postes: 1})
	codes, err := env.Admin.IssueCodes(context.Background(), api.IssueCodesRequest{People: []string{"i01"}})
	if err != nil {
		t.Fatal(err)
	}
	ic := codes.Codes[0]
	f, err := os.Open(filepath.Join(filepath.Dir(env.DBPath), "outbox", ic.Outbox))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("outbox file mode %v", fi.Mode().Perm())
	}
	m, err := mail.ReadMessage(f)
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil || !strings.Contains(subject, "code d'activation") {
		t.Errorf("subject %q, %v", subject, err)
	}
	to, err := mail.ParseAddress(m.Header.Get("To"))
	if err != nil || to.Address != "i01@etu.example.fr" {
		t.Errorf("to %v, %v", to, err)
	}
	if _, err := m.Header.Date(); err != nil {
		t.Error(err)
	}
	body, _ := io.ReadAll(quotedprintable.NewReader(m.Body))
	for _, want := range []string{ic.Code, "Identifiant : i01", env.ServerKey.Fingerprint, "Bonjour"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("mail body lacks %q:\n%s", want, body)
		}
	}
	// The fingerprint is to be checked before the code is typed.
	if fp, typing := strings.Index(string(body), env.ServerKey.Fingerprint), strings.Index(string(body), "Saisissez votre identifiant et ce code"); typing < 0 || fp > typing {
		t.Errorf("the mail has the code typed before the fingerprint is checked:\n%s", body)
	}
}

// TestCloseBeforeServe: Close racing with a Serve that has not started yet
// must not leave Serve running on a closed store.
func TestCloseBeforeServe(t *testing.T) {
	srv, err := server.Open(server.Config{DBPath: filepath.Join(t.TempDir(), "s.db"), Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		t.Fatalf("Serve after Close: %v", err)
	}
}
