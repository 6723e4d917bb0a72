package translog

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"appariement/shared/api"
	"appariement/shared/envelope"
)

// memLog is a minimal in-memory tlog for tests.
type memLog struct{ hashes []tlog.Hash }

func (m *memLog) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		out[i] = m.hashes[x]
	}
	return out, nil
}

func (m *memLog) append(t *testing.T, n int64, data []byte) {
	hs, err := tlog.StoredHashes(n, data, m)
	if err != nil {
		t.Fatal(err)
	}
	m.hashes = append(m.hashes, hs...)
}

func serverKey(t *testing.T) (ed25519.PrivateKey, api.ServerKey) {
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))
	pub := priv.Public().(ed25519.PublicKey)
	vkey, err := NoteKey("appariement.test", pub)
	if err != nil {
		t.Fatal(err)
	}
	return priv, api.ServerKey{Name: "appariement.test", PublicKey: pub, NoteKey: vkey, Fingerprint: envelope.Fingerprint(pub)}
}

func TestReceiptAndConsistency(t *testing.T) {
	priv, key := serverKey(t)
	signer, err := NewSigner(key.Name, priv)
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(key)
	if err != nil {
		t.Fatal(err)
	}
	author := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, 32))
	log := &memLog{}
	var envs []*envelope.Envelope
	var times []time.Time
	var checkpoints []string
	base := time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)
	for i := int64(0); i < 13; i++ {
		e := envelope.Sign(author, api.WishListType, fmt.Appendf(nil, `{"seq":%d}`, i+1))
		ts := base.Add(time.Duration(i) * time.Second)
		log.append(t, i, LeafData(ts, e))
		envs, times = append(envs, e), append(times, ts)
		th, err := tlog.TreeHash(i+1, log)
		if err != nil {
			t.Fatal(err)
		}
		cp, err := SignTree(signer, tlog.Tree{N: i + 1, Hash: th})
		if err != nil {
			t.Fatal(err)
		}
		checkpoints = append(checkpoints, cp)
	}
	last := checkpoints[len(checkpoints)-1]
	for i, e := range envs {
		p, err := tlog.ProveRecord(int64(len(envs)), int64(i), log)
		if err != nil {
			t.Fatal(err)
		}
		r := &api.Receipt{Index: int64(i), ServerTime: times[i], Digest: e.Digest(), Checkpoint: last, Proof: ProofBytes(p)}
		if err := v.VerifyReceipt(e, r); err != nil {
			t.Fatalf("receipt %d: %v", i, err)
		}
		// Tampering with any part must fail.
		bad := *r
		bad.ServerTime = bad.ServerTime.Add(time.Nanosecond)
		if v.VerifyReceipt(e, &bad) == nil {
			t.Errorf("receipt %d: shifted server time accepted", i)
		}
		bad = *r
		bad.Index = (bad.Index + 1) % int64(len(envs))
		if v.VerifyReceipt(e, &bad) == nil {
			t.Errorf("receipt %d: wrong index accepted", i)
		}
		if v.VerifyReceipt(envs[(i+1)%len(envs)], r) == nil {
			t.Errorf("receipt %d: other envelope accepted", i)
		}
	}
	for old := 1; old <= len(checkpoints); old++ {
		p, err := tlog.ProveTree(int64(len(envs)), int64(old), log)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.VerifyConsistency(checkpoints[old-1], last, ProofBytes(p)); err != nil {
			t.Fatalf("consistency %d: %v", old, err)
		}
	}
	// A checkpoint signed by another key is refused.
	otherPriv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{8}, 32))
	other, _ := NewSigner(key.Name, otherPriv)
	forged, _ := SignTree(other, tlog.Tree{N: 1, Hash: log.hashes[0]})
	if _, err := v.OpenCheckpoint(forged); err == nil {
		t.Error("checkpoint signed by another key accepted")
	}
	// Server-signed envelopes.
	res := envelope.Sign(priv, api.ResultType, []byte(`{}`))
	if _, err := v.VerifyEnvelope(res, api.ResultType); err != nil {
		t.Errorf("server envelope: %v", err)
	}
	if _, err := v.VerifyEnvelope(res, api.PersonalResultType); err == nil {
		t.Error("wrong payload type accepted")
	}
	if _, err := v.VerifyEnvelope(envelope.Sign(otherPriv, api.ResultType, []byte(`{}`)), api.ResultType); err == nil {
		t.Error("result signed by another key accepted")
	}
	// A note key that does not match the public key is refused.
	key.NoteKey = "appariement.test+00000000+AQ=="
	if _, err := NewVerifier(key); err == nil {
		t.Error("mismatched note key accepted")
	}
}

// TestLeafDataEncoded: the leaf built from an envelope already encoded is
// byte for byte the leaf of the envelope (one format, whoever builds it),
// and it parses back to the same time and envelope.
func TestLeafDataEncoded(t *testing.T) {
	priv, _ := serverKey(t)
	env := envelope.Sign(priv, api.WishListType, []byte(`{"round":"R1","author":"I1","seq":1,"list":["P1"]}`))
	at := time.Date(2026, 12, 7, 14, 0, 0, 123456789, time.FixedZone("Paris", 3600))
	want := []byte("appariement-leaf-v1\n2026-12-07T13:00:00.123456789Z\n" + string(env.Encode()))
	if got := LeafData(at, env); !bytes.Equal(got, want) {
		t.Fatalf("LeafData:\n%s\nwant\n%s", got, want)
	}
	if got := LeafDataEncoded(at, env.Encode()); !bytes.Equal(got, want) {
		t.Fatalf("LeafDataEncoded:\n%s\nwant\n%s", got, want)
	}
	ts, back, err := ParseLeaf(want)
	if err != nil || !ts.Equal(at) || !bytes.Equal(back.Encode(), env.Encode()) {
		t.Fatalf("ParseLeaf: %v %v %v", ts, back, err)
	}
}
