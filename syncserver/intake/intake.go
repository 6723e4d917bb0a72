// Package intake accepts signed submissions (wish lists, rankings and
// binôme links)
// into the transparency log: the envelope is decoded and its author's
// signature verified against the registered key, its shape checked, then
// the round's window, the author's rights and eligibility, and the postes,
// interns and attachments it names, all before and outside the write
// transaction; the append is group-committed (store.Append, which checks
// the window again at the leaf's time) and the receipt is answered only
// once it is on disk. The same envelope again gets its first receipt,
// whatever the window now.
package intake

import (
	"context"
	"errors"
	"slices"
	"time"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/shared/rules"
	"appariement/syncserver/candidates"
	"appariement/syncserver/rounds"
	"appariement/syncserver/store"
)

// Config configures the intake.
type Config struct {
	// Postes returns the postes of rec's round at its catalogue version,
	// read with tx (the caller's cache by catalogue version); the map is
	// not modified.
	Postes func(tx store.Tx, rec *store.RoundRecord) (map[string]*domain.Poste, error)
	// Clock is the server's clock.
	Clock func() time.Time
	// CheckClock refuses (clock_behind) when now reads before the last log
	// leaf: such a clock judges no window.
	CheckClock func(now time.Time) error
}

// Service accepts submissions into a store.
type Service struct {
	st         *store.Store
	cfg        Config
	candidates candidates.Index
}

// New returns the intake of st.
func New(st *store.Store, cfg Config) *Service { return &Service{st: st, cfg: cfg} }

// Accepted is the answer to an accepted submission.
type Accepted struct {
	Receipt *api.Receipt
	// Again: the very same envelope was in the log already (the receipt
	// is its first one).
	Again bool
}

// Submit accepts the signed envelope body (a wish list or a ranking)
// received at now. admit, called once the author is known and the
// signature verified, may refuse the author (the caller's rate limit; it
// also learns who the author is).
func (in *Service) Submit(ctx context.Context, body []byte, now time.Time, admit func(author string) error) (Accepted, error) {
	env, err := envelope.Decode(body)
	if err != nil {
		if errors.Is(err, envelope.ErrUnsigned) {
			return Accepted{}, api.Errorf(api.CodeUnsigned, "l'enveloppe n'est pas signée", "the envelope is not signed")
		}
		return Accepted{}, api.Errorf(api.CodeMalformed, "enveloppe invalide : %v", "malformed envelope: %v", err)
	}
	if env.PayloadType != api.WishListType && env.PayloadType != api.RankingType && env.PayloadType != api.BinomeType {
		return Accepted{}, api.Errorf(api.CodeMalformed, "type de contenu %q inconnu", "unknown payload type %q", env.PayloadType)
	}
	// The very same envelope again: its first receipt, whatever the window
	// now (an outbox retrying after the deadline must get its proof).
	if rc, err := in.receiptOf(env.Digest()); err != nil || rc != nil {
		return Accepted{Receipt: rc, Again: true}, err
	}
	// A clock behind the last leaf judges no window (checked again, exactly,
	// in the transaction that appends).
	if err := in.cfg.CheckClock(in.cfg.Clock()); err != nil {
		return Accepted{}, err
	}
	if env.PayloadType == api.BinomeType {
		return in.submitBinome(ctx, env, now, admit)
	}
	sub, err := api.DecodeSubmission(env.Payload)
	if err != nil {
		return Accepted{}, api.Errorf(api.CodeMalformed, "contenu invalide : %v", "malformed payload: %v", err)
	}
	if err := checkSubmissionShape(env.PayloadType, sub); err != nil {
		return Accepted{}, err
	}
	var pub []byte
	err = in.st.View(func(tx store.Tx) error {
		pub, err = tx.PublicKey(sub.Author)
		return err
	})
	if store.IsNotFound(err) {
		return Accepted{}, api.Errorf(api.CodeUnknownAuthor, "auteur %q inconnu ou non inscrit", "author %q unknown or not enrolled", sub.Author)
	}
	if err != nil {
		return Accepted{}, err
	}
	// What is logged is the author's signed content with the author's
	// signature alone: a signature added by whoever relayed the envelope
	// changes neither its digest nor the bytes in the log.
	env, err = env.SignedBy(pub)
	if err != nil {
		return Accepted{}, api.Errorf(api.CodeBadSignature, "la signature ne correspond pas à la clé enregistrée de %s",
			"the signature does not match the registered key of %s", sub.Author)
	}
	if err := admit(sub.Author); err != nil {
		return Accepted{}, err
	}
	var current store.Current
	err = in.st.View(func(tx store.Tx) error {
		var err error
		current, err = in.validate(tx, env.PayloadType, sub, now)
		return err
	})
	if err != nil {
		return Accepted{}, err
	}
	app, err := in.st.Append(ctx, &store.Pending{
		Env:     env,
		Current: current,
		Check: func(rec *store.RoundRecord, now time.Time) error {
			return rules.CheckWindow(&rec.Round, env.PayloadType, now)
		},
	})
	if err != nil {
		return Accepted{}, err
	}
	rc, err := in.st.AppendedReceipt(app)
	if err != nil {
		return Accepted{}, err
	}
	return Accepted{Receipt: (*api.Receipt)(rc), Again: app.Again}, nil
}

// receiptOf returns the receipt of an envelope already in the log, or nil.
func (in *Service) receiptOf(digest string) (*api.Receipt, error) {
	var acc *store.Accepted
	err := in.st.View(func(tx store.Tx) error {
		var err error
		acc, err = tx.AcceptedDigest(digest)
		return err
	})
	if err != nil || acc == nil {
		return nil, err
	}
	rc, err := in.st.Receipt(acc.Index, acc.ServerTime, digest)
	return (*api.Receipt)(rc), err
}

// checkSubmissionShape checks what needs no store: ids, sizes, duplicates.
func checkSubmissionShape(payloadType string, sub *api.Submission) error {
	if err := api.CheckID("tour / round", sub.Round); err != nil {
		return err
	}
	if err := api.CheckID("auteur / author", sub.Author); err != nil {
		return err
	}
	if sub.Seq < 1 {
		return api.Errorf(api.CodeMalformed, "numéro de séquence %d invalide (à partir de 1)",
			"invalid sequence number %d (starts at 1)", sub.Seq)
	}
	switch payloadType {
	case api.WishListType:
		if sub.Poste != "" {
			return api.Errorf(api.CodeMalformed, "une liste de vœux ne nomme pas de poste (%q)",
				"a wish list names no poste (%q)", sub.Poste)
		}
	case api.RankingType:
		if err := api.CheckID("poste", sub.Poste); err != nil {
			return err
		}
		if len(sub.Attachments) > 0 {
			return api.Errorf(api.CodeMalformed, "un classement n'a pas de pièces jointes", "a ranking has no attachments")
		}
	}
	if len(sub.List) > api.MaxListLength {
		return api.Errorf(api.CodeTooLarge, "liste trop longue (%d éléments, maximum %d)",
			"list too long (%d items, at most %d)", len(sub.List), api.MaxListLength)
	}
	for i := range sub.Attachments {
		// The upload's rules, for every attachment of a signed list: a
		// list is signed by its author, not vetted by anyone.
		if err := sub.Attachments[i].Check(); err != nil {
			return err
		}
	}
	if len(sub.Attachments) > api.MaxAttachments {
		return api.Errorf(api.CodeTooLarge, "trop de pièces jointes (%d, maximum %d)",
			"too many attachments (%d, at most %d)", len(sub.Attachments), api.MaxAttachments)
	}
	seen := make(map[string]bool, len(sub.List))
	for _, id := range sub.List {
		if err := api.CheckID("identifiant de la liste / list item", id); err != nil {
			return err
		}
		if seen[id] {
			return api.Errorf(api.CodeDuplicate, "%s figure deux fois dans la liste", "%s appears twice in the list", id)
		}
		seen[id] = true
	}
	return nil
}

// validate checks a submission against the store: round and window, the
// author's rights, the postes, interns and attachments it names. It
// returns what the store will keep as the author's current submission.
func (in *Service) validate(tx store.Tx, payloadType string, sub *api.Submission, now time.Time) (store.Current, error) {
	cur := store.Current{Round: sub.Round, Author: sub.Author, Poste: sub.Poste, PayloadType: payloadType,
		Seq: sub.Seq, List: sub.List, Attachments: storeAttachments(sub.Attachments)}
	rec, err := tx.Round(sub.Round)
	if store.IsNotFound(err) {
		return cur, rounds.UnknownRound(sub.Round)
	}
	if err != nil {
		return cur, err
	}
	author, err := tx.Person(sub.Author)
	if err != nil {
		return cur, err
	}
	if err := rules.CheckWindow(&rec.Round, payloadType, now); err != nil {
		return cur, err
	}
	postes, err := in.cfg.Postes(tx, rec)
	if err != nil {
		return cur, err
	}
	if payloadType == api.WishListType {
		if err := rules.CheckWishTies(&rec.Round, &domain.WishList{Round: sub.Round, Intern: sub.Author, Postes: sub.List, Ranks: sub.Ranks}); err != nil {
			return cur, err
		}
		return cur, validateWishList(tx, &rec.Round, postes, author, sub)
	}
	if err := rules.CheckRankingTies(&rec.Round, &domain.Ranking{Round: sub.Round, Poste: sub.Poste, Interns: sub.List, Ranks: sub.Ranks}); err != nil {
		return cur, err
	}
	return cur, in.validateRanking(tx, &rec.Round, postes, author, sub, now)
}

func validateWishList(tx store.Tx, r *domain.Round, postes map[string]*domain.Poste, intern *domain.Person, sub *api.Submission) error {
	if intern.Role != domain.RoleIntern {
		return api.Errorf(api.CodeForbidden, "seul un interne dépose une liste de vœux (%s est %s)",
			"only an intern submits a wish list (%s is %s)", intern.ID, intern.Role)
	}
	if !tx.IsEligible(r.ID, intern.ID) {
		return api.Errorf(api.CodeForbidden, "%s ne participe pas au tour %s", "%s does not take part in round %s", intern.ID, r.ID)
	}
	for _, id := range sub.List {
		p, ok := postes[id]
		if !ok {
			return api.Errorf(api.CodeUnknownPoste, "le poste %s n'existe pas dans le tour %s",
				"poste %s does not exist in round %s", id, r.ID)
		}
		if err := rules.CheckWish(r.ID, intern, p); err != nil {
			return err
		}
	}
	for _, a := range sub.Attachments {
		fi, err := tx.FileOf(intern.ID, a.SHA256)
		if store.IsNotFound(err) {
			return api.Errorf(api.CodeUnknownAttachment, "la pièce jointe %s (%s) n'a pas été déposée par %s",
				"attachment %s (%s) was not uploaded by %s", a.Name, a.SHA256, intern.ID)
		}
		if err != nil {
			return err
		}
		if a.Size != fi.Size {
			return api.Errorf(api.CodeMalformed, "la pièce jointe %s annonce %d octets, le fichier déposé en a %d",
				"attachment %s claims %d bytes, the uploaded file has %d", a.SHA256, a.Size, fi.Size)
		}
	}
	return nil
}

func (in *Service) validateRanking(tx store.Tx, r *domain.Round, postes map[string]*domain.Poste, rts *domain.Person, sub *api.Submission, now time.Time) error {
	if rts.Role != domain.RoleRTS {
		return api.Errorf(api.CodeForbidden, "seul un RTS dépose un classement (%s est %s)",
			"only an RTS submits a ranking (%s is %s)", rts.ID, rts.Role)
	}
	p, ok := postes[sub.Poste]
	if !ok {
		return api.Errorf(api.CodeUnknownPoste, "le poste %s n'existe pas dans le tour %s",
			"poste %s does not exist in round %s", sub.Poste, r.ID)
	}
	if p.RTS != rts.ID {
		return api.Errorf(api.CodeForbidden, "le poste %s n'est pas sous votre responsabilité", "poste %s is not yours to rank", sub.Poste)
	}
	if p.Closed {
		return api.Errorf(api.CodePosteClosed, "le poste %s a été retiré du tour %s",
			"poste %s was withdrawn from round %s", sub.Poste, r.ID)
	}
	for _, id := range sub.List {
		p, err := tx.Person(id)
		if store.IsNotFound(err) || (err == nil && p.Role != domain.RoleIntern) {
			return api.Errorf(api.CodeUnknownIntern, "l'interne %s n'existe pas", "intern %s does not exist", id)
		}
		if err != nil {
			return err
		}
		wl, err := store.CurrentOfAuthor(tx, r.ID, id, api.WishListType)
		if err != nil && !store.IsNotFound(err) {
			return err
		}
		if wl == nil || !slices.Contains(wl.List, sub.Poste) {
			return api.Errorf(api.CodeNotCandidate, "l'interne %s n'a pas demandé le poste %s",
				"intern %s did not list poste %s", id, sub.Poste)
		}
	}
	if r.MinRankingCoverage > 0 {
		n, err := in.candidates.Count(tx, r, sub.Poste, now)
		if err != nil {
			return err
		}
		return rules.CheckRankingCoverage(r, sub.Poste, len(sub.List), n)
	}
	return nil
}

// storeAttachments converts a submission's attachments for storing.
func storeAttachments(in []api.Attachment) []store.Attachment {
	if in == nil {
		return nil
	}
	out := make([]store.Attachment, len(in))
	for i, a := range in {
		out[i] = store.Attachment(a)
	}
	return out
}
