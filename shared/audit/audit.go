// Package audit is what an auditor needs to re-run a round without trusting
// the server: the audit bundle (Bundle) and its verification (Verify).
//
// A bundle holds the round's frozen input document (shared/frozen), every
// envelope that document names as the leaf of the transparency log that
// recorded it, with its inclusion proof in the frozen checkpoint, the keys
// their authors had registered, the frozen checkpoint and a later one with
// the consistency proof between them, and the server-signed result. Verify
// checks every signature and proof, that the document is the one whose
// digest the result signs, re-runs the matching with shared/match and
// compares it with the signed result, assignment by assignment. The first
// discrepancy is returned as a *Discrepancy naming what is wrong.
package audit

import (
	"bytes"
	"cmp"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/draw"
	"appariement/shared/envelope"
	"appariement/shared/frozen"
	"appariement/shared/translog"
)

// BundleVersion is the version of the bundle format.
const BundleVersion = 1

// Bundle is the audit bundle of a matched and published round.
type Bundle struct {
	Version int    `json:"version"`
	Round   string `json:"round"`
	// ServerKey is the key that signs the checkpoints and the result. An
	// auditor compares its fingerprint with the one the server publishes.
	ServerKey api.ServerKey `json:"server_key"`
	// Input is the canonical frozen input document, byte for byte.
	Input []byte `json:"input"`
	// Result is the server-signed full result (api.ResultType).
	Result *envelope.Envelope `json:"result"`
	// FrozenCheckpoint is the signed checkpoint the round was frozen at;
	// Checkpoint a signed checkpoint of the log when the bundle was made,
	// and Consistency the proof that it extends the frozen one.
	FrozenCheckpoint string   `json:"frozen_checkpoint"`
	Checkpoint       string   `json:"checkpoint"`
	Consistency      [][]byte `json:"consistency"`
	// Leaves are the log leaves of the envelopes the input names.
	Leaves []Leaf `json:"leaves"`
	// Keys are the keys of the envelopes' authors, as registered.
	Keys []Key `json:"keys"`
	// TieBreakCommitment is the commitment to the round's draw the server
	// published with the round before its wishes opened (the round API
	// shows it); a frozen input with ties must reveal a secret matching
	// it. Empty for a round without a draw.
	TieBreakCommitment string `json:"tie_break_commitment,omitempty"`
	// CallListCommitment is the commitment to the call list's seed the
	// server published with a choix au rang when it created it (the round
	// API shows it); the frozen input's call list must carry it, and its
	// seed must match it (draw.CheckDraw). Empty for a round without one.
	CallListCommitment string `json:"call_list_commitment,omitempty"`
}

// Leaf is one log leaf and its inclusion proof in the frozen checkpoint.
type Leaf struct {
	Index int64    `json:"index"`
	Data  []byte   `json:"data"` // translog.LeafData: server time and envelope
	Proof [][]byte `json:"proof"`
}

// Key is a public key a person registered, and when it was valid.
type Key struct {
	Person     string            `json:"person"`
	PublicKey  ed25519.PublicKey `json:"public_key"`
	Registered time.Time         `json:"registered"`
	Revoked    time.Time         `json:"revoked,omitzero"`
}

// Decode parses a bundle.
func Decode(data []byte) (*Bundle, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var b Bundle
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("audit bundle: %w", err)
	}
	if b.Version != BundleVersion {
		return nil, fmt.Errorf("audit bundle: version %d, want %d", b.Version, BundleVersion)
	}
	if b.Result == nil {
		return nil, errors.New("audit bundle: no signed result")
	}
	return &b, nil
}

// Kind classifies a discrepancy.
type Kind string

// The kinds of discrepancy Verify reports.
const (
	KindServerKey   Kind = "server_key"  // the bundle's key is not the expected one
	KindResult      Kind = "result"      // the signed result does not verify
	KindCheckpoint  Kind = "checkpoint"  // a checkpoint does not verify or does not match
	KindConsistency Kind = "consistency" // the later checkpoint does not extend the frozen one
	KindInput       Kind = "input"       // the input document is not the one signed, or malformed
	KindEnvelope    Kind = "envelope"    // an envelope is missing, not in the log, or not its author's
	KindMatching    Kind = "matching"    // the re-run differs from the signed result
	KindWhyNot      Kind = "why_not"     // the signed "why not" differs from the recomputed one
	KindDraw        Kind = "draw"        // the revealed draw does not match the round's published commitment
)

// Discrepancy is what Verify found wrong, in French and English, with what
// it concerns.
type Discrepancy struct {
	Kind      Kind
	Message   string // French
	MessageEN string
	Index     int64  // the envelope's log index, -1 if none
	Intern    string // the intern concerned, if any
	Poste     string // the poste concerned, if any
}

func (d *Discrepancy) Error() string { return d.MessageEN }

func discrepancy(kind Kind, fr, en string, args ...any) *Discrepancy {
	return &Discrepancy{Kind: kind, Message: fmt.Sprintf(fr, args...), MessageEN: fmt.Sprintf(en, args...), Index: -1}
}

// Report is what an honest bundle shows.
type Report struct {
	Round       string
	Procedure   domain.Procedure
	TreeSize    int64 // of the frozen checkpoint
	LatestSize  int64 // of the later checkpoint
	InputDigest string
	Envelopes   int
	Postes      int
	Interns     int
	Assigned    int
	Unmatched   int
	// TieBreakCommitment and TieBreak are the round's published draw
	// commitment and the seed recomputed from its revealed secret and the
	// frozen root hash, when the round had ties (empty otherwise): the
	// auditor compares the commitment with the one published with the
	// round.
	TieBreakCommitment, TieBreak string
	// CallListCommitment and CallListSeed are the commitment published
	// with a choix au rang to its call list's seed and the seed of the
	// call list followed, checked against it (empty without one).
	CallListCommitment, CallListSeed string
}

// Verify checks a bundle (see the package comment). expected, if not nil,
// is the server key the auditor expects (pinned, or published by the
// ministry); otherwise the bundle's own key is used and only its
// fingerprint, in the report's caller, ties it to the server.
func Verify(b *Bundle, expected ed25519.PublicKey) (*Report, error) {
	if expected != nil && !bytes.Equal(expected, b.ServerKey.PublicKey) {
		return nil, discrepancy(KindServerKey, "la clé du dossier (%s) n'est pas celle du serveur attendu (%s)",
			"the bundle's key (%s) is not the expected server's (%s)",
			envelope.Fingerprint(b.ServerKey.PublicKey), envelope.Fingerprint(expected))
	}
	v, err := translog.NewVerifier(b.ServerKey)
	if err != nil {
		return nil, discrepancy(KindServerKey, "clé du serveur invalide : %v", "invalid server key: %v", err)
	}
	payload, err := v.VerifyEnvelope(b.Result, api.ResultType)
	if err != nil {
		return nil, discrepancy(KindResult, "le résultat n'est pas signé par le serveur : %v",
			"the result is not signed by the server: %v", err)
	}
	var res domain.Result
	if err := json.Unmarshal(payload, &res); err != nil {
		return nil, discrepancy(KindResult, "résultat signé illisible : %v", "unreadable signed result: %v", err)
	}
	if res.Round != b.Round {
		return nil, discrepancy(KindResult, "le résultat signé est celui du tour %s, pas du tour %s",
			"the signed result is round %s's, not round %s's", res.Round, b.Round)
	}
	// The frozen checkpoint: signed, the one the result names, and extended
	// by the later one.
	frozenTree, err := v.OpenCheckpoint(b.FrozenCheckpoint)
	if err != nil {
		return nil, discrepancy(KindCheckpoint, "le point de contrôle figé ne vérifie pas : %v",
			"the frozen checkpoint does not verify: %v", err)
	}
	if b.FrozenCheckpoint != res.Checkpoint || frozenTree.N != res.TreeSize {
		return nil, discrepancy(KindCheckpoint, "le point de contrôle figé du dossier n'est pas celui que nomme le résultat signé",
			"the bundle's frozen checkpoint is not the one the signed result names")
	}
	latest, err := v.OpenCheckpoint(b.Checkpoint)
	if err != nil {
		return nil, discrepancy(KindCheckpoint, "le point de contrôle récent ne vérifie pas : %v",
			"the latest checkpoint does not verify: %v", err)
	}
	if err := v.VerifyConsistency(b.FrozenCheckpoint, b.Checkpoint, b.Consistency); err != nil {
		return nil, discrepancy(KindConsistency,
			"le journal a été réécrit : le point de contrôle récent (taille %d) ne prolonge pas le point figé (taille %d) : %v",
			"the log was rewritten: the latest checkpoint (size %d) does not extend the frozen one (size %d): %v",
			latest.N, frozenTree.N, err)
	}
	// The input document: the one signed, in canonical form, at the frozen
	// checkpoint.
	if got := frozen.Digest(b.Input); got != res.InputDigest {
		return nil, discrepancy(KindInput, "l'entrée figée du dossier (empreinte %s) n'est pas celle que signe le résultat (%s)",
			"the bundle's frozen input (digest %s) is not the one the result signs (%s)", short(got), short(res.InputDigest))
	}
	in, err := frozen.Decode(b.Input)
	if err != nil {
		return nil, discrepancy(KindInput, "entrée figée illisible : %v", "unreadable frozen input: %v", err)
	}
	if in.Round.ID != res.Round || in.TreeSize != frozenTree.N || in.RootHash != frozenTree.Hash.String() {
		return nil, discrepancy(KindInput, "l'entrée figée ne correspond pas au tour ou au point de contrôle figé",
			"the frozen input does not match the round or the frozen checkpoint")
	}
	lists, err := checkEnvelopes(b, in, v, frozenTree)
	if err != nil {
		return nil, err
	}
	if err := checkBinomes(b, in, v, frozenTree); err != nil {
		return nil, err
	}
	// The re-run.
	l, err := in.ListsOf(lists)
	if err != nil {
		return nil, discrepancy(KindInput, "entrée figée incohérente : %v", "inconsistent frozen input: %v", err)
	}
	seed, err := checkDraw(b, in, l)
	if err != nil {
		return nil, err
	}
	if err := checkCallListDraw(b, in); err != nil {
		return nil, err
	}
	assigned, unmatched, err := in.ComputeOf(l)
	if err != nil {
		return nil, discrepancy(KindMatching, "le recalcul échoue : %v", "the re-run fails: %v", err)
	}
	if err := compare(assigned, unmatched, &res); err != nil {
		return nil, err
	}
	if err := checkWhyNot(in, l, assigned, &res); err != nil {
		return nil, err
	}
	rep := &Report{Round: res.Round, Procedure: res.Procedure, TreeSize: frozenTree.N, LatestSize: latest.N,
		InputDigest: res.InputDigest, Envelopes: len(in.Envelopes), Postes: len(in.Postes), Interns: len(in.Interns),
		Assigned: len(res.Assignments), Unmatched: len(res.Unmatched)}
	if seed != "" {
		rep.TieBreakCommitment, rep.TieBreak = in.Round.TieBreakCommitment, seed
	}
	if b.CallListCommitment != "" && in.CallList != nil {
		rep.CallListCommitment, rep.CallListSeed = b.CallListCommitment, in.CallList.Seed
	}
	return rep, nil
}

// checkDraw checks the draw a frozen input with ties reveals: its
// commitment is the round's (the bundle's, published with the round), the
// secret matches it (draw.Verify), and it returns the seed recomputed from
// the secret and the frozen root hash (draw.Seed), which the re-run uses;
// "" when no list has a tie.
func checkDraw(b *Bundle, in *frozen.Input, l *frozen.Lists) (string, error) {
	r := in.Round
	if !l.HasTies() {
		return "", nil
	}
	if r.TieBreakCommitment == "" || r.TieBreakCommitment != b.TieBreakCommitment {
		return "", discrepancy(KindDraw, "l'engagement du tirage au sort de l'entrée figée (%s) n'est pas celui publié avec le tour (%s)",
			"the draw commitment of the frozen input (%s) is not the one published with the round (%s)",
			short(r.TieBreakCommitment), short(b.TieBreakCommitment))
	}
	secret, err := hex.DecodeString(r.TieBreakSecret)
	if err == nil {
		err = draw.Verify(r.TieBreakCommitment, secret)
	} else {
		err = fmt.Errorf("secret non hexadécimal / secret not hexadecimal: %w", err)
	}
	if err != nil {
		return "", discrepancy(KindDraw, "le secret révélé du tirage au sort ne correspond pas à son engagement : %v",
			"the revealed draw secret does not match its commitment: %v", err)
	}
	return draw.Seed(secret, in.RootHash), nil
}

// checkCallListDraw checks the seed of the call list a frozen choix au
// rang follows: when the round was published with a commitment to its
// call list's seed (the bundle's), the input carries the same commitment
// and the list's seed matches it (draw.CheckDraw), so that no admin chose
// the order of the interns tied on seniority and classement.
func checkCallListDraw(b *Bundle, in *frozen.Input) error {
	if b.CallListCommitment == "" || in.CallList == nil {
		return nil
	}
	if c := in.Round.CallListCommitment; c != b.CallListCommitment {
		return discrepancy(KindDraw, "l'engagement du tirage de la liste d'appel de l'entrée figée (%s) n'est pas celui publié avec le tour (%s)",
			"the call-list draw commitment of the frozen input (%s) is not the one published with the round (%s)",
			short(c), short(b.CallListCommitment))
	}
	if err := draw.CheckDraw(b.CallListCommitment, in.CallList.Seed); err != nil {
		return discrepancy(KindDraw, "la graine de la liste d'appel ne correspond pas à son engagement : %v",
			"the call list's seed does not match its commitment: %v", err)
	}
	return nil
}

// checkEnvelopes checks that the bundle holds exactly the envelopes the
// input names, each included in the frozen tree, signed by its author's
// key of the time, and as the input describes it; it returns their lists
// by log index.
func checkEnvelopes(b *Bundle, in *frozen.Input, v *translog.Verifier, tree tlog.Tree) (map[int64]frozen.List, error) {
	keys := map[string][]Key{}
	for _, k := range b.Keys {
		keys[k.Person] = append(keys[k.Person], k)
	}
	leaves := map[int64]Leaf{}
	for _, l := range b.Leaves {
		leaves[l.Index] = l
	}
	lists := map[int64]frozen.List{}
	seen := map[[2]string]int64{}
	for _, e := range in.Envelopes {
		bad := func(fr, en string, args ...any) *Discrepancy {
			d := discrepancy(KindEnvelope, "enveloppe n° %d de %s : "+fr, "envelope %d by %s: "+en,
				append([]any{e.Index, e.Author}, args...)...)
			d.Index, d.Poste = e.Index, e.Poste
			if e.PayloadType == api.WishListType {
				d.Intern = e.Author
			}
			return d
		}
		k := [2]string{e.Author, e.Poste}
		if prev, dup := seen[k]; dup {
			return nil, bad("l'entrée figée nomme aussi l'enveloppe n° %d pour le même auteur", "the frozen input also names envelope %d for the same author", prev)
		}
		seen[k] = e.Index
		l, ok := leaves[e.Index]
		if !ok {
			return nil, bad("absente du dossier alors que l'entrée figée la nomme", "missing from the bundle although the frozen input names it")
		}
		if l.Index >= tree.N {
			return nil, bad("après le point de contrôle figé (taille %d)", "after the frozen checkpoint (size %d)", tree.N)
		}
		if err := v.VerifyInclusion(b.FrozenCheckpoint, l.Index, tlog.RecordHash(l.Data), l.Proof); err != nil {
			return nil, bad("pas dans le journal au point figé : %v", "not in the log at the frozen checkpoint: %v", err)
		}
		at, env, err := translog.ParseLeaf(l.Data)
		if err != nil {
			return nil, bad("feuille illisible : %v", "unreadable leaf: %v", err)
		}
		if env.Digest() != e.Digest || env.PayloadType != e.PayloadType {
			return nil, bad("le journal contient une autre enveloppe que celle que nomme l'entrée figée", "the log holds another envelope than the one the frozen input names")
		}
		sub, err := api.DecodeSubmission(env.Payload)
		if err != nil {
			return nil, bad("contenu illisible : %v", "unreadable payload: %v", err)
		}
		if sub.Round != in.Round.ID || sub.Author != e.Author || sub.Poste != e.Poste || sub.Seq != e.Seq {
			return nil, bad("son contenu (tour %s, auteur %s, poste %q, séquence %d) n'est pas ce que dit l'entrée figée",
				"its content (round %s, author %s, poste %q, sequence %d) is not what the frozen input says",
				sub.Round, sub.Author, sub.Poste, sub.Seq)
		}
		if !SignedAt(env, keys[sub.Author], at) {
			return nil, bad("la signature ne vérifie avec aucune clé de l'auteur valable le %s",
				"the signature verifies with none of the author's keys valid on %s", at.UTC().Format(time.RFC3339))
		}
		lists[e.Index] = frozen.List{Items: sub.List, Ranks: sub.Ranks}
	}
	return lists, nil
}

// SignedAt reports whether env is signed by one of keys valid at time at
// (registered by then and not yet revoked): the one rule by which the
// server freezing a round and an auditor verifying it accept an envelope.
func SignedAt(env *envelope.Envelope, keys []Key, at time.Time) bool {
	for _, k := range keys {
		if at.Before(k.Registered) || (!k.Revoked.IsZero() && at.After(k.Revoked)) {
			continue
		}
		if env.Verify(k.PublicKey) == nil {
			return true
		}
	}
	return false
}

// compare checks the re-run against the signed result, intern by intern.
func compare(assigned []domain.Assignment, unmatched []string, res *domain.Result) error {
	want := map[string]string{}
	for _, a := range assigned {
		want[a.Intern] = a.Poste
	}
	got := map[string]string{}
	for _, a := range res.Assignments {
		if _, dup := got[a.Intern]; dup {
			d := discrepancy(KindMatching, "le résultat signé attribue deux postes à l'interne %s",
				"the signed result assigns two postes to intern %s", a.Intern)
			d.Intern = a.Intern
			return d
		}
		got[a.Intern] = a.Poste
	}
	interns := slices.Collect(func(yield func(string) bool) {
		for id := range want {
			if !yield(id) {
				return
			}
		}
		for id := range got {
			if _, ok := want[id]; !ok && !yield(id) {
				return
			}
		}
	})
	slices.SortFunc(interns, cmp.Compare)
	for _, id := range interns {
		w, g := want[id], got[id]
		if w == g {
			continue
		}
		d := discrepancy(KindMatching, "interne %s : le résultat signé dit %s, le recalcul donne %s",
			"intern %s: the signed result says %s, the re-run gives %s", id, posteOrNone(g, "fr"), posteOrNone(w, "fr"))
		d.MessageEN = fmt.Sprintf("intern %s: the signed result says %s, the re-run gives %s", id, posteOrNone(g, "en"), posteOrNone(w, "en"))
		d.Intern, d.Poste = id, cmp.Or(g, w)
		return d
	}
	u1, u2 := slices.Sorted(slices.Values(unmatched)), slices.Sorted(slices.Values(res.Unmatched))
	if !slices.Equal(u1, u2) {
		return discrepancy(KindMatching, "la liste des internes sans poste du résultat signé diffère du recalcul",
			"the signed result's list of unmatched interns differs from the re-run")
	}
	return nil
}

// checkWhyNot recomputes the "why not" of every intern from the frozen input
// and compares it with the signed one, reason by reason. A result signed
// before the field existed has none and is not checked.
func checkWhyNot(in *frozen.Input, l *frozen.Lists, assigned []domain.Assignment, res *domain.Result) error {
	if res.WhyNot == nil {
		return nil
	}
	want, err := in.WhyNotOf(l, assigned)
	if err != nil {
		return discrepancy(KindWhyNot, "le recalcul des « pourquoi pas » échoue : %v", "recomputing the \"why not\" fails: %v", err)
	}
	for k := range max(len(want), len(res.WhyNot)) {
		var w, g domain.WhyNot
		if k < len(want) {
			w = want[k]
		}
		if k < len(res.WhyNot) {
			g = res.WhyNot[k]
		}
		if w == g {
			continue
		}
		who := cmp.Or(g, w)
		d := discrepancy(KindWhyNot, "interne %s, vœu n° %d (%s) : le « pourquoi pas » signé (%s) n'est pas celui du recalcul (%s)",
			"intern %s, wish %d (%s): the signed \"why not\" (%s) is not the recomputed one (%s)",
			who.Intern, who.Wish, who.Poste, describeWhyNot(g), describeWhyNot(w))
		d.Intern, d.Poste = who.Intern, who.Poste
		return d
	}
	return nil
}

func describeWhyNot(w domain.WhyNot) string {
	if w.Kind == "" {
		return "-"
	}
	return fmt.Sprintf("%s %d, %d, %d", w.Kind, w.Filled, w.LastRank, w.YourRank)
}

func posteOrNone(p, lang string) string {
	switch {
	case p != "" && lang == "fr":
		return "le poste " + p
	case p != "":
		return "poste " + p
	case lang == "fr":
		return "aucun poste"
	}
	return "no poste"
}

func short(digest string) string {
	if len(digest) > 16 {
		return digest[:16] + "…"
	}
	return digest
}
