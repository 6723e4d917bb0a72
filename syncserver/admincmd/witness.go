package admincmd

import (
	"fmt"

	"appariement/shared/api"
)

// cmdWitness registers a witness or sets the cosignatures a round needs:
//
//	syncserver admin witness add -name W -key "W+1234abcd+…"
//	syncserver admin witness require -round R1 -n 2
func cmdWitness(a *app, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(a.stderr, "Usage : syncserver admin witness add -name W -key CLÉ | require -round R -n N")
		return exitUsage
	}
	switch args[0] {
	case "add":
		f := a.newFlags("witness add", "witness add -name W -key CLÉ-DE-VÉRIFICATION", true)
		name := f.String("name", "", "nom du témoin (witness name)")
		key := f.String("key", "", "clé de vérification note du témoin, affichée par « syncserver witness keygen » (witness note verifier key)")
		_, c, code := f.connect(args[1:])
		if code >= 0 {
			return code
		}
		if code := f.need("name", *name, "key", *key); code >= 0 {
			return code
		}
		ctx, cancel := timeout()
		defer cancel()
		w, err := c.AddWitness(ctx, api.AddWitnessRequest{Name: *name, Key: *key})
		if err != nil {
			return f.fail("enregistrement du témoin "+*name, err)
		}
		fmt.Fprintf(a.stdout, "Témoin enregistré / witness registered: %s %s\n", w.Name, w.Key)
		return exitOK
	case "require":
		f := a.newFlags("witness require", "witness require -round R -n N", true)
		round := f.String("round", "", "tour (round)")
		n := f.Int("n", 0, "cosignatures de témoins exigées avant publication (witness cosignatures required before publishing)")
		_, c, code := f.connect(args[1:])
		if code >= 0 {
			return code
		}
		if code := f.need("round", *round); code >= 0 {
			return code
		}
		ctx, cancel := timeout()
		defer cancel()
		r, err := c.SetMinCosignatures(ctx, *round, *n)
		if err != nil {
			return f.fail("cosignatures exigées du tour "+*round, err)
		}
		fmt.Fprintf(a.stdout, "Le tour %s exige %d cosignature(s) / round %s requires %d cosignature(s)\n", r.ID, r.MinCosignatures, r.ID, r.MinCosignatures)
		return exitOK
	}
	fmt.Fprintf(a.stderr, "admin witness : sous-commande inconnue %q (unknown subcommand)\n", args[0])
	return exitUsage
}
