package server_test

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/syncserver/server"
	"appariement/syncserver/servertest"
	"appariement/syncserver/store"
)

// rawStatus sends head (request line and headers, without the final blank
// line) and then only the first bytes of a body announced as much larger,
// and returns the status line the server answers within a second. A server
// that reads a body before checking who sends it never answers in time.
func rawStatus(t *testing.T, url, head string, announced int) string {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "%s\r\nContent-Length: %d\r\n\r\n", head, announced)
	conn.Write(make([]byte, 1024)) // then stall, as a slow attacker does
	conn.SetReadDeadline(time.Now().Add(time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return "no answer: " + err.Error()
	}
	return strings.TrimSpace(line)
}

// TestUnauthenticatedBodiesAreNotRead (issue 11, point 4): a signed route
// refuses a request from its headers alone, before reading the body, and a
// route open to anyone accepts only a small body.
func TestUnauthenticatedBodiesAreNotRead(t *testing.T) {
	env := servertest.Start(t, servertest.Options{Configure: func(c *server.Config) {
		c.IdentityRate, c.IdentityBurst = 0.001, 1
	}})
	i1 := env.Enroll(t, "i01")
	host := strings.TrimPrefix(env.URL, "http://")
	_, otherKey, _ := ed25519.GenerateKey(nil)
	forged := http.Header{}
	env.Sign(forged, otherKey, "i01", "PUT", "/v1/files?kind=cv&name=cv.pdf", make([]byte, api.MaxFileSize), env.Clock.Now())
	for _, c := range []struct{ name, head string }{
		{"no signature", "PUT /v1/files?kind=cv&name=cv.pdf HTTP/1.1\r\nHost: " + host},
		{"unknown signer", "PUT /v1/files?kind=cv&name=cv.pdf HTTP/1.1\r\nHost: " + host +
			"\r\nAuthorization: " + api.RequestAuthName + " id=ghost,ts=1,nonce=00,sig=" + strings.Repeat("A", 86) + "=="},
		{"forged signature", "PUT /v1/files?kind=cv&name=cv.pdf HTTP/1.1\r\nHost: " + host +
			"\r\nAuthorization: " + forged.Get("Authorization") + "\r\nContent-Digest: " + forged.Get("Content-Digest")},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := rawStatus(t, env.URL, c.head, api.MaxFileSize); !strings.Contains(got, " 401 ") {
				t.Fatalf("answer %q, want 401 before the body", got)
			}
		})
	}
	// A genuine signer over their identity's limit is refused before the
	// body too.
	ok := http.Header{}
	env.Sign(ok, i1.Key, "i01", "GET", "/v1/me", nil, env.Clock.Now())
	req, _ := http.NewRequest("GET", env.URL+"/v1/me", nil)
	req.Header = ok
	if _, e := rawDo(t, req); e != nil {
		t.Fatalf("first request: %v", e)
	}
	limited := http.Header{}
	env.Sign(limited, i1.Key, "i01", "PUT", "/v1/files?kind=cv&name=cv.pdf", make([]byte, api.MaxFileSize), env.Clock.Now())
	head := "PUT /v1/files?kind=cv&name=cv.pdf HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: " +
		limited.Get("Authorization") + "\r\nContent-Digest: " + limited.Get("Content-Digest")
	if got := rawStatus(t, env.URL, head, api.MaxFileSize); !strings.Contains(got, " 429 ") {
		t.Fatalf("rate-limited signer: answer %q, want 429 before the body", got)
	}
	// Enrollment is open to anyone: its body is small.
	big := `{"identifier":"i02","code":"` + strings.Repeat("x", api.MaxAnonymousBody) + `"}`
	_, e := rawPost(t, env.URL, "/v1/enroll", []byte(big), http.Header{"Content-Type": {"application/json"}})
	wantCode(t, e, api.CodeBodyTooLarge)
	// So is a submission, bounded by what the longest list needs.
	_, e = rawPost(t, env.URL, "/v1/submissions", make([]byte, api.MaxSubmissionSize+1), nil)
	wantCode(t, e, api.CodeBodyTooLarge)
}

// TestRequestSignatureBindsSignerAndServer (issue 11, point 10): the
// identifier and the server's key are signed; version 1 is refused.
func TestRequestSignatureBindsSignerAndServer(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	i1 := env.Enroll(t, "i01")
	// i02 registers the very same public key as i01.
	pub := i1.Key.Public().(ed25519.PublicKey)
	if err := env.Server.Store().Update(func(tx store.Tx) error { return tx.RegisterKey("i02", pub, env.Clock.Now()) }); err != nil {
		t.Fatal(err)
	}
	get := func(h http.Header) *api.Error {
		req, _ := http.NewRequest("GET", env.URL+"/v1/me", nil)
		req.Header = h
		_, e := rawDo(t, req)
		return e
	}
	h := http.Header{}
	env.Sign(h, i1.Key, "i01", "GET", "/v1/me", nil, env.Clock.Now())
	// The captured request, relabelled as i02 (same key): refused.
	relabelled := h.Clone()
	relabelled.Set("Authorization", strings.Replace(h.Get("Authorization"), "id=i01,", "id=i02,", 1))
	wantCode(t, get(relabelled), api.CodeUnauthorized)
	// A request signed for another server: refused.
	other := http.Header{}
	api.SignRequest(other, i1.Key, "0000000000000000", "i01", "GET", "/v1/me", nil, env.Clock.Now())
	wantCode(t, get(other), api.CodeUnauthorized)
	// A version 1 header: refused, saying to update the application.
	v1 := http.Header{"Authorization": {strings.Replace(h.Get("Authorization"), api.RequestAuthName+" ", "Appariement-Ed25519 ", 1)}}
	e := get(v1)
	wantCode(t, e, api.CodeUnauthorized)
	if !strings.Contains(e.Message, "mettez l'application à jour") {
		t.Errorf("version 1 refusal: %q", e.Message)
	}
	// The genuine request still passes.
	if e := get(h); e != nil {
		t.Fatalf("genuine request: %v", e)
	}
	// A client learns the server's key by itself when none is pinned.
	c := env.Client("i01", i1.Key)
	c.Server = ""
	if _, err := c.Me(context.Background()); err != nil {
		t.Fatalf("client binding itself to the server it asked: %v", err)
	}
}

// TestFrontRunEnvelope (issue 11, point 7): whoever sees an envelope can add
// a signature and submit it first; the author's own submission must still
// get its receipt, and the log holds only what the author signed.
func TestFrontRunEnvelope(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{})
	env.Transition(t, domain.StateWishesOpen)
	i1 := env.Enroll(t, "i01")
	genuine := i1.WishList(env.Round, 1, env.Postes[0].ID)
	junk := make([]byte, ed25519.SignatureSize)
	rand.Read(junk)
	for _, tampered := range []*envelope.Envelope{
		{PayloadType: genuine.PayloadType, Payload: genuine.Payload,
			Signatures: append([]envelope.Signature{{KeyID: "attacker", Sig: junk}}, genuine.Signatures...)},
		{PayloadType: genuine.PayloadType, Payload: genuine.Payload,
			Signatures: append([]envelope.Signature{{KeyID: genuine.Signatures[0].KeyID, Sig: junk}}, genuine.Signatures...)},
	} {
		if tampered.Digest() != genuine.Digest() {
			t.Fatal("an added signature changed the digest")
		}
		rc, err := env.Anonymous().Submit(ctx, tampered)
		if err != nil {
			t.Fatalf("front-running envelope: %v", err)
		}
		if err := env.Verifier(t).VerifyReceipt(genuine, rc); err != nil {
			t.Fatalf("the log holds more than the author signed: %v", err)
		}
	}
	first, err := env.Anonymous().Submit(ctx, genuine)
	if err != nil {
		t.Fatalf("the author's envelope after a front-run: %v", err)
	}
	if err := env.Verifier(t).VerifyReceipt(genuine, first); err != nil {
		t.Fatal(err)
	}
	if treeSize(t, env) != 1 {
		t.Fatalf("log of %d entries, want the one submission", treeSize(t, env))
	}
	subs, err := i1.Client.Submissions(ctx, env.Round)
	if err != nil || len(subs) != 1 || subs[0].Digest != genuine.Digest() {
		t.Fatalf("current submission %+v, %v; want the genuine one", subs, err)
	}
	// Only junk signatures: still refused.
	bad := &envelope.Envelope{PayloadType: genuine.PayloadType, Payload: genuine.Payload,
		Signatures: []envelope.Signature{{KeyID: genuine.Signatures[0].KeyID, Sig: junk}}}
	other := i1.WishList(env.Round, 2, env.Postes[1].ID)
	bad.Payload = other.Payload
	_, err = env.Anonymous().Submit(ctx, bad)
	wantCode(t, err, api.CodeBadSignature)
}

// TestTrustedProxy (issue 11, point 6): behind a trusted proxy each client
// has its own address limit, and nobody else can choose their address.
func TestTrustedProxy(t *testing.T) {
	ctx := context.Background()
	rounds := func(env *servertest.Env, xff string) error {
		req, _ := http.NewRequestWithContext(ctx, "GET", env.URL+"/v1/rounds", nil)
		req.Header.Set("X-Forwarded-For", xff)
		_, e := rawDo(t, req)
		if e != nil {
			return e
		}
		return nil
	}
	limited := func(c *server.Config) { c.IPRate, c.IPBurst = 0.001, 3 }
	behind := servertest.Start(t, servertest.Options{Empty: true, Configure: func(c *server.Config) {
		limited(c)
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	}})
	for i := range 20 { // 20 users behind the proxy: each has its own bucket
		if err := rounds(behind, fmt.Sprintf("203.0.113.%d", i)); err != nil {
			t.Fatalf("user %d behind the proxy: %v", i, err)
		}
	}
	// One user cannot escape their limit by writing the header themselves:
	// the proxy appends the address it saw, and that one counts.
	var err error
	for i := range 10 {
		if err = rounds(behind, fmt.Sprintf("198.51.100.%d, 203.0.113.200", i)); err != nil {
			break
		}
	}
	wantCode(t, err, api.CodeRateLimited)

	// Without a trusted proxy the header is ignored.
	direct := servertest.Start(t, servertest.Options{Empty: true, Configure: limited})
	for i := range 10 {
		if err = rounds(direct, fmt.Sprintf("203.0.113.%d", i)); err != nil {
			break
		}
	}
	wantCode(t, err, api.CodeRateLimited)
}

// TestPosteCacheFollowsCatalogue: validation reads the round's postes from
// a cache by catalogue version; a poste withdrawn by an import is refused
// at once.
func TestPosteCacheFollowsCatalogue(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{NoCodes: true})
	env.Transition(t, domain.StateWishesOpen)
	u := env.Register(t, env.Interns[0])
	if _, err := env.Anonymous().Submit(ctx, u.WishList(env.Round, 1, env.Postes[0].ID, env.Postes[1].ID)); err != nil {
		t.Fatal(err)
	}
	// The catalogue without its first poste: it is withdrawn.
	rest, _ := json.Marshal(env.Postes[1:])
	if _, err := env.Admin.ImportPostes(ctx, env.Round, api.FormatJSON, rest, false); err != nil {
		t.Fatal(err)
	}
	_, err := env.Anonymous().Submit(ctx, u.WishList(env.Round, 2, env.Postes[0].ID))
	wantCode(t, err, api.CodePosteClosed)
	if _, err := env.Anonymous().Submit(ctx, u.WishList(env.Round, 3, env.Postes[1].ID)); err != nil {
		t.Fatal(err)
	}
	_, err = env.Anonymous().Submit(ctx, u.WishList(env.Round, 4, "P404"))
	wantCode(t, err, api.CodeUnknownPoste)
}

// TestAttachmentRules (issue 11, point 1): every attachment of a signed
// wish list follows the upload's rules (PDF name, known kind, digest,
// size): an intern cannot sign a list whose "CV.bat" an RTS's computer
// would run.
func TestAttachmentRules(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{NoCodes: true})
	env.Transition(t, domain.StateWishesOpen)
	u := env.Register(t, env.Interns[0])
	fr, err := u.Client.UploadFile(ctx, "cv.pdf", []byte("%PDF-1.4\n@echo off\n"))
	if err != nil {
		t.Fatal(err)
	}
	good := api.Attachment{Kind: "cv", Name: "cv.pdf", SHA256: fr.SHA256, Size: fr.Size}
	seq := uint64(0)
	send := func(a api.Attachment) error {
		seq++
		_, err := env.Anonymous().Submit(ctx, u.Sign(api.WishListType, api.Submission{Round: env.Round, Author: u.ID,
			Seq: seq, ClientTime: env.Clock.Now(), List: []string{env.Postes[0].ID}, Attachments: []api.Attachment{a}}))
		return err
	}
	for _, c := range []struct {
		name string
		edit func(*api.Attachment)
		code api.Code
	}{
		{"CV.bat", func(a *api.Attachment) { a.Name = "CV.bat" }, api.CodeBadRequest},
		{"CV.hta", func(a *api.Attachment) { a.Name = "CV.hta" }, api.CodeBadRequest},
		{"double extension", func(a *api.Attachment) { a.Name = "CV.pdf.exe" }, api.CodeBadRequest},
		{"path", func(a *api.Attachment) { a.Name = `..\Startup\cv.pdf` }, api.CodeBadRequest},
		{"unknown kind", func(a *api.Attachment) { a.Kind = "script" }, api.CodeMalformed},
		{"bad digest", func(a *api.Attachment) { a.SHA256 = "ZZ" }, api.CodeMalformed},
		{"size zero", func(a *api.Attachment) { a.Size = 0 }, api.CodeMalformed},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := good
			c.edit(&a)
			wantCode(t, send(a), c.code)
		})
	}
	if err := send(good); err != nil {
		t.Fatalf("a proper attachment: %v", err)
	}
}

// TestUploadQuota (issue 11, point 11): a person's uploads are bounded in
// number (and bytes); the same file again costs nothing.
func TestUploadQuota(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{NoCodes: true, Configure: func(c *server.Config) {
		c.IdentityRate, c.IdentityBurst = 1e6, 1e6
	}})
	u := env.Register(t, env.Interns[0])
	for i := range api.MaxFilesPerPerson {
		if _, err := u.Client.UploadFile(ctx, "cv.pdf", fmt.Appendf(nil, "%%PDF-1.4\nversion %d\n", i)); err != nil {
			t.Fatalf("upload %d: %v", i, err)
		}
	}
	_, err := u.Client.UploadFile(ctx, "cv.pdf", []byte("%PDF-1.4\none more\n"))
	wantCode(t, err, api.CodeQuotaExceeded)
	if _, err := u.Client.UploadFile(ctx, "cv.pdf", []byte("%PDF-1.4\nversion 0\n")); err != nil {
		t.Fatalf("the same file again: %v", err)
	}
	// Another person has their own quota.
	v := env.Register(t, env.Interns[1])
	if _, err := v.Client.UploadFile(ctx, "cv.pdf", []byte("%PDF-1.4\none more\n")); err != nil {
		t.Fatal(err)
	}
}
