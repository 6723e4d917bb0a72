package server_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"appariement/shared/domain"
	"appariement/syncserver/servertest"
)

// TestNoHTMLFromUserText sends text a browser would run (in a wish list,
// an enrollment, a file name, an unknown route) and checks that no answer
// carries it as live HTML: every answer is JSON or plain text, says
// nosniff, and the user's text comes back escaped.
func TestNoHTMLFromUserText(t *testing.T) {
	const evil = `<script>alert("x")</script>`
	env := servertest.Start(t, servertest.Options{Interns: 2, Postes: 2, NoCodes: true})
	env.Transition(t, domain.StateWishesOpen)
	u := env.Register(t, env.Interns[0])

	type probe struct {
		name   string
		method string
		path   string
		body   []byte
		auth   bool
	}
	wish := u.WishList(env.Round, 1, evil).Encode()
	probes := []probe{
		{"wish list naming a poste that is a script", "POST", "/v1/submissions", wish, false},
		{"enrollment with a script identifier", "POST", "/v1/enroll", []byte(`{"identifier":"` + strings.ReplaceAll(evil, `"`, `\"`) + `","code":"x","public_key":"AAAA"}`), false},
		{"file name that is a script", "PUT", "/v1/files?name=" + strings.ReplaceAll(evil, " ", "%20"), []byte("not a pdf " + evil), true},
		{"unknown round that is a script", "GET", "/v1/rounds/%3Cscript%3E/postes?since=0", nil, false},
		{"unknown route", "GET", "/v1/%3Cscript%3E", nil, false},
	}
	echoed := 0 // answers that name the hostile text, escaped
	for _, p := range probes {
		t.Run(p.name, func(t *testing.T) {
			req, err := http.NewRequest(p.method, env.URL+p.path, bytes.NewReader(p.body))
			if err != nil {
				t.Fatal(err)
			}
			if p.auth {
				env.Sign(req.Header, u.Key, u.ID, p.method, req.URL.RequestURI(), p.body, env.Clock.Now())
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode < 400 {
				t.Fatalf("status %d: hostile input accepted: %s", resp.StatusCode, b)
			}
			ct := resp.Header.Get("Content-Type")
			if strings.Contains(ct, "html") || !(strings.HasPrefix(ct, "application/json") || strings.HasPrefix(ct, "text/plain")) {
				t.Errorf("Content-Type %q", ct)
			}
			if strings.HasPrefix(ct, "application/json") && resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Error("no X-Content-Type-Options: nosniff")
			}
			if bytes.Contains(b, []byte("<script")) {
				t.Errorf("the answer carries the script unescaped: %s", b)
			}
			if bytes.Contains(b, []byte(`\u003cscript`)) {
				echoed++
			}
		})
	}
	if echoed == 0 {
		t.Error("no refusal named the offending text: the escaping was not exercised")
	}
}
