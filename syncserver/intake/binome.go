package intake

import (
	"context"
	"time"

	"appariement/shared/api"
	"appariement/shared/envelope"
	"appariement/shared/rules"
	"appariement/syncserver/rounds"
	"appariement/syncserver/store"
)

// BinomeKey is the poste slot under which the store keeps an intern's
// current binôme link (store.Current is keyed by round, author and poste):
// a control character, which no poste id may hold (api.CheckID), so that
// it never meets a ranking's or a wish list's slot.
const BinomeKey = "\x00binome"

// submitBinome accepts a signed binôme link (api.BinomeLink), by the same
// steps as a wish list: shape, the author's registered key, the round's
// rules (rules.CheckWindow, rules.CheckBinomeLink), then the group-committed
// append to the log. The current link of each author is kept under
// BinomeKey; the list it keeps is the partner followed by the joint list's
// postes, two by two.
func (in *Service) submitBinome(ctx context.Context, env *envelope.Envelope, now time.Time, admit func(author string) error) (Accepted, error) {
	link, err := api.DecodeBinomeLink(env.Payload)
	if err != nil {
		return Accepted{}, err
	}
	if link.Seq < 1 {
		return Accepted{}, api.Errorf(api.CodeMalformed, "numéro de séquence %d invalide (à partir de 1)",
			"invalid sequence number %d (starts at 1)", link.Seq)
	}
	var pub []byte
	err = in.st.View(func(tx store.Tx) error {
		pub, err = tx.PublicKey(link.Author)
		return err
	})
	if store.IsNotFound(err) {
		return Accepted{}, api.Errorf(api.CodeUnknownAuthor, "auteur %q inconnu ou non inscrit", "author %q unknown or not enrolled", link.Author)
	}
	if err != nil {
		return Accepted{}, err
	}
	env, err = env.SignedBy(pub)
	if err != nil {
		return Accepted{}, api.Errorf(api.CodeBadSignature, "la signature ne correspond pas à la clé enregistrée de %s",
			"the signature does not match the registered key of %s", link.Author)
	}
	if err := admit(link.Author); err != nil {
		return Accepted{}, err
	}
	list := []string{link.Partner}
	for _, pq := range link.Pairs {
		list = append(list, pq[0], pq[1])
	}
	current := store.Current{Round: link.Round, Author: link.Author, Poste: BinomeKey, PayloadType: api.BinomeType, Seq: link.Seq, List: list}
	err = in.st.View(func(tx store.Tx) error {
		rec, err := tx.Round(link.Round)
		if store.IsNotFound(err) {
			return rounds.UnknownRound(link.Round)
		}
		if err != nil {
			return err
		}
		if err := rules.CheckWindow(&rec.Round, api.BinomeType, now); err != nil {
			return err
		}
		author, err := tx.Person(link.Author)
		if err != nil {
			return err
		}
		partner, err := tx.Person(link.Partner)
		if link.Partner == "" || store.IsNotFound(err) {
			partner, err = nil, nil
		}
		if err != nil {
			return err
		}
		postes, err := in.cfg.Postes(tx, rec)
		if err != nil {
			return err
		}
		return rules.CheckBinomeLink(&rec.Round, author, partner, postes, func(id string) bool { return tx.IsEligible(rec.ID, id) }, link)
	})
	if err != nil {
		return Accepted{}, err
	}
	app, err := in.st.Append(ctx, &store.Pending{
		Env:     env,
		Current: current,
		Check: func(rec *store.RoundRecord, now time.Time) error {
			return rules.CheckWindow(&rec.Round, api.BinomeType, now)
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
