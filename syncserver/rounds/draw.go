package rounds

import (
	"crypto/rand"
	"fmt"

	"appariement/shared/draw"
	"appariement/syncserver/store"
)

// tieBreakType is the payload type under which the server signs a round's
// draw secret; nothing else is ever signed under it.
const tieBreakType = "application/vnd.appariement.tie-break-secret"

// deriveSecret is the secret of round's draw as the server's current key
// makes it: its Ed25519 signature, deterministic, of "appariement
// tie-break v1\n" and the round's id. Only the holder of the server's key
// can compute it.
func deriveSecret(st *store.Store, round string) []byte {
	env := st.Sign(tieBreakType, []byte("appariement tie-break v1\n"+round))
	return env.Signatures[0].Sig
}

func secretName(round string) string { return "tie-break/" + round }

// CommitDraw makes the secret of round's tie-breaking draw, keeps it in tx
// sealed under the server's key (store.SealSecret: a reader of the
// database alone cannot learn it, a key rotation seals it again) and
// returns its commitment (draw.Commit), recorded in the round when it is
// created, before any wish can arrive.
func CommitDraw(st *store.Store, tx store.Tx, round string) (string, error) {
	secret := deriveSecret(st, round)
	if err := st.SealSecret(tx, secretName(round), secret); err != nil {
		return "", fmt.Errorf("round %s: keep the draw's secret: %w", round, err)
	}
	return draw.Commit(secret), nil
}

// TieBreakSecret returns the secret of round's draw, revealed in the
// frozen input of a round with ties: the one kept at its creation
// (CommitDraw), which survives key rotations; for a round created before
// secrets were kept, the one the current key derives (a key rotated since
// then no longer matches its commitment, and Compute refuses the run).
func TieBreakSecret(st *store.Store, tx store.Tx, round string) ([]byte, error) {
	secret, err := st.OpenSecret(tx, secretName(round))
	if err != nil {
		return nil, fmt.Errorf("round %s: the draw's secret: %w", round, err)
	}
	if secret == nil {
		secret = deriveSecret(st, round)
	}
	return secret, nil
}

// callListSecretLen is the length of a call-list draw's secret, in bytes.
const callListSecretLen = 64

// newCallListSecret draws the secret of a round's call-list draw: 64
// random bytes (crypto/rand). Random rather than derived from the server's
// key (as the appariement's tie-break secret is, for rounds created before
// secrets were kept): nobody, the key's holder included, can know a
// round's seed before the round exists, so choosing the round's id cannot
// choose the seed.
func newCallListSecret() []byte {
	secret := make([]byte, callListSecretLen)
	rand.Read(secret) // never fails (crypto/rand, Go ≥ 1.24)
	return secret
}

func callListSecretName(round string) string { return "call-list/" + round }

// CommitCallListDraw makes the secret of round's call-list draw, keeps it
// in tx sealed under the server's key (as CommitDraw) and returns the
// commitment to the round's call-list seed (draw.CommitCallList of
// draw.CallListSeed), recorded in the round when it is created.
func CommitCallListDraw(st *store.Store, tx store.Tx, round string) (string, error) {
	secret := newCallListSecret()
	if err := st.SealSecret(tx, callListSecretName(round), secret); err != nil {
		return "", fmt.Errorf("round %s: keep the call list's secret: %w", round, err)
	}
	c, err := draw.CommitCallList(draw.CallListSeed(secret, round))
	if err != nil {
		return "", fmt.Errorf("round %s: commit the call list's draw: %w", round, err)
	}
	return c, nil
}

// CallListSeed returns the seed of round's call list, drawn at its
// creation (CommitCallListDraw): the same for every call list of the
// round, whoever computes it.
func CallListSeed(st *store.Store, tx store.Tx, round string) (string, error) {
	secret, err := st.OpenSecret(tx, callListSecretName(round))
	if err != nil {
		return "", fmt.Errorf("round %s: the call list's secret: %w", round, err)
	}
	if secret == nil {
		return "", fmt.Errorf("round %s: no call-list secret kept", round)
	}
	return draw.CallListSeed(secret, round), nil
}
