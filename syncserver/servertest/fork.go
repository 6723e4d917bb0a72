package servertest

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"sync"

	"golang.org/x/mod/sumdb/tlog"

	"appariement/shared/api"
	"appariement/shared/translog"
	"appariement/syncserver/store"
)

// ForkMode says how a ForkingTransport lies about the log.
type ForkMode int

// The lies of a ForkingTransport, on GET /v1/log/checkpoint.
const (
	Honest   ForkMode = iota // pass everything through
	Fork                     // a tree of another history (one more leaf, another hash), signed with the server's key
	SameSize                 // the real size with another hash
	Rollback                 // the checkpoint of an older, smaller tree
)

// ForkingTransport is an http.RoundTripper in front of the real server
// that, in the mode set, answers GET /v1/log/checkpoint with a checkpoint
// of another history, signed with the server's own key: what a server
// showing different histories to different people would do. Everything
// else comes from the real server, except, in mode Fork, the consistency
// proofs, which are of the forked history (random hashes here).
type ForkingTransport struct {
	Env  *Env
	Base http.RoundTripper // http.DefaultTransport if nil

	mu   sync.Mutex
	mode ForkMode
}

// SetMode sets how the transport lies from now on.
func (f *ForkingTransport) SetMode(m ForkMode) {
	f.mu.Lock()
	f.mode = m
	f.mu.Unlock()
}

// RoundTrip implements http.RoundTripper.
func (f *ForkingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	base := f.Base
	if base == nil {
		base = http.DefaultTransport
	}
	f.mu.Lock()
	mode := f.mode
	f.mu.Unlock()
	st := f.Env.Server.Store()
	if mode == Fork && r.Method == http.MethodGet && r.URL.Path == "/v1/log/consistency" {
		// The forked history's "proof": hashes of nothing this log holds.
		proof := make([][]byte, 3)
		for i := range proof {
			h := sha256.Sum256([]byte("forged proof " + strconv.Itoa(i)))
			proof[i] = h[:]
		}
		body, _ := json.Marshal(api.ProofResponse{Proof: proof})
		return respond(r, "application/json", body), nil
	}
	if mode == Honest || r.Method != http.MethodGet || r.URL.Path != "/v1/log/checkpoint" {
		return base.RoundTrip(r)
	}
	_, tree, err := st.Checkpoint()
	if err != nil {
		return nil, err
	}
	switch mode {
	case Fork:
		tree = tlog.Tree{N: tree.N + 1, Hash: sha256.Sum256([]byte("another history " + strconv.FormatInt(tree.N, 10)))}
	case SameSize:
		tree.Hash = sha256.Sum256([]byte("same size, another history"))
	case Rollback:
		if tree.N > 0 {
			if err := st.View(func(tx store.Tx) error {
				tree.N--
				tree.Hash, err = store.TreeHash(tx, tree.N)
				return err
			}); err != nil {
				return nil, err
			}
		}
	}
	// The server's own signing key, from its key file (DBPath + ".key").
	priv, err := f.Env.signingKey()
	if err != nil {
		return nil, err
	}
	signer, err := translog.NewSigner(st.ServerKey().Name, priv)
	if err != nil {
		return nil, err
	}
	text, err := translog.SignTree(signer, tree)
	if err != nil {
		return nil, err
	}
	return respond(r, "text/plain; charset=utf-8", []byte(text)), nil
}

func respond(r *http.Request, contentType string, body []byte) *http.Response {
	return &http.Response{StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:  http.Header{"Content-Type": {contentType}},
		Body:    io.NopCloser(bytes.NewReader(body)),
		Request: r, ContentLength: int64(len(body))}
}
