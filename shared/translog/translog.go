// Package translog defines the server's transparency log as clients see it:
// what a leaf holds, how checkpoints are signed, and how a client verifies a
// receipt, an inclusion proof or the consistency of two checkpoints. It uses
// golang.org/x/mod/sumdb/tlog and note, as Go's checksum database does, so an
// auditor can check everything with those packages alone.
package translog

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"appariement/shared/api"
	"appariement/shared/envelope"
)

const algEd25519 = 1 // note's algorithm byte for Ed25519

// LeafData is the data of the log leaf that records env accepted at
// serverTime. The server's time is inside the leaf, so the timestamp of a
// submission is as tamper-evident as the submission itself.
func LeafData(serverTime time.Time, env *envelope.Envelope) []byte {
	return LeafDataEncoded(serverTime, env.Encode())
}

// LeafDataEncoded is LeafData of an envelope already encoded (the bytes of
// env.Encode()), for a server that encodes each envelope once.
func LeafDataEncoded(serverTime time.Time, encoded []byte) []byte {
	const prefix = "appariement-leaf-v1\n"
	b := make([]byte, 0, len(prefix)+len(time.RFC3339Nano)+1+len(encoded))
	b = append(b, prefix...)
	b = serverTime.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, '\n')
	return append(b, encoded...)
}

// ParseLeaf splits the data of a leaf (LeafData) into the server's time and
// the envelope, refusing an envelope that is not in canonical form.
func ParseLeaf(data []byte) (time.Time, *envelope.Envelope, error) {
	rest, ok := bytes.CutPrefix(data, []byte("appariement-leaf-v1\n"))
	if !ok {
		return time.Time{}, nil, errors.New("leaf: unknown format")
	}
	ts, encoded, ok := bytes.Cut(rest, []byte("\n"))
	if !ok {
		return time.Time{}, nil, errors.New("leaf: no time line")
	}
	t, err := time.Parse(time.RFC3339Nano, string(ts))
	if err != nil {
		return time.Time{}, nil, fmt.Errorf("leaf: %w", err)
	}
	env, err := envelope.Decode(encoded)
	if err != nil {
		return time.Time{}, nil, fmt.Errorf("leaf: %w", err)
	}
	if !bytes.Equal(env.Encode(), encoded) {
		return time.Time{}, nil, errors.New("leaf: envelope is not in canonical form")
	}
	return t, env, nil
}

// LeafHash is the tlog record hash of LeafData(serverTime, env).
func LeafHash(serverTime time.Time, env *envelope.Envelope) tlog.Hash {
	return tlog.RecordHash(LeafData(serverTime, env))
}

func keyHash(name string, key []byte) uint32 {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte("\n"))
	h.Write(key)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

// NewSigner returns a note signer named name for the Ed25519 key priv, so the
// server signs checkpoints with the same key it signs results with.
func NewSigner(name string, priv ed25519.PrivateKey) (note.Signer, error) {
	pub := append([]byte{algEd25519}, priv.Public().(ed25519.PublicKey)...)
	seed := append([]byte{algEd25519}, priv.Seed()...)
	skey := fmt.Sprintf("PRIVATE+KEY+%s+%08x+%s", name, keyHash(name, pub), base64.StdEncoding.EncodeToString(seed))
	return note.NewSigner(skey)
}

// NoteKey returns the note verifier key of the server key (name, pub).
func NoteKey(name string, pub ed25519.PublicKey) (string, error) {
	return note.NewEd25519VerifierKey(name, pub)
}

// SignTree returns the signed checkpoint of tree.
func SignTree(s note.Signer, tree tlog.Tree) (string, error) {
	msg, err := note.Sign(&note.Note{Text: string(tlog.FormatTree(tree))}, s)
	if err != nil {
		return "", fmt.Errorf("sign checkpoint: %w", err)
	}
	return string(msg), nil
}

// Verifier checks what the server signs, against a pinned server key and
// the keys it replaced through proven rotations (RetiredKey), which still
// verify checkpoints of a tree no larger than the one of their rotation:
// old receipts and frozen checkpoints verify, a retired key cannot sign a
// longer history. It is safe for concurrent use; Adopt makes every holder
// of the Verifier follow a rotation at once.
type Verifier struct {
	mu      sync.RWMutex
	name    string
	pub     ed25519.PublicKey
	note    note.Verifier
	retired []retiredVerifier
}

// RetiredKey is a server key a client pinned before a proven rotation
// (FollowRotations): it still verifies checkpoints of at most UpTo leaves,
// the size of the first tree the client verified under the next key.
type RetiredKey struct {
	Key       api.ServerKey `json:"key"`
	UpTo      int64         `json:"up_to"`
	RetiredAt time.Time     `json:"retired_at"`
}

type retiredVerifier struct {
	note note.Verifier
	upTo int64
}

// NewVerifier returns a verifier for the pinned server key and, if any,
// the keys it replaced.
func NewVerifier(key api.ServerKey, retired ...RetiredKey) (*Verifier, error) {
	nv, err := noteVerifier(key)
	if err != nil {
		return nil, err
	}
	v := &Verifier{name: key.Name, pub: bytes.Clone(key.PublicKey), note: nv}
	for _, r := range retired {
		rv, err := noteVerifier(r.Key)
		if err != nil {
			return nil, fmt.Errorf("retired %w", err)
		}
		v.retired = append(v.retired, retiredVerifier{note: rv, upTo: r.UpTo})
	}
	return v, nil
}

func noteVerifier(key api.ServerKey) (note.Verifier, error) {
	if len(key.PublicKey) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("server key: %d bytes, want %d", len(key.PublicKey), ed25519.PublicKeySize)
	}
	vkey, err := NoteKey(key.Name, key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("server key: %w", err)
	}
	if key.NoteKey != "" && key.NoteKey != vkey {
		return nil, errors.New("server key: note key does not match the public key")
	}
	nv, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("server key: %w", err)
	}
	return nv, nil
}

// Adopt makes v verify as next does (its pinned key and retired keys),
// for every holder of v.
func (v *Verifier) Adopt(next *Verifier) {
	next.mu.RLock()
	name, pub, nv, retired := next.name, next.pub, next.note, slices.Clone(next.retired)
	next.mu.RUnlock()
	v.mu.Lock()
	v.name, v.pub, v.note, v.retired = name, pub, nv, retired
	v.mu.Unlock()
}

// Name returns the pinned server's name.
func (v *Verifier) Name() string {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.name
}

// PublicKey returns the pinned server key.
func (v *Verifier) PublicKey() ed25519.PublicKey {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.pub
}

func (v *Verifier) current() note.Verifier {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.note
}

// OpenCheckpoint verifies a signed checkpoint and returns its tree: signed
// by the pinned key, or by a retired key for a tree no larger than its
// UpTo.
func (v *Verifier) OpenCheckpoint(checkpoint string) (tlog.Tree, error) {
	v.mu.RLock()
	cur, retired := v.note, v.retired
	v.mu.RUnlock()
	n, err := note.Open([]byte(checkpoint), note.VerifierList(cur))
	if err != nil {
		for _, r := range retired {
			old, oerr := note.Open([]byte(checkpoint), note.VerifierList(r.note))
			if oerr != nil {
				continue
			}
			tree, perr := tlog.ParseTree([]byte(old.Text))
			if perr != nil {
				return tlog.Tree{}, fmt.Errorf("checkpoint: %w", perr)
			}
			if tree.N > r.upTo {
				return tlog.Tree{}, fmt.Errorf("checkpoint: signed by a retired server key for a tree of %d leaves, larger than the %d of its rotation", tree.N, r.upTo)
			}
			return tree, nil
		}
		return tlog.Tree{}, fmt.Errorf("checkpoint: %w", err)
	}
	tree, err := tlog.ParseTree([]byte(n.Text))
	if err != nil {
		return tlog.Tree{}, fmt.Errorf("checkpoint: %w", err)
	}
	return tree, nil
}

// VerifyInclusion checks that leaf hash h is leaf index of the tree of the
// signed checkpoint, with the given proof.
func (v *Verifier) VerifyInclusion(checkpoint string, index int64, h tlog.Hash, proof [][]byte) error {
	tree, err := v.OpenCheckpoint(checkpoint)
	if err != nil {
		return err
	}
	if index < 0 || index >= tree.N {
		return fmt.Errorf("inclusion: index %d outside a tree of size %d", index, tree.N)
	}
	p, err := hashes(proof)
	if err != nil {
		return fmt.Errorf("inclusion: %w", err)
	}
	if err := tlog.CheckRecord(p, tree.N, tree.Hash, index, h); err != nil {
		return fmt.Errorf("inclusion of leaf %d: %w", index, err)
	}
	return nil
}

// VerifyReceipt checks that r proves env was accepted: the checkpoint is
// signed by the server, and the leaf (server time + env) is included in it.
func (v *Verifier) VerifyReceipt(env *envelope.Envelope, r *api.Receipt) error {
	if r.Digest != env.Digest() {
		return errors.New("receipt: digest does not match the envelope")
	}
	return v.VerifyInclusion(r.Checkpoint, r.Index, LeafHash(r.ServerTime, env), r.Proof)
}

// VerifyConsistency checks that the tree of checkpoint newer extends the
// tree of checkpoint older (the log was only appended to).
func (v *Verifier) VerifyConsistency(older, newer string, proof [][]byte) error {
	t1, err := v.OpenCheckpoint(older)
	if err != nil {
		return err
	}
	t2, err := v.OpenCheckpoint(newer)
	if err != nil {
		return err
	}
	if t1.N > t2.N {
		return fmt.Errorf("consistency: older tree size %d > newer %d", t1.N, t2.N)
	}
	p, err := hashes(proof)
	if err != nil {
		return fmt.Errorf("consistency: %w", err)
	}
	if err := tlog.CheckTree(p, t2.N, t2.Hash, t1.N, t1.Hash); err != nil {
		return fmt.Errorf("consistency %d→%d: %w", t1.N, t2.N, err)
	}
	return nil
}

// VerifyEnvelope checks an envelope signed by the server itself (results,
// call lists) and returns its payload.
func (v *Verifier) VerifyEnvelope(env *envelope.Envelope, payloadType string) ([]byte, error) {
	if env.PayloadType != payloadType {
		return nil, fmt.Errorf("server envelope: payload type %q, want %q", env.PayloadType, payloadType)
	}
	if err := env.Verify(v.PublicKey()); err != nil {
		return nil, fmt.Errorf("server envelope: %w", err)
	}
	return env.Payload, nil
}

func hashes(proof [][]byte) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(proof))
	for i, b := range proof {
		if len(b) != tlog.HashSize {
			return nil, fmt.Errorf("proof hash %d has %d bytes", i, len(b))
		}
		copy(out[i][:], b)
	}
	return out, nil
}

// ProofBytes converts tlog hashes to the wire form of api.Receipt.Proof.
func ProofBytes(p []tlog.Hash) [][]byte {
	out := make([][]byte, len(p))
	for i := range p {
		out[i] = p[i][:]
	}
	return out
}
