package admincmd

import (
	"context"
	"flag"
	"fmt"

	"appariement/shared/api"
	"appariement/shared/client"
	"appariement/shared/paris"
	"appariement/syncserver/cmdrun"
)

// cmdAudit prints the audit log.
func (a *app) cmdAudit() cmdrun.Command {
	var after uint64
	var limit int
	return remote(cmdrun.Command{
		Name:    "audit",
		Summary: "affiche le journal d'audit ([-after N] [-limit N])",
		Usage:   "[-after N] [-limit N]",
	}, func(fs *flag.FlagSet) {
		fs.Uint64Var(&after, "after", 0, "n'afficher que les entrées après ce numéro")
		fs.IntVar(&limit, "limit", 100, "nombre maximal d'entrées")
	}, func(ctx context.Context, c *client.Client, _ []string) error {
		entries, err := c.AuditLog(ctx, after, limit)
		if err != nil {
			return fail("journal d'audit", err)
		}
		for _, e := range entries {
			fmt.Fprintf(a.stdout, "%d\t%s\t%s\t%s", e.Seq, paris.Format(e.Time, "fr"), e.Actor, e.Action)
			if e.Round != "" {
				fmt.Fprintf(a.stdout, "\ttour=%s", e.Round)
			}
			if e.Target != "" {
				fmt.Fprintf(a.stdout, "\tcible=%s", e.Target)
			}
			if e.Reason != "" {
				fmt.Fprintf(a.stdout, "\tmotif=%q", e.Reason)
			}
			if len(e.Detail) > 0 {
				fmt.Fprintf(a.stdout, "\t%s", e.Detail)
			}
			fmt.Fprintln(a.stdout)
		}
		fmt.Fprintf(a.stdout, "%s.", count(len(entries), "entrée", "entrées"))
		if len(entries) == limit {
			fmt.Fprintf(a.stdout, " Suite : admin audit -after %d", entries[len(entries)-1].Seq)
		}
		fmt.Fprintln(a.stdout)
		return nil
	})
}

// cmdLogEntries prints leaves of the transparency log.
func (a *app) cmdLogEntries() cmdrun.Command {
	var start, end int64
	return remote(cmdrun.Command{
		Name:    "log-entries",
		Summary: "affiche les feuilles du journal de transparence ([-start N] [-end N])",
		Usage:   "[-start N] [-end N]",
	}, func(fs *flag.FlagSet) {
		fs.Int64Var(&start, "start", 0, "première feuille")
		fs.Int64Var(&end, "end", 0, "fin (exclue ; 0 : start+100)")
	}, func(ctx context.Context, c *client.Client, _ []string) error {
		if end == 0 {
			end = start + 100
		}
		res, err := c.LogEntries(ctx, start, end)
		if err != nil {
			return fail("journal de transparence", err)
		}
		for _, e := range res.Entries {
			what := ""
			if e.Envelope != nil {
				what = e.Envelope.PayloadType
				if sub, err := api.DecodeSubmission(e.Envelope.Payload); err == nil {
					kind := "vœux"
					if e.Envelope.PayloadType == api.RankingType {
						kind = "classement " + sub.Poste
					}
					what = fmt.Sprintf("%s\ttour=%s\tauteur=%s\tn°%d\t%s", kind, sub.Round, sub.Author, sub.Seq, count(len(sub.List), "élément", "éléments"))
				}
			}
			fmt.Fprintf(a.stdout, "%d\t%s\t%s\t%s\n", e.Index, paris.Format(e.ServerTime, "fr"), e.Digest, what)
		}
		fmt.Fprintf(a.stdout, "%s sur %d.\n", count(len(res.Entries), "entrée affichée", "entrées affichées"), res.TreeSize)
		return nil
	})
}
