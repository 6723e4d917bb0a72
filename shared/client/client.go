// Package client speaks the /v1 HTTP API of the sync server: the desktop
// app, the admin command line and the load generator all use it. It signs
// requests with the caller's Ed25519 key, decodes refusals into *api.Error
// and reports the server's Retry-After.
//
// The routes are documented in docs/openapi.yaml; this package is their one
// Go spelling.
package client

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"appariement/shared/api"
	"appariement/shared/audit"
	"appariement/shared/domain"
	"appariement/shared/envelope"
)

// Client is a connection to one sync server. Its zero value is not usable:
// build one with New. A Client is safe for concurrent use.
type Client struct {
	base string
	http *http.Client
	// ID and Key sign requests that need an identity; empty for anonymous use.
	ID  string
	Key ed25519.PrivateKey
	// Now is the clock used to timestamp signed requests (time.Now if nil).
	Now func() time.Time
	// Server is the key id (envelope.KeyID) of the server that signed
	// requests are bound to: set it from the pinned server key. When it is
	// empty, the client asks GET /v1/server-key once and binds its requests
	// to what the server answers.
	Server string
	bound  *boundServer // the key id fetched when Server is empty, shared by copies
}

// boundServer remembers the server key id fetched for signing.
type boundServer struct {
	mu sync.Mutex
	id string
}

// New returns a client of the server at baseURL (e.g. "http://127.0.0.1:8080").
func New(baseURL string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("server address %q: want http://host:port or https://host", baseURL)
	}
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &Client{base: strings.TrimRight(baseURL, "/"), http: hc, bound: &boundServer{}}, nil
}

// WithIdentity returns a copy of c that signs its requests as id with key.
func (c *Client) WithIdentity(id string, key ed25519.PrivateKey) *Client {
	d := *c
	d.ID, d.Key = id, key
	return &d
}

// SetTransport makes c, and every copy made from it, send its requests
// through rt (tests inject faults there: cut network, delays, tampered
// answers).
func (c *Client) SetTransport(rt http.RoundTripper) { c.http.Transport = rt }

// BaseURL returns the server address.
func (c *Client) BaseURL() string { return c.base }

// RetryError is returned when the server asks to come back later (429, 503)
// or cannot be reached. After is the delay it asked for (0 if none).
type RetryError struct {
	After time.Duration
	Err   error
}

func (e *RetryError) Error() string {
	return fmt.Sprintf("retry after %s: %v", e.After, e.Err)
}

func (e *RetryError) Unwrap() error { return e.Err }

// Retryable reports whether err is worth retrying later (network failure,
// rate limit, server overloaded), and after how long the server asked.
func Retryable(err error) (bool, time.Duration) {
	var re *RetryError
	if errors.As(err, &re) {
		return true, re.After
	}
	return false, 0
}

// Do sends a request and decodes a JSON answer into out (if non-nil). When
// sign is true the request carries an Authorization header signed with the
// client's key. A refusal comes back as *api.Error (wrapped in *RetryError
// when the server set Retry-After).
func (c *Client) Do(ctx context.Context, method, path string, body []byte, contentType string, sign bool, out any) error {
	resp, err := c.send(ctx, method, path, body, contentType, sign, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	if w, ok := out.(io.Writer); ok {
		_, err = io.Copy(w, resp.Body)
		return err
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
	}
	return nil
}

// send performs the request and returns the response if its status is 2xx
// (or 304); otherwise it returns the decoded refusal.
func (c *Client) send(ctx context.Context, method, path string, body []byte, contentType string, sign bool, header http.Header) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept-Language", "fr")
	if sign {
		if c.Key == nil || c.ID == "" {
			return nil, fmt.Errorf("%s %s: no identity to sign the request", method, path)
		}
		now := time.Now
		if c.Now != nil {
			now = c.Now
		}
		server, err := c.serverKeyID(ctx)
		if err != nil {
			return nil, err
		}
		api.SignRequest(req.Header, c.Key, server, c.ID, method, path, body, now())
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &RetryError{Err: fmt.Errorf("%s %s: %w", method, path, err)}
	}
	if resp.StatusCode/100 == 2 || resp.StatusCode == http.StatusNotModified {
		return resp, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	apiErr := &api.Error{Status: resp.StatusCode}
	if json.Unmarshal(b, apiErr) != nil || apiErr.Code == "" {
		apiErr.Code = api.CodeInternal
		apiErr.Message = fmt.Sprintf("réponse inattendue du serveur (%s)", resp.Status)
		apiErr.MessageEN = fmt.Sprintf("unexpected answer from the server (%s)", resp.Status)
	}
	after := retryAfter(resp.Header.Get("Retry-After"))
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode >= 500 || after > 0 {
		if after == 0 && apiErr.RetryAfter > 0 {
			after = time.Duration(apiErr.RetryAfter) * time.Second
		}
		return nil, &RetryError{After: after, Err: apiErr}
	}
	return nil, apiErr
}

// BindServer binds the signed requests of c, and of every copy made from
// it before or after, to the server key id keyID (envelope.KeyID of the
// pinned key), unless Server is set: a client that follows a rotation of
// the server's key rebinds them all at once.
func (c *Client) BindServer(keyID string) {
	c.bound.mu.Lock()
	c.bound.id = keyID
	c.bound.mu.Unlock()
}

// serverKeyID returns the key id that signed requests are bound to.
func (c *Client) serverKeyID(ctx context.Context) (string, error) {
	if c.Server != "" {
		return c.Server, nil
	}
	c.bound.mu.Lock()
	defer c.bound.mu.Unlock()
	if c.bound.id == "" {
		k, err := c.ServerKey(ctx)
		if err != nil {
			return "", fmt.Errorf("server key to sign a request: %w", err)
		}
		if len(k.PublicKey) != ed25519.PublicKeySize {
			return "", fmt.Errorf("server key to sign a request: %d bytes", len(k.PublicKey))
		}
		c.bound.id = envelope.KeyID(k.PublicKey)
	}
	return c.bound.id, nil
}

func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

func (c *Client) getJSON(ctx context.Context, path string, sign bool, out any) error {
	return c.Do(ctx, http.MethodGet, path, nil, "", sign, out)
}

func (c *Client) postJSON(ctx context.Context, path string, in any, sign bool, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("POST %s: %w", path, err)
	}
	return c.Do(ctx, http.MethodPost, path, b, "application/json", sign, out)
}

// KeyRotations fetches the rotations of the server's key, oldest first
// (GET /v1/server-key/rotations): with translog.FollowRotations, a client
// pinned on an old key checks that the key now offered follows from it.
func (c *Client) KeyRotations(ctx context.Context) ([]api.KeyRotation, error) {
	var out []api.KeyRotation
	return out, c.getJSON(ctx, "/v1/server-key/rotations", false, &out)
}

// ServerKey fetches the server's public key (GET /v1/server-key). Pin it on
// first use and compare on later uses: never trust it silently again.
func (c *Client) ServerKey(ctx context.Context) (*api.ServerKey, error) {
	var k api.ServerKey
	return &k, c.getJSON(ctx, "/v1/server-key", false, &k)
}

// Enroll registers pub for identifier with a one-time activation code
// (POST /v1/enroll).
func (c *Client) Enroll(ctx context.Context, identifier, code string, pub ed25519.PublicKey) (*api.EnrollResponse, error) {
	var r api.EnrollResponse
	return &r, c.postJSON(ctx, "/v1/enroll", api.EnrollRequest{Identifier: identifier, Code: code, PublicKey: pub}, false, &r)
}

// Me returns the caller's own record (GET /v1/me): a cheap way to check
// that the enrollment and the key still work.
func (c *Client) Me(ctx context.Context) (*domain.Person, error) {
	var p domain.Person
	return &p, c.getJSON(ctx, "/v1/me", true, &p)
}

// Rounds lists the rounds (GET /v1/rounds).
func (c *Client) Rounds(ctx context.Context) (*api.RoundsResponse, error) {
	var r api.RoundsResponse
	return &r, c.getJSON(ctx, "/v1/rounds", false, &r)
}

// RoundsIfChanged is Rounds for a poller: with the ETag of the last answer
// it returns nil and the same ETag when the rounds have not changed (304),
// else the rounds and their new ETag.
func (c *Client) RoundsIfChanged(ctx context.Context, etag string) (*api.RoundsResponse, string, error) {
	h := http.Header{}
	if etag != "" {
		h.Set("If-None-Match", etag)
	}
	resp, err := c.send(ctx, http.MethodGet, "/v1/rounds", nil, "", false, h)
	if err != nil {
		return nil, etag, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil, etag, nil
	}
	var r api.RoundsResponse
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return nil, etag, fmt.Errorf("GET /v1/rounds: decode answer: %w", err)
	}
	return &r, resp.Header.Get("ETag"), nil
}

// Catalogue fetches the postes of round changed since version since
// (GET /v1/rounds/{round}/postes?since=N).
func (c *Client) Catalogue(ctx context.Context, round string, since uint64) (*api.CatalogueResponse, error) {
	var r api.CatalogueResponse
	path := fmt.Sprintf("/v1/rounds/%s/postes?since=%d", url.PathEscape(round), since)
	return &r, c.getJSON(ctx, path, false, &r)
}

// CatalogueFull is Catalogue with the RTS e-mail addresses, which only a
// signed-in user gets (GET /v1/rounds/{round}/postes/full, signed).
func (c *Client) CatalogueFull(ctx context.Context, round string, since uint64) (*api.CatalogueResponse, error) {
	var r api.CatalogueResponse
	path := fmt.Sprintf("/v1/rounds/%s/postes/full?since=%d", url.PathEscape(round), since)
	return &r, c.getJSON(ctx, path, true, &r)
}

// Submit sends a signed envelope (POST /v1/submissions) and returns the
// receipt. Sending the same envelope again returns the same receipt.
func (c *Client) Submit(ctx context.Context, env *envelope.Envelope) (*api.Receipt, error) {
	var r api.Receipt
	return &r, c.Do(ctx, http.MethodPost, "/v1/submissions", env.Encode(), "application/json", false, &r)
}

// Submissions lists the caller's accepted submissions of a round, with
// receipts (GET /v1/me/submissions?round=R).
func (c *Client) Submissions(ctx context.Context, round string) ([]api.SubmissionStatus, error) {
	var r []api.SubmissionStatus
	return r, c.getJSON(ctx, "/v1/me/submissions?round="+url.QueryEscape(round), true, &r)
}

// UploadFile uploads a candidate document (PUT /v1/files, a PDF).
func (c *Client) UploadFile(ctx context.Context, name string, pdf []byte) (*api.FileResponse, error) {
	var r api.FileResponse
	return &r, c.Do(ctx, http.MethodPut, "/v1/files?name="+url.QueryEscape(name), pdf, "application/pdf", true, &r)
}

// File downloads a candidate document by SHA-256 (GET /v1/files/{sha256}).
func (c *Client) File(ctx context.Context, sha256 string, w io.Writer) error {
	return c.Do(ctx, http.MethodGet, "/v1/files/"+url.PathEscape(sha256), nil, "", true, w)
}

// Candidates lists a poste's candidates for its RTS
// (GET /v1/rounds/{round}/candidates?poste=P).
func (c *Client) Candidates(ctx context.Context, round, poste string) (*api.CandidatesResponse, error) {
	var r api.CandidatesResponse
	path := fmt.Sprintf("/v1/rounds/%s/candidates?poste=%s", url.PathEscape(round), url.QueryEscape(poste))
	return &r, c.getJSON(ctx, path, true, &r)
}

// Result fetches the caller's signed result of a published round
// (GET /v1/rounds/{round}/result). Verify it with translog.Verifier.
func (c *Client) Result(ctx context.Context, round string) (*envelope.Envelope, error) {
	var buf bytes.Buffer
	if err := c.Do(ctx, http.MethodGet, "/v1/rounds/"+url.PathEscape(round)+"/result", nil, "", true, &buf); err != nil {
		return nil, err
	}
	return envelope.Decode(buf.Bytes())
}

// FullResult fetches the full signed result of a published round
// (GET /v1/rounds/{round}/result/full).
func (c *Client) FullResult(ctx context.Context, round string) (*envelope.Envelope, error) {
	var buf bytes.Buffer
	if err := c.Do(ctx, http.MethodGet, "/v1/rounds/"+url.PathEscape(round)+"/result/full", nil, "", true, &buf); err != nil {
		return nil, err
	}
	return decodeSigned(buf.Bytes())
}

// AuditBundle fetches the audit bundle of a published round
// (GET /v1/rounds/{round}/audit-bundle; auditors and admins).
func (c *Client) AuditBundle(ctx context.Context, round string) (*audit.Bundle, []byte, error) {
	var buf bytes.Buffer
	if err := c.Do(ctx, http.MethodGet, "/v1/rounds/"+url.PathEscape(round)+"/audit-bundle", nil, "", true, &buf); err != nil {
		return nil, nil, err
	}
	b, err := audit.Decode(buf.Bytes())
	return b, buf.Bytes(), err
}

// Checkpoint fetches the latest signed checkpoint (GET /v1/log/checkpoint).
func (c *Client) Checkpoint(ctx context.Context) (string, error) {
	var buf bytes.Buffer
	err := c.Do(ctx, http.MethodGet, "/v1/log/checkpoint", nil, "", false, &buf)
	return buf.String(), err
}

// InclusionProof fetches the proof that leaf index is in the tree of size
// (GET /v1/log/inclusion?index=I&size=N).
func (c *Client) InclusionProof(ctx context.Context, index, size int64) ([][]byte, error) {
	var r api.ProofResponse
	return r.Proof, c.getJSON(ctx, fmt.Sprintf("/v1/log/inclusion?index=%d&size=%d", index, size), false, &r)
}

// ConsistencyProof fetches the proof that the tree of size newer extends the
// tree of size older (GET /v1/log/consistency?old=M&new=N).
func (c *Client) ConsistencyProof(ctx context.Context, older, newer int64) ([][]byte, error) {
	var r api.ProofResponse
	return r.Proof, c.getJSON(ctx, fmt.Sprintf("/v1/log/consistency?old=%d&new=%d", older, newer), false, &r)
}
