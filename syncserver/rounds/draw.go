package rounds

import (
	"appariement/shared/draw"
	"appariement/syncserver/store"
)

// tieBreakType is the payload type under which the server signs a round's
// draw secret; nothing else is ever signed under it.
const tieBreakType = "application/vnd.appariement.tie-break-secret"

// TieBreakSecret returns the secret of round's tie-breaking draw: the
// server's Ed25519 signature, deterministic, of "appariement tie-break
// v1\n" and the round's id. Only the holder of the server's key can compute
// it, every node of the server can recompute it, and it needs no storage;
// it is revealed in the frozen input of a round with ties. A rotation of
// the server's key changes it: a round created before the rotation and
// frozen after it no longer matches its commitment (Compute refuses it).
func TieBreakSecret(st *store.Store, round string) []byte {
	env := st.Sign(tieBreakType, []byte("appariement tie-break v1\n"+round))
	return env.Signatures[0].Sig
}

// TieBreakCommitment returns the commitment to round's draw
// (draw.Commit of TieBreakSecret), recorded in the round when it is created,
// before any wish can arrive.
func TieBreakCommitment(st *store.Store, round string) string {
	return draw.Commit(TieBreakSecret(st, round))
}
