package admincmd

import (
	"context"
	"flag"
	"fmt"

	"appariement/shared/api"
	"appariement/shared/client"
	"appariement/shared/plural"
	"appariement/syncserver/adminconn"
	"appariement/syncserver/cmdrun"
)

// cmdWitness registers a witness or sets the cosignatures a round needs:
//
//	syncserver admin witness add -name W -key "W+1234abcd+…"
//	syncserver admin witness require -round R1 -n 2
func (a *app) cmdWitness() cmdrun.Command {
	return cmdrun.Command{
		Name:    "witness",
		Summary: "témoins du journal : add -name W -key CLÉ | require -round R -n N",
		Usage:   "add -name W -key CLÉ [-admin-key admin.key] | require -round R -n N",
		Sub:     []cmdrun.Command{a.witnessAdd(), a.witnessRequire()},
	}
}

// witnessAdd registers a witness. Its -key is the witness's verifier key,
// as documented; the admin's key file is -admin-key (default
// $APPARIEMENT_ADMIN_KEY).
func (a *app) witnessAdd() cmdrun.Command {
	var name, key string
	var conn adminconn.Flags
	return cmdrun.Command{
		Name:     "add",
		Summary:  "enregistre un témoin : add -name W -key CLÉ-DE-VÉRIFICATION [-admin-key admin.key]",
		Usage:    "-name W -key CLÉ-DE-VÉRIFICATION [-admin-key admin.key]",
		Required: []string{"name", "key", "server", "id", "admin-key"},
		Timeout:  requestTimeout,
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&name, "name", "", "nom du témoin (witness name)")
			fs.StringVar(&key, "key", "", "clé de vérification note du témoin, affichée par « syncserver witness keygen » (witness note verifier key)")
			conn.RegisterKeyAs(fs, "admin-key")
		},
		Run: func(ctx context.Context, _ []string) error {
			c, err := conn.Client()
			if err != nil {
				return err
			}
			w, err := c.AddWitness(ctx, api.AddWitnessRequest{Name: name, Key: key})
			if err != nil {
				return fail("enregistrement du témoin "+name, err)
			}
			fmt.Fprintf(a.stdout, "Témoin enregistré / witness registered: %s %s\n", w.Name, w.Key)
			return nil
		},
	}
}

func (a *app) witnessRequire() cmdrun.Command {
	var round string
	var n int
	return remote(cmdrun.Command{
		Name:     "require",
		Summary:  "exige N cosignatures avant publication : require -round R -n N",
		Usage:    "-round R -n N",
		Required: []string{"round"},
	}, func(fs *flag.FlagSet) {
		fs.StringVar(&round, "round", "", "tour (round)")
		fs.IntVar(&n, "n", 0, "cosignatures de témoins exigées avant publication (witness cosignatures required before publishing)")
	}, func(ctx context.Context, c *client.Client, _ []string) error {
		r, err := c.SetMinCosignatures(ctx, round, n)
		if err != nil {
			return fail("cosignatures exigées du tour "+round, err)
		}
		m := r.MinCosignatures
		fmt.Fprintf(a.stdout, "Le tour %s exige %s / round %s requires %d %s\n", r.ID, count(m, "cosignature", "cosignatures"), r.ID, m, plural.EN(m, "cosignature", "cosignatures"))
		return nil
	})
}
