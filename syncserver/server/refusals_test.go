package server_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"appariement/shared/api"
	"appariement/shared/client"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/syncserver/server"
	"appariement/syncserver/servertest"
	"appariement/syncserver/store"
)

// rawPost posts body to path and decodes the refusal, if any.
func rawPost(t *testing.T, url, path string, body []byte, header http.Header) (*http.Response, *api.Error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	return rawDo(t, req)
}

func rawDo(t *testing.T, req *http.Request) (*http.Response, *api.Error) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 == 2 || resp.StatusCode == http.StatusNotModified {
		return resp, nil
	}
	e := &api.Error{Status: resp.StatusCode}
	if err := json.Unmarshal(b, e); err != nil {
		t.Fatalf("refusal is not an api.Error: %s", b)
	}
	return resp, e
}

// TestSubmissionRefusals runs every refusal of POST /v1/submissions and
// checks its code, HTTP status and sentences, and that nothing entered
// the log.
func TestSubmissionRefusals(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Configure: func(c *server.Config) { c.IdentityRate = rateInf }})
	i1, i2, i3 := env.Enroll(t, "i01"), env.Enroll(t, "i02"), env.Enroll(t, "i03")
	rts1, rts2 := env.Enroll(t, "rts1"), env.Enroll(t, "rts2")
	_, strangerKey, _ := ed25519.GenerateKey(nil)
	stranger := env.User("i01", strangerKey)

	// A second round without specialty filter, with a poste of another
	// specialty and a withdrawn poste.
	must[*domain.Round](t)(env.Admin.CreateRound(ctx, api.CreateRoundRequest{ID: "RX", Name: "Tour national", Procedure: domain.Appariement}))
	postes := []domain.Poste{
		{ID: "QX", Specialty: "PSY", Subdivision: "LYON", RTS: "rts1", Capacity: 1},
		{ID: "QC", Specialty: servertest.Specialty, Subdivision: servertest.Subdivision, RTS: "rts1", Capacity: 1},
		{ID: "QZ", Specialty: servertest.Specialty, Subdivision: servertest.Subdivision, RTS: "rts1", Capacity: 1},
	}
	data, _ := json.Marshal(postes)
	must[*api.ImportReport](t)(env.Admin.ImportPostes(ctx, "RX", api.FormatJSON, data, false))
	data, _ = json.Marshal(postes[:2])
	rep := must[*api.ImportReport](t)(env.Admin.ImportPostes(ctx, "RX", api.FormatJSON, data, false))
	if rep.Closed != 1 {
		t.Fatalf("reimport without QZ: %+v", rep)
	}
	env.TransitionRound(t, "RX", domain.StateWishesOpen)

	// Before the round opens.
	wantCode(t, try(i1.Client.Submit(ctx, i1.WishList(env.Round, 1, "P1"))), api.CodeWindowNotOpen)
	env.Transition(t, domain.StateWishesOpen)

	// A pdf uploaded by i02, to attach.
	pdf := []byte("%PDF-1.7\n% test\n")
	fr := must[*api.FileResponse](t)(i2.Client.UploadFile(ctx, "cv.pdf", pdf))
	accepted := i1.WishList(env.Round, 5, "P1")
	rc := must[*api.Receipt](t)(i1.Client.Submit(ctx, accepted))
	longID := strings.Repeat("x", api.MaxIDLength+1)
	tooMany := make([]string, api.MaxListLength+1)
	for i := range tooMany {
		tooMany[i] = fmt.Sprintf("P%d", i)
	}
	tampered := i1.WishList(env.Round, 6, "P1")
	tampered.Payload = bytes.Replace(tampered.Payload, []byte("P1"), []byte("P2"), 1)
	unsigned := i1.WishList(env.Round, 6, "P1")
	unsigned.Signatures = nil
	withSub := func(u *servertest.User, typ string, edit func(*api.Submission)) *envelope.Envelope {
		s := api.Submission{Round: env.Round, Author: u.ID, Seq: 9, ClientTime: env.Clock.Now(), List: []string{"P1"}}
		edit(&s)
		return u.Sign(typ, s)
	}

	cases := []struct {
		name string
		body []byte
		code api.Code
	}{
		{"not json", []byte("{nope"), api.CodeMalformed},
		{"unknown envelope field", []byte(`{"payloadType":"x","payload":"","signatures":[],"extra":1}`), api.CodeMalformed},
		{"unsigned", unsigned.Encode(), api.CodeUnsigned},
		{"unknown payload type", i1.Sign("application/x-evil", api.Submission{}).Encode(), api.CodeMalformed},
		{"payload not a submission", envelope.Sign(i1.Key, api.WishListType, []byte(`{"round":"R1","evil":1}`)).Encode(), api.CodeMalformed},
		{"seq zero", withSub(i1, api.WishListType, func(s *api.Submission) { s.Seq = 0 }).Encode(), api.CodeMalformed},
		{"author not enrolled", withSub(i1, api.WishListType, func(s *api.Submission) { s.Author = "i04" }).Encode(), api.CodeUnknownAuthor},
		{"author unknown", withSub(i1, api.WishListType, func(s *api.Submission) { s.Author = "nobody" }).Encode(), api.CodeUnknownAuthor},
		{"signed by another key", stranger.WishList(env.Round, 9, "P1").Encode(), api.CodeBadSignature},
		{"signed for someone else", withSub(i1, api.WishListType, func(s *api.Submission) { s.Author = "i02" }).Encode(), api.CodeBadSignature},
		{"tampered payload", tampered.Encode(), api.CodeBadSignature},
		{"unknown round", i1.WishList("R9", 1, "P1").Encode(), api.CodeUnknownRound},
		{"round id too long", i1.WishList(longID, 1, "P1").Encode(), api.CodeTooLarge},
		{"control character in id", i1.WishList(env.Round, 9, "P1\x00x").Encode(), api.CodeMalformed},
		{"unknown poste", i1.WishList(env.Round, 9, "P1", "P77").Encode(), api.CodeUnknownPoste},
		{"withdrawn poste", i1.WishList("RX", 1, "QC", "QZ").Encode(), api.CodePosteClosed},
		{"other specialty", i1.WishList("RX", 1, "QX").Encode(), api.CodeForbidden},
		{"duplicate poste", i1.WishList(env.Round, 9, "P1", "P2", "P1").Encode(), api.CodeDuplicate},
		{"list too long", i1.WishList(env.Round, 9, tooMany...).Encode(), api.CodeTooLarge},
		{"id too long", i1.WishList(env.Round, 9, longID).Encode(), api.CodeTooLarge},
		{"attachment of someone else", withSub(i1, api.WishListType, func(s *api.Submission) {
			s.Attachments = []api.Attachment{{Kind: "cv", Name: "cv.pdf", SHA256: fr.SHA256, Size: fr.Size}}
		}).Encode(), api.CodeUnknownAttachment},
		{"rts submits a wish list", rts1.WishList(env.Round, 1, "P1").Encode(), api.CodeForbidden},
		{"ranking before its window", rts1.Ranking(env.Round, "P1", 1, "i01").Encode(), api.CodeWindowNotOpen},
		{"replay: lower seq", i1.WishList(env.Round, 4, "P2").Encode(), api.CodeReplay},
		{"conflict: same seq, other list", i1.WishList(env.Round, 5, "P2").Encode(), api.CodeConflict},
	}
	sizeBefore := treeSize(t, env)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, e := rawPost(t, env.URL, "/v1/submissions", c.body, nil)
			if e == nil {
				t.Fatalf("accepted, want %s", c.code)
			}
			wantCode(t, e, c.code)
		})
	}
	if got := treeSize(t, env); got != sizeBefore {
		t.Fatalf("refusals changed the log: size %d → %d", sizeBefore, got)
	}

	// Idempotent resend: the same receipt.
	again := must[*api.Receipt](t)(i1.Client.Submit(ctx, accepted))
	if again.Index != rc.Index || !again.ServerTime.Equal(rc.ServerTime) || again.Digest != rc.Digest {
		t.Fatalf("resend: %+v, first %+v", again, rc)
	}

	// Rankings: rights and candidates.
	must[*api.Receipt](t)(i2.Client.Submit(ctx, i2.WishList(env.Round, 1, "P1", "P2")))
	env.Transition(t, domain.StateRankingsOpen)
	wantCode(t, try(i1.Client.Submit(ctx, i1.WishList(env.Round, 7, "P2"))), api.CodeWindowClosed)
	// The resend of an accepted envelope still gets its receipt after the window.
	must[*api.Receipt](t)(i1.Client.Submit(ctx, accepted))
	rankCases := []struct {
		name string
		env  *envelope.Envelope
		code api.Code
	}{
		{"intern submits a ranking", i3.Ranking(env.Round, "P1", 1, "i01"), api.CodeForbidden},
		{"poste of another RTS", rts2.Ranking(env.Round, "P1", 1, "i01"), api.CodeForbidden},
		{"unknown poste", rts1.Ranking(env.Round, "P99", 1, "i01"), api.CodeUnknownPoste},
		{"unknown intern", rts1.Ranking(env.Round, "P1", 1, "i01", "nobody"), api.CodeUnknownIntern},
		{"RTS ranked as an intern", rts1.Ranking(env.Round, "P1", 1, "rts2"), api.CodeUnknownIntern},
		{"not a candidate", rts1.Ranking(env.Round, "P1", 1, "i01", "i03"), api.CodeNotCandidate},
		{"did not list this poste", rts2.Ranking(env.Round, "P2", 1, "i01"), api.CodeNotCandidate},
		{"duplicate intern", rts1.Ranking(env.Round, "P1", 1, "i01", "i01"), api.CodeDuplicate},
		{"ranking without poste", rts1.Sign(api.RankingType, api.Submission{Round: env.Round, Author: "rts1", Seq: 1, List: []string{}}), api.CodeMalformed},
	}
	for _, c := range rankCases {
		t.Run(c.name, func(t *testing.T) {
			wantCode(t, try(rts1.Client.Submit(ctx, c.env)), c.code)
		})
	}
	must[*api.Receipt](t)(rts1.Client.Submit(ctx, rts1.Ranking(env.Round, "P1", 1, "i02", "i01")))
	must[*api.Receipt](t)(rts2.Client.Submit(ctx, rts2.Ranking(env.Round, "P2", 1, "i02")))

	// The scheduled close is enforced by the clock, whatever the state.
	closeAt := env.Clock.Now().Add(time.Hour)
	must[*domain.Round](t)(env.Admin.Schedule(ctx, env.Round, api.ScheduleRequest{RankingsClose: closeAt, Reason: "fenêtre avancée pour le test"}))
	env.Clock.Set(closeAt)
	wantCode(t, try(rts1.Client.Submit(ctx, rts1.Ranking(env.Round, "P1", 2, "i01"))), api.CodeWindowClosed)
	// A scheduled opening in the future, too.
	must[*domain.Round](t)(env.Admin.Schedule(ctx, "RX", api.ScheduleRequest{WishesOpen: closeAt.Add(time.Hour), Reason: "fenêtre avancée pour le test"}))
	wantCode(t, try(i1.Client.Submit(ctx, i1.WishList("RX", 1, "QC"))), api.CodeWindowNotOpen)

	// An oversized body is refused before it is read whole.
	big := bytes.Repeat([]byte("x"), api.MaxBodySize+1)
	_, e := rawPost(t, env.URL, "/v1/submissions", big, nil)
	wantCode(t, e, api.CodeBodyTooLarge)
}

const rateInf = rate.Inf

func try[T any](_ T, err error) error { return err }

func treeSize(t *testing.T, env *servertest.Env) int64 {
	t.Helper()
	cp, err := env.Anonymous().Checkpoint(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tree, err := env.Verifier(t).OpenCheckpoint(cp)
	if err != nil {
		t.Fatal(err)
	}
	return tree.N
}

// TestSignedRequestRefusals covers the Authorization scheme: missing,
// forged, stale, replayed, unknown signer, wrong role.
func TestSignedRequestRefusals(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{})
	i1 := env.Enroll(t, "i01")
	_, otherKey, _ := ed25519.GenerateKey(nil)

	sign := func(key ed25519.PrivateKey, id, method, path string, body []byte, at time.Time) http.Header {
		h := http.Header{}
		env.Sign(h, key, id, method, path, body, at)
		return h
	}
	get := func(h http.Header, path string) *api.Error {
		req, _ := http.NewRequest(http.MethodGet, env.URL+path, nil)
		for k, v := range h {
			req.Header[k] = v
		}
		_, e := rawDo(t, req)
		return e
	}
	now := env.Clock.Now()
	cases := []struct {
		name string
		h    http.Header
		path string
		code api.Code
	}{
		{"no signature", nil, "/v1/me", api.CodeUnauthorized},
		{"garbage header", http.Header{"Authorization": {"Bearer abc"}}, "/v1/me", api.CodeUnauthorized},
		{"forged signature", sign(otherKey, "i01", "GET", "/v1/me", nil, now), "/v1/me", api.CodeUnauthorized},
		{"signature of another path", sign(i1.Key, "i01", "GET", "/v1/me/submissions?round=R1", nil, now), "/v1/me", api.CodeUnauthorized},
		{"stale timestamp", sign(i1.Key, "i01", "GET", "/v1/me", nil, now.Add(-api.MaxClockSkew-time.Minute)), "/v1/me", api.CodeUnauthorized},
		{"future timestamp", sign(i1.Key, "i01", "GET", "/v1/me", nil, now.Add(api.MaxClockSkew+time.Minute)), "/v1/me", api.CodeUnauthorized},
		{"unknown signer", sign(otherKey, "ghost", "GET", "/v1/me", nil, now), "/v1/me", api.CodeUnauthorized},
		{"not enrolled", sign(otherKey, "i02", "GET", "/v1/me", nil, now), "/v1/me", api.CodeUnauthorized},
		{"intern on an admin route", sign(i1.Key, "i01", "GET", "/v1/admin/audit", nil, now), "/v1/admin/audit", api.CodeForbidden},
		{"intern reads candidates", sign(i1.Key, "i01", "GET", "/v1/rounds/R1/candidates?poste=P1", nil, now), "/v1/rounds/R1/candidates?poste=P1", api.CodeForbidden},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := get(c.h, c.path)
			if e == nil {
				t.Fatal("accepted")
			}
			wantCode(t, e, c.code)
		})
	}

	// The same signed request twice: the second is a replay.
	h := sign(i1.Key, "i01", "GET", "/v1/me", nil, now)
	if e := get(h, "/v1/me"); e != nil {
		t.Fatalf("first request: %v", e)
	}
	wantCode(t, get(h, "/v1/me"), api.CodeUnauthorized)

	// A signed change replayed after a restart is still refused: its nonce
	// is on disk.
	body, _ := json.Marshal(api.TransitionRequest{To: domain.StateWishesOpen})
	ah := sign(env.AdminKey, env.AdminID, "POST", "/v1/admin/rounds/R1/transition", body, now)
	ah.Set("Content-Type", "application/json")
	if _, e := rawPost(t, env.URL, "/v1/admin/rounds/R1/transition", body, ah); e != nil {
		t.Fatalf("transition: %v", e)
	}
	_, e := rawPost(t, env.URL, "/v1/admin/rounds/R1/transition", body, ah)
	wantCode(t, e, api.CodeUnauthorized)

	// A tampered body under a valid signature.
	ah = sign(env.AdminKey, env.AdminID, "POST", "/v1/admin/codes", []byte(`{"people":["i02"]}`), now)
	_, e = rawPost(t, env.URL, "/v1/admin/codes", []byte(`{"all_without_key":true}`), ah)
	wantCode(t, e, api.CodeUnauthorized)
	_ = ctx
}

// TestEnrollmentRefusals: wrong code, wait after wrong codes, single use,
// per-address limit, key reset.
func TestEnrollmentRefusals(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Interns: 4, Configure: func(c *server.Config) {
		c.IdentityRate = rateInf
		c.EnrollRate, c.EnrollBurst = rate.Every(time.Hour), 40
	}})
	anon := env.Anonymous()
	pub, priv, _ := ed25519.GenerateKey(nil)
	code := env.Codes["i01"]

	wantCode(t, try(anon.Enroll(ctx, "i01", "AAAA-BBBB-CCCC-DDDD", pub)), api.CodeBadCode)
	wantCode(t, try(anon.Enroll(ctx, "nobody", code, pub)), api.CodeBadCode)
	wantCode(t, try(anon.Enroll(ctx, "i02", code, pub)), api.CodeBadCode) // someone else's code
	_, e := rawPost(t, env.URL, "/v1/enroll", []byte(`{"identifier":"i01","code":"x","public_key":"AAAA"}`), nil)
	wantCode(t, e, api.CodeBadRequest)
	// Lowercase, spaces and confusable letters are accepted.
	typed := strings.ToLower(strings.ReplaceAll(code, "-", " "))
	resp := must[*api.EnrollResponse](t)(anon.Enroll(ctx, "i01", typed, pub))
	if resp.Person.ID != "i01" || !bytes.Equal(resp.ServerKey.PublicKey, env.ServerKey.PublicKey) || resp.ServerKey.NoteKey == "" || resp.ServerKey.Fingerprint == "" {
		t.Fatalf("enroll response: %+v", resp)
	}
	// Enrolled: the same answer as a wrong code (not "already enrolled").
	wantCode(t, try(anon.Enroll(ctx, "i01", code, pub)), api.CodeBadCode)

	// Wrong codes make the identifier wait, even for the right code; once
	// the wait is over the right code works: no lock.
	for range store.FreeCodeTries {
		wantCode(t, try(anon.Enroll(ctx, "i02", "0000-0000-0000-0000", pub)), api.CodeBadCode)
	}
	wantCode(t, try(anon.Enroll(ctx, "i02", env.Codes["i02"], pub)), api.CodeBadCode)
	env.Clock.Advance(store.CodeDelay(store.FreeCodeTries))
	pub3, _, _ := ed25519.GenerateKey(nil)
	must[*api.EnrollResponse](t)(anon.Enroll(ctx, "i02", env.Codes["i02"], pub3))

	// A key reset needs a reason, revokes the key, issues a new code.
	u := env.Client("i01", priv)
	must[*domain.Person](t)(u.Me(ctx))
	wantCode(t, try(env.Admin.ResetKey(ctx, "i01", "")), api.CodeBadRequest)
	ic := must[*api.IssuedCode](t)(env.Admin.ResetKey(ctx, "i01", "ordinateur volé, déclaration du 3 mars"))
	wantCode(t, try(u.Me(ctx)), api.CodeUnauthorized)
	pub2, priv2, _ := ed25519.GenerateKey(nil)
	must[*api.EnrollResponse](t)(anon.Enroll(ctx, "i01", ic.Code, pub2))
	must[*domain.Person](t)(env.Client("i01", priv2).Me(ctx))
	if ic.Outbox == "" {
		t.Fatal("no e-mail written for the new code")
	}

	// The address runs out of tries (40 in the burst, one an hour after):
	// rate_limited with a Retry-After, for any identifier.
	var err error
	for range 40 {
		var ae *api.Error
		if _, err = anon.Enroll(ctx, "i03", "0000-0000-0000-0000", pub); errors.As(err, &ae) && ae.Code == api.CodeRateLimited {
			break
		}
	}
	wantCode(t, err, api.CodeRateLimited)
	if ok, after := client.Retryable(err); !ok || after <= 0 {
		t.Errorf("address limit without Retry-After: %v", err)
	}
	wantCode(t, try(anon.Enroll(ctx, "i04", env.Codes["i04"], pub)), api.CodeRateLimited)
}

// TestFiles: PDF only, size limit, names, access rules.
func TestFiles(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Configure: func(c *server.Config) { c.IdentityRate = rateInf }})
	i1, i2, rts1, rts2 := env.Enroll(t, "i01"), env.Enroll(t, "i02"), env.Enroll(t, "rts1"), env.Enroll(t, "rts2")
	pdf := []byte("%PDF-1.4\nlettre de motivation\n")
	for _, name := range []string{"../../etc/passwd.pdf", "..\\x.pdf", "a/b.pdf", ".hidden.pdf", "", "cv.exe", "c:cv.pdf", "cv\u202egpj.pdf", "cv\x00.pdf"} {
		wantCode(t, try(i1.Client.UploadFile(ctx, name, pdf)), api.CodeBadRequest)
	}
	wantCode(t, try(i1.Client.UploadFile(ctx, "cv.pdf", []byte("MZ\x90\x00not a pdf"))), api.CodeMalformed)
	big := append([]byte("%PDF-"), bytes.Repeat([]byte("x"), api.MaxFileSize)...)
	wantCode(t, try(i1.Client.UploadFile(ctx, "big.pdf", big)), api.CodeBodyTooLarge)
	fr := must[*api.FileResponse](t)(i1.Client.UploadFile(ctx, "Lettre de motivation é.pdf", pdf))

	read := func(c *client.Client) error { var b bytes.Buffer; return c.File(ctx, fr.SHA256, &b) }
	if err := read(i1.Client); err != nil {
		t.Fatalf("owner reads: %v", err)
	}
	if err := read(env.Admin); err != nil {
		t.Fatalf("admin reads: %v", err)
	}
	wantCode(t, read(i2.Client), api.CodeNotFound)
	wantCode(t, read(rts1.Client), api.CodeNotFound)
	wantCode(t, try(0, i1.Client.File(ctx, "../../etc/passwd", io.Discard)), api.CodeNotFound)

	env.Transition(t, domain.StateWishesOpen)
	att := []api.Attachment{{Kind: "lettre", Name: "lettre.pdf", SHA256: fr.SHA256, Size: fr.Size}}
	wl := i1.Sign(api.WishListType, api.Submission{Round: env.Round, Author: "i01", Seq: 1, List: []string{"P1"}, Attachments: att})
	must[*api.Receipt](t)(i1.Client.Submit(ctx, wl))
	wantCode(t, read(rts1.Client), api.CodeNotFound) // wishes still open
	env.Transition(t, domain.StateWishesClosed)
	if err := read(rts1.Client); err != nil {
		t.Fatalf("RTS of a listed poste reads: %v", err)
	}
	wantCode(t, read(rts2.Client), api.CodeNotFound) // P1 is rts1's
	cands := must[*api.CandidatesResponse](t)(rts1.Client.Candidates(ctx, env.Round, "P1"))
	if len(cands.Candidates) != 1 || len(cands.Candidates[0].Attachments) != 1 {
		t.Fatalf("candidates: %+v", cands)
	}
}

// TestRateLimit: 429 with Retry-After, by identity and by address.
func TestRateLimit(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Configure: func(c *server.Config) {
		c.IdentityRate, c.IdentityBurst = 0.5, 3
	}})
	i1 := env.Enroll(t, "i01")
	var err error
	for range 10 {
		if _, err = i1.Client.Me(ctx); err != nil {
			break
		}
	}
	ok, after := client.Retryable(err)
	if !ok || after < time.Second {
		t.Fatalf("want a retryable refusal with a delay, got %v (%v)", err, after)
	}
	wantCode(t, err, api.CodeRateLimited)
	var e *api.Error
	if errors.As(err, &e) && e.RetryAfter < 1 {
		t.Fatalf("retry_after missing from the body: %+v", e)
	}

	envIP := servertest.Start(t, servertest.Options{Empty: true, Configure: func(c *server.Config) { c.IPRate, c.IPBurst = 1, 5 }})
	for range 10 {
		if _, err = envIP.Anonymous().Rounds(ctx); err != nil {
			break
		}
	}
	wantCode(t, err, api.CodeRateLimited)
}

// TestCatalogueETag: deltas by version, 304 when nothing changed, closed
// postes carried in deltas.
func TestCatalogueETag(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{})
	get := func(since uint64, etag string) (*http.Response, api.CatalogueResponse) {
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/v1/rounds/R1/postes?since=%d", env.URL, since), nil)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var c api.CatalogueResponse
		if resp.StatusCode == 200 {
			json.NewDecoder(resp.Body).Decode(&c)
		}
		return resp, c
	}
	resp, full := get(0, "")
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || etag == "" || len(full.Postes) != 4 {
		t.Fatalf("first fetch: %d %q %+v", resp.StatusCode, etag, full)
	}
	if resp, _ := get(full.Version, etag); resp.StatusCode != http.StatusNotModified {
		t.Fatalf("unchanged: %d", resp.StatusCode)
	}
	changed := append([]domain.Poste(nil), env.Postes[:3]...)
	changed[0].Capacity = 5
	data, _ := json.Marshal(changed)
	must[*api.ImportReport](t)(env.Admin.ImportPostes(ctx, env.Round, api.FormatJSON, data, false))
	resp, delta := get(full.Version, etag)
	if resp.StatusCode != 200 || len(delta.Postes) != 2 || delta.Version != full.Version+1 {
		t.Fatalf("delta: %d %+v", resp.StatusCode, delta)
	}
	for _, p := range delta.Postes {
		if (p.ID == "P1" && p.Capacity != 5) || (p.ID == "P4" && !p.Closed) || (p.ID != "P1" && p.ID != "P4") {
			t.Fatalf("delta poste: %+v", p)
		}
	}
	if resp, d := get(delta.Version, ""); resp.StatusCode != 200 || len(d.Postes) != 0 {
		t.Fatalf("nothing new: %+v", d)
	}
}

// TestCatalogueHidesRTSEmails: the catalogue open to anyone carries no RTS
// e-mail address (the names stay: interns choose by them), the signed
// /full catalogue carries them for any signed-in user, under its own ETag,
// and an unsigned request for it is refused.
func TestCatalogueHidesRTSEmails(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{})
	withEmail := 0
	for _, p := range env.Postes {
		if p.RTSEmail != "" {
			withEmail++
		}
	}
	if withEmail == 0 {
		t.Fatal("the seeded postes have no RTS e-mail: nothing to test")
	}
	pub := must[*api.CatalogueResponse](t)(env.Anonymous().Catalogue(ctx, env.Round, 0))
	for _, p := range pub.Postes {
		if p.RTSEmail != "" {
			t.Errorf("public catalogue: poste %s shows the RTS e-mail %q", p.ID, p.RTSEmail)
		}
	}
	if pub.Contacts {
		t.Error("public catalogue says it carries contacts")
	}
	u := env.Register(t, env.Interns[0])
	full := must[*api.CatalogueResponse](t)(u.Client.CatalogueFull(ctx, env.Round, 0))
	got := 0
	for _, p := range full.Postes {
		if p.RTSEmail != "" {
			got++
		}
	}
	if got != withEmail || !full.Contacts {
		t.Errorf("signed catalogue: %d postes with an e-mail (contacts %v), want %d", got, full.Contacts, withEmail)
	}
	resp, err := http.Get(env.URL + "/v1/rounds/" + env.Round + "/postes/full")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unsigned /full: %d, want 401", resp.StatusCode)
	}
	resp, err = http.Get(env.URL + "/v1/rounds/" + env.Round + "/postes")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if strings.HasSuffix(resp.Header.Get("ETag"), `-full"`) {
		t.Error("public and signed catalogues share an ETag")
	}
}

// TestImportRefused: a bad row refuses the whole file; a dry run reports.
func TestImportRefused(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{})
	people := []domain.Person{
		{ID: "n1", Role: domain.RoleIntern, LastName: "A", FirstName: "B", Specialty: "CARDIO", Subdivision: "LYON"},
		{ID: "n2", Role: domain.RoleIntern, LastName: "A", FirstName: "B", Specialty: "NOPE", Subdivision: "LYON"},
		{ID: "n3", Role: domain.RoleAdmin, LastName: "A", FirstName: "B"},
		{ID: "i01", Role: domain.RoleRTS, LastName: "A", FirstName: "B"},
		{ID: "n1", Role: domain.RoleIntern, LastName: "A", FirstName: "B", Specialty: "CARDIO", Subdivision: "LYON"},
	}
	data, _ := json.Marshal(people)
	rep := must[*api.ImportReport](t)(env.Admin.ImportPeople(ctx, api.FormatJSON, data, true))
	rows := map[int]bool{}
	for _, p := range rep.Problems {
		rows[p.Row] = true
		if p.Message == "" || p.MessageEN == "" {
			t.Fatalf("problem without sentences: %+v", p)
		}
	}
	if rep.Valid || len(rows) != 4 || rows[1] {
		t.Fatalf("dry run report: %+v", rep)
	}
	wantCode(t, try(env.Admin.ImportPeople(ctx, api.FormatJSON, data, false)), api.CodeInvalidImport)
	// The refusal carries the full report.
	h := http.Header{}
	env.Sign(h, env.AdminKey, env.AdminID, "POST", "/v1/admin/people?format=json", data, env.Clock.Now())
	req, _ := http.NewRequest("POST", env.URL+"/v1/admin/people?format=json", bytes.NewReader(data))
	req.Header = h
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var refusal api.ImportRefusal
	json.NewDecoder(resp.Body).Decode(&refusal)
	resp.Body.Close()
	if resp.StatusCode != 422 || refusal.Code != api.CodeInvalidImport || refusal.Report == nil || len(refusal.Report.Problems) != len(rep.Problems) {
		t.Fatalf("refusal: %d %+v", resp.StatusCode, refusal)
	}
	list := must[[]api.PersonStatus](t)(env.Admin.People(ctx))
	for _, p := range list {
		if p.Person.ID == "n1" {
			t.Fatal("n1 was imported from a refused file")
		}
	}
	// CSV through the importer.
	csv := "Identifiant;Nom;Prénom;E-mail;Spécialité;Subdivision;Rang\r\nn1;DURAND;Léa;lea@example.fr;CARDIO;LYON;7\r\n"
	rep = must[*api.ImportReport](t)(env.Admin.ImportPeople(ctx, api.FormatCSV, []byte(csv), false))
	if !rep.Valid || rep.Created != 1 {
		t.Fatalf("csv import: %+v", rep)
	}
}

// TestRoundsAndResultETag: the apps poll the rounds and the results; an
// unchanged answer is a 304, a change (a transition, a publication) a 200
// with a new ETag, whatever the server time.
func TestRoundsAndResultETag(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{})
	c := env.Anonymous()
	r1, etag, err := c.RoundsIfChanged(ctx, "")
	if err != nil || r1 == nil || etag == "" || len(r1.Rounds) != 1 {
		t.Fatalf("first poll: %+v %q %v", r1, etag, err)
	}
	env.Clock.Advance(time.Hour) // the server time is not part of the ETag
	if r, same, err := c.RoundsIfChanged(ctx, etag); err != nil || r != nil || same != etag {
		t.Fatalf("unchanged rounds: %+v %q %v", r, same, err)
	}
	env.Transition(t, domain.StateWishesOpen)
	r2, etag2, err := c.RoundsIfChanged(ctx, etag)
	if err != nil || r2 == nil || etag2 == etag || r2.Rounds[0].State != domain.StateWishesOpen {
		t.Fatalf("after a transition: %+v %q %v", r2, etag2, err)
	}

	// A published result: 304 with its ETag.
	users := env.EnrollAll(t)
	u := users["i01"]
	if _, err := u.Client.Submit(ctx, u.WishList(env.Round, 1, "P1")); err != nil {
		t.Fatal(err)
	}
	env.Transition(t, domain.StateWishesClosed)
	env.Transition(t, domain.StateRankingsOpen)
	env.Transition(t, domain.StateRankingsClosed)
	env.Run(t, env.Round)
	env.Publish(t, env.Round)
	get := func(etag string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, env.URL+"/v1/rounds/R1/result", nil)
		env.Sign(req.Header, u.Key, u.ID, http.MethodGet, "/v1/rounds/R1/result", nil, env.Clock.Now())
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	first := get("")
	tag := first.Header.Get("ETag")
	if first.StatusCode != 200 || tag == "" {
		t.Fatalf("result: %d %q", first.StatusCode, tag)
	}
	if again := get(tag); again.StatusCode != http.StatusNotModified {
		t.Fatalf("unchanged result: %d", again.StatusCode)
	}
	if other := get(`"result-other"`); other.StatusCode != 200 {
		t.Fatalf("other ETag: %d", other.StatusCode)
	}
}
