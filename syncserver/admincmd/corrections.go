package admincmd

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"

	"appariement/shared/api"
	"appariement/shared/client"
	"appariement/syncserver/cmdrun"
)

// cmdCorrections lists the correction queue.
func (a *app) cmdCorrections() cmdrun.Command {
	var status, round string
	return remote(cmdrun.Command{
		Name:    "corrections",
		Summary: "liste la file des corrections ([-status open|…] [-round R])",
		Usage:   "[-status open|requested|accepted|applied|refused] [-round R]",
	}, func(fs *flag.FlagSet) {
		fs.StringVar(&status, "status", "open", "statut des demandes montrées (vide : toutes)")
		fs.StringVar(&round, "round", "", "ne montrer que ce tour")
	}, func(ctx context.Context, c *client.Client, _ []string) error {
		cs, err := c.Corrections(ctx, status, round)
		if err != nil {
			return fail("file des corrections", err)
		}
		tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "DEMANDE\tSTATUT\tOBJET\tCHAMP\tACTUEL\tPROPOSÉ\tDEMANDEUR\tEXPLICATION")
		for _, x := range cs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s (%s)\t%s\n", x.ID, x.Status, x.Target(), x.Field, x.Current, x.Proposed,
				x.Author, x.AuthorRole, x.Message)
		}
		tw.Flush()
		fmt.Fprintf(a.stdout, "%s.\n", count(len(cs), "demande", "demandes"))
		return nil
	})
}

// cmdDecide accepts, applies or refuses a correction request.
func (a *app) cmdDecide() cmdrun.Command {
	var status, reason, value string
	return remote(cmdrun.Command{
		Name:     "decide",
		Summary:  "décide d'une demande de correction : decide CR000001 -status accepted|applied|refused [-reason …] [-value …]",
		Usage:    "CR000001 -status accepted|applied|refused [-reason …] [-value …]",
		Args:     cmdrun.Exactly("CR000001"),
		Required: []string{"status"},
	}, func(fs *flag.FlagSet) {
		fs.StringVar(&status, "status", "", "décision : accepted, applied ou refused")
		fs.StringVar(&reason, "reason", "", "motif (obligatoire pour refuser, ou pour appliquer une « autre erreur »)")
		fs.StringVar(&value, "value", "", "valeur à appliquer à la place de la valeur proposée")
	}, func(ctx context.Context, c *client.Client, args []string) error {
		x, err := c.DecideCorrection(ctx, args[0], api.CorrectionDecision{Status: api.CorrectionStatus(status), Reason: reason, Value: value})
		if err != nil {
			return fail("décision sur "+args[0], err)
		}
		fmt.Fprintf(a.stdout, "Demande %s : %s.\n", x.ID, x.Status)
		return nil
	})
}
