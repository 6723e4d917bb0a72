package translog

import (
	"crypto/ed25519"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"appariement/shared/api"
)

// A witness cosigns a checkpoint by adding its own note signature line
// (Ed25519, golang.org/x/mod/sumdb/note) over the same checkpoint text,
// after the server's. It does so only for a tree consistent with the last
// one it cosigned, so a checkpoint cosigned by a witness is one history
// that witness saw and vouched for: the server cannot show another one to
// some clients without forking from every witness it showed.

// NewWitnessSigner returns the note signer of a witness named name.
func NewWitnessSigner(name string, priv ed25519.PrivateKey) (note.Signer, error) {
	return NewSigner(name, priv)
}

// WitnessKey returns the note verifier key of the witness (name, pub), the
// string an admin registers (syncserver admin witness add -key).
func WitnessKey(name string, pub ed25519.PublicKey) (string, error) {
	return note.NewEd25519VerifierKey(name, pub)
}

// Cosign opens the server's checkpoint with v and returns it with the
// witness's signature added, and its tree.
func (v *Verifier) Cosign(checkpoint string, s note.Signer) (string, tlog.Tree, error) {
	n, err := note.Open([]byte(checkpoint), note.VerifierList(v.current()))
	if err != nil {
		return "", tlog.Tree{}, fmt.Errorf("cosign: %w", err)
	}
	tree, err := tlog.ParseTree([]byte(n.Text))
	if err != nil {
		return "", tlog.Tree{}, fmt.Errorf("cosign: %w", err)
	}
	// Keep the server's signature only: no third party's line is vouched for.
	signed, err := note.Sign(&note.Note{Text: n.Text, Sigs: n.Sigs}, s)
	if err != nil {
		return "", tlog.Tree{}, fmt.Errorf("cosign: %w", err)
	}
	return string(signed), tree, nil
}

// OpenCosigned checks a checkpoint signed by the server and cosigned by
// the witness w, and returns its tree.
func (v *Verifier) OpenCosigned(cosigned string, w api.Witness) (tlog.Tree, error) {
	wv, err := note.NewVerifier(w.Key)
	if err != nil {
		return tlog.Tree{}, fmt.Errorf("witness %s: %w", w.Name, err)
	}
	if wv.Name() != w.Name {
		return tlog.Tree{}, fmt.Errorf("witness %s: key is named %q", w.Name, wv.Name())
	}
	sv := v.current()
	n, err := note.Open([]byte(cosigned), note.VerifierList(sv, wv))
	if err != nil {
		return tlog.Tree{}, fmt.Errorf("cosigned checkpoint of %s: %w", w.Name, err)
	}
	var server, witness bool
	for _, s := range n.Sigs {
		server = server || (s.Name == sv.Name() && s.Hash == sv.KeyHash())
		witness = witness || (s.Name == wv.Name() && s.Hash == wv.KeyHash())
	}
	if !server {
		return tlog.Tree{}, fmt.Errorf("cosigned checkpoint of %s: no server signature", w.Name)
	}
	if !witness {
		return tlog.Tree{}, fmt.Errorf("cosigned checkpoint of %s: %w", w.Name, errors.New("no signature of the witness"))
	}
	tree, err := tlog.ParseTree([]byte(n.Text))
	if err != nil {
		return tlog.Tree{}, fmt.Errorf("cosigned checkpoint of %s: %w", w.Name, err)
	}
	return tree, nil
}
