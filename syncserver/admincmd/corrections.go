package admincmd

import (
	"fmt"
	"text/tabwriter"

	"appariement/shared/api"
)

// cmdCorrections lists the correction queue.
func cmdCorrections(a *app, args []string) int {
	f := a.newFlags("corrections", "corrections [-status open|requested|accepted|applied|refused] [-round R]", true)
	status := f.String("status", "open", "statut des demandes montrées (vide : toutes)")
	round := f.String("round", "", "ne montrer que ce tour")
	_, c, code := f.connect(args)
	if code >= 0 {
		return code
	}
	ctx, cancel := timeout()
	defer cancel()
	cs, err := c.Corrections(ctx, *status, *round)
	if err != nil {
		return f.fail("file des corrections", err)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DEMANDE\tSTATUT\tOBJET\tCHAMP\tACTUEL\tPROPOSÉ\tDEMANDEUR\tEXPLICATION")
	for _, x := range cs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s (%s)\t%s\n", x.ID, x.Status, x.Target(), x.Field, x.Current, x.Proposed,
			x.Author, x.AuthorRole, x.Message)
	}
	tw.Flush()
	fmt.Fprintf(a.stdout, "%d demande(s).\n", len(cs))
	return exitOK
}

// cmdDecide accepts, applies or refuses a correction request.
func cmdDecide(a *app, args []string) int {
	f := a.newFlags("decide", "decide CR000001 -status accepted|applied|refused [-reason …] [-value …]", true)
	status := f.String("status", "", "décision : accepted, applied ou refused")
	reason := f.String("reason", "", "motif (obligatoire pour refuser, ou pour appliquer une « autre erreur »)")
	value := f.String("value", "", "valeur à appliquer à la place de la valeur proposée")
	pos, c, code := f.connect(args, "CR000001")
	if code >= 0 {
		return code
	}
	if code := f.need("status", *status); code >= 0 {
		return code
	}
	ctx, cancel := timeout()
	defer cancel()
	x, err := c.DecideCorrection(ctx, pos[0], api.CorrectionDecision{Status: api.CorrectionStatus(*status), Reason: *reason, Value: *value})
	if err != nil {
		return f.fail("décision sur "+pos[0], err)
	}
	fmt.Fprintf(a.stdout, "Demande %s : %s.\n", x.ID, x.Status)
	return exitOK
}
