// Package draw is the published random draw of a round, which breaks the ties (ex aequo) of
// its wish lists and rankings so that the result stays reproducible by anyone.
//
// The scheme is commit, then reveal:
//
//  1. Before the wishes close, the organiser picks a random secret and publishes
//     Commit(secret), the hexadecimal SHA-256 of the secret behind a domain-separation
//     prefix. Nobody can guess the secret from it, and the organiser can no longer change it.
//  2. Once the round's input is frozen (the transparency log's root hash at the freeze is
//     known to everyone), the organiser reveals the secret. Anyone checks it with
//     Verify(commitment, secret) and computes the round's seed,
//     Seed(secret, rootHash) = hex SHA-256(prefix || len(secret) || secret || rootHash):
//     it depends on the frozen wishes and rankings, which were fixed before the secret was
//     known, and on a secret fixed before the wishes closed, so neither the organiser nor a
//     participant could steer it.
//  3. The seed is the instance's tie_break. Each intern gets one lottery number,
//     InternKey(seed, id), the same at every poste (single tie-breaking): candidates ranked
//     ex aequo by an RTS are ordered by it, smallest first. Each poste gets one,
//     PosteKey(seed, id), the same for every intern: postes an intern listed ex aequo are
//     ordered by it. Both are HMAC-SHA256 keyed by the seed's 32 bytes over a
//     domain-separated id, so they are as unpredictable as the seed and independent of one
//     another.
//
// The package is pure: no clock, no I/O, no randomness of its own (the caller draws the
// secret, for instance with crypto/rand).
package draw

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Domain-separation prefixes: each hash of the scheme has its own, so that no value of one
// kind can be passed off as another.
const (
	commitPrefix = "appariement/draw/commit/v1\x00"
	seedPrefix   = "appariement/draw/seed/v1\x00"
	internPrefix = "appariement/draw/intern/v1\x00"
	postePrefix  = "appariement/draw/poste/v1\x00"
)

// SeedHexLen is the length of a seed (a tie_break) in hexadecimal: 32 bytes.
const SeedHexLen = 2 * sha256.Size

// MinSecretBytes is the shortest secret Verify accepts: 16 bytes, 128 bits of entropy at
// most, out of reach of a search over all secrets.
const MinSecretBytes = 16

// Commit returns the commitment to secret, published before the wishes close: the
// hexadecimal SHA-256 of the commitment prefix followed by the secret.
func Commit(secret []byte) string {
	h := sha256.New()
	h.Write([]byte(commitPrefix))
	h.Write(secret)
	return hex.EncodeToString(h.Sum(nil))
}

// Seed returns the round's seed (its tie_break) from the revealed secret and the root hash of
// the frozen log, as written in the round's frozen input: the hexadecimal SHA-256 of the
// seed prefix, the secret's length (8 bytes, big-endian), the secret and the bytes of
// rootHash. The length makes the split between secret and root hash unambiguous.
func Seed(secret []byte, rootHash string) string {
	h := sha256.New()
	h.Write([]byte(seedPrefix))
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(secret)))
	h.Write(n[:])
	h.Write(secret)
	h.Write([]byte(rootHash))
	return hex.EncodeToString(h.Sum(nil))
}

// Verify checks that secret is the one committed to by commitment (Commit's hexadecimal,
// in either case). The error is in French, then English.
func Verify(commitment string, secret []byte) error {
	want, err := hex.DecodeString(strings.TrimSpace(commitment))
	if err != nil || len(want) != sha256.Size {
		return fmt.Errorf("engagement du tirage %q invalide : %d chiffres hexadécimaux attendus / invalid draw commitment %q: %d hex digits expected",
			commitment, SeedHexLen, commitment, SeedHexLen)
	}
	if len(secret) < MinSecretBytes {
		return fmt.Errorf("secret du tirage trop court (%d octets, au moins %d) / draw secret too short (%d bytes, at least %d)",
			len(secret), MinSecretBytes, len(secret), MinSecretBytes)
	}
	got, _ := hex.DecodeString(Commit(secret))
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return errors.New("le secret révélé ne correspond pas à l'engagement publié / the revealed secret does not match the published commitment")
	}
	return nil
}

// CheckSeed reports whether seed is a valid seed: exactly SeedHexLen hexadecimal digits.
// The error is in French, then English.
func CheckSeed(seed string) error {
	if len(seed) != SeedHexLen {
		return fmt.Errorf("tirage au sort %q invalide : %d chiffres hexadécimaux attendus, %d reçus / invalid draw seed %q: %d hex digits expected, got %d",
			seed, SeedHexLen, len(seed), seed, SeedHexLen, len(seed))
	}
	if _, err := hex.DecodeString(seed); err != nil {
		return fmt.Errorf("tirage au sort %q invalide : caractère non hexadécimal / invalid draw seed %q: not hexadecimal", seed, seed)
	}
	return nil
}

// InternKey returns the lottery number of an intern under seed: HMAC-SHA256 keyed by the
// seed's bytes over the intern prefix and the id. It is the same at every poste (single
// tie-breaking); among candidates ranked ex aequo, the smallest key comes first.
func InternKey(seed, internID string) [32]byte {
	return key(seed, internPrefix, internID)
}

// PosteKey returns the lottery number of a poste under seed: HMAC-SHA256 keyed by the seed's
// bytes over the poste prefix and the id. It is the same for every intern; among postes an
// intern listed ex aequo, the smallest key comes first.
func PosteKey(seed, posteID string) [32]byte {
	return key(seed, postePrefix, posteID)
}

// key is the HMAC of prefix||id keyed by the seed's bytes (its hexadecimal decoded; a seed
// that is not valid hexadecimal, which validation refuses, is used as it is written).
func key(seed, prefix, id string) [32]byte {
	k, err := hex.DecodeString(seed)
	if err != nil {
		k = []byte(seed)
	}
	m := hmac.New(sha256.New, k)
	m.Write([]byte(prefix))
	m.Write([]byte(id))
	var out [32]byte
	m.Sum(out[:0])
	return out
}

// The call list's draw (choix au rang).
//
// The ties of a call list (interns with the same seniority and the same classement) are
// broken by TieKey(seed, intern) of the list's seed (shared/calllist.Compute). The seed is
// not chosen by anyone: the server makes a secret when it creates a choix-au-rang round
// (64 random bytes, kept sealed under the server's key), derives the round's call-list seed from it, CallListSeed(secret, round), and
// publishes with the round, before any call list can be computed, only its commitment
// CommitCallList(seed). Every call list of the round (every preview, every version) then has
// the same seed, so an admin cannot compute list after list and publish the one that
// favours someone; anyone holding a published list checks its seed against the round's
// commitment with CheckDraw.
//
// Why a commitment of its own rather than a value derived from the round's appariement
// draw (Round.TieBreakCommitment) with another label: that draw exists only in an
// appariement round, its secret stays hidden until the input is frozen (revealing it earlier
// would let a participant steer the seed Seed(secret, rootHash) by what it submits), and
// a call list is published long before, for the simulation des choix. A derived seed could
// only be checked after the freeze; a separate commitment to the seed itself lets every
// intern check the published list at once, and revealing it discloses nothing of any other
// draw (its own prefixes, its own secret).
//
// The commitment is to the seed itself (32 bytes from a hash of a 64-byte secret, out of
// reach of a search), so a published list reveals what the check needs and nothing more.
// What the commitment does not prevent: the server's key holder knows the seed from the
// round's creation, so the commitment proves the seed was fixed then, not that it was
// drawn fairly; the secret is random, drawn when the round is created, so nobody can know
// a round's seed before it exists, nor choose it by choosing the round's id.

const (
	callListSeedPrefix   = "appariement/draw/call-list-seed/v1\x00"
	callListCommitPrefix = "appariement/draw/call-list-commit/v1\x00"
)

// CallListSeed returns the call-list seed of round from the server's secret: the hexadecimal
// SHA-256 of the call-list seed prefix, the secret's length (8 bytes, big-endian), the
// secret and the round's id.
func CallListSeed(secret []byte, round string) string {
	h := sha256.New()
	h.Write([]byte(callListSeedPrefix))
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(secret)))
	h.Write(n[:])
	h.Write(secret)
	h.Write([]byte(round))
	return hex.EncodeToString(h.Sum(nil))
}

// CommitCallList returns the commitment to a call-list seed, published with the round: the
// hexadecimal SHA-256 of the call-list commitment prefix and the seed's 32 bytes. It
// refuses a seed that is not SeedHexLen hexadecimal digits (CheckSeed).
func CommitCallList(seed string) (string, error) {
	if err := CheckSeed(seed); err != nil {
		return "", err
	}
	b, _ := hex.DecodeString(seed)
	h := sha256.New()
	h.Write([]byte(callListCommitPrefix))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// CheckDraw checks the seed of a published call list against the round's commitment
// (domain.Round.CallListCommitment): the seed must be SeedHexLen hexadecimal digits and
// CommitCallList(seed) the commitment (in either case). The error is in French, then
// English.
func CheckDraw(commitment, seed string) error {
	want, err := hex.DecodeString(strings.TrimSpace(commitment))
	if err != nil || len(want) != sha256.Size {
		return fmt.Errorf("engagement du tirage de la liste d'appel %q invalide : %d chiffres hexadécimaux attendus / invalid call-list draw commitment %q: %d hex digits expected",
			commitment, SeedHexLen, commitment, SeedHexLen)
	}
	c, err := CommitCallList(seed)
	if err != nil {
		return err
	}
	got, _ := hex.DecodeString(c)
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return errors.New("la graine de la liste d'appel ne correspond pas à l'engagement publié avec le tour / the call list's seed does not match the commitment published with the round")
	}
	return nil
}
