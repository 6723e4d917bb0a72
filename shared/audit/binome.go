package audit

import (
	"slices"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"appariement/shared/api"
	"appariement/shared/frozen"
	"appariement/shared/translog"
)

// checkBinomes checks that each binôme of the frozen input comes from two
// signed links of the bundle: each in the frozen tree, signed by its
// author's key of the time, for the round, the two answering each other
// (api.LinksMatch) and giving the binôme the input holds.
func checkBinomes(b *Bundle, in *frozen.Input, v *translog.Verifier, tree tlog.Tree) error {
	if len(in.Binomes) == 0 {
		return nil
	}
	keys := map[string][]Key{}
	for _, k := range b.Keys {
		keys[k.Person] = append(keys[k.Person], k)
	}
	leaves := map[int64]Leaf{}
	for _, l := range b.Leaves {
		leaves[l.Index] = l
	}
	for _, bn := range in.Binomes {
		var links [2]*api.BinomeLink
		for s, index := range bn.Envelopes {
			author := bn.Interns[s]
			bad := func(fr, en string, args ...any) *Discrepancy {
				d := discrepancy(KindEnvelope, "lien de binôme n° %d de %s : "+fr, "binôme link %d by %s: "+en,
					append([]any{index, author}, args...)...)
				d.Index, d.Intern = index, author
				return d
			}
			l, ok := leaves[index]
			switch {
			case !ok:
				return bad("absent du dossier alors que l'entrée figée le nomme", "missing from the bundle although the frozen input names it")
			case index >= tree.N:
				return bad("après le point de contrôle figé (taille %d)", "after the frozen checkpoint (size %d)", tree.N)
			}
			if err := v.VerifyInclusion(b.FrozenCheckpoint, l.Index, tlog.RecordHash(l.Data), l.Proof); err != nil {
				return bad("pas dans le journal au point figé : %v", "not in the log at the frozen checkpoint: %v", err)
			}
			at, env, err := translog.ParseLeaf(l.Data)
			if err != nil {
				return bad("feuille illisible : %v", "unreadable leaf: %v", err)
			}
			if env.PayloadType != api.BinomeType {
				return bad("enveloppe de type %q", "envelope of type %q", env.PayloadType)
			}
			link, err := api.DecodeBinomeLink(env.Payload)
			if err != nil {
				return bad("contenu illisible : %v", "unreadable payload: %v", err)
			}
			if link.Round != in.Round.ID || link.Author != author {
				return bad("son contenu (tour %s, auteur %s) n'est pas ce que dit l'entrée figée",
					"its content (round %s, author %s) is not what the frozen input says", link.Round, link.Author)
			}
			if !SignedAt(env, keys[author], at) {
				return bad("la signature ne vérifie avec aucune clé de l'auteur valable le %s",
					"the signature verifies with none of the author's keys valid on %s", at.UTC().Format(time.RFC3339))
			}
			links[s] = link
		}
		c := links[0].Canonical()
		if !api.LinksMatch(links[0], links[1]) || c.Interns != bn.Interns || !slices.Equal(c.Pairs, bn.Pairs) {
			d := discrepancy(KindInput, "binôme %s + %s : les deux liens signés ne donnent pas le binôme de l'entrée figée",
				"binôme %s + %s: the two signed links do not give the frozen input's binôme", bn.Interns[0], bn.Interns[1])
			d.Intern = bn.Interns[0]
			return d
		}
	}
	return nil
}
