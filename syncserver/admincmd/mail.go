package admincmd

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"

	"appariement/shared/api"
	"appariement/shared/client"
	"appariement/shared/paris"
	"appariement/syncserver/cmdrun"
)

// cmdMail shows the server's mail queue (GET /v1/admin/mail).
func (a *app) cmdMail() cmdrun.Command {
	var status string
	var limit int
	return remote(cmdrun.Command{
		Name:    "mail",
		Summary: "affiche la file des e-mails : en attente, envoyés, abandonnés ([-status queued|sent|failed] [-limit N])",
		Usage:   "[-status queued|sent|failed] [-limit N]",
	}, func(fs *flag.FlagSet) {
		fs.StringVar(&status, "status", "", "n'afficher que cet état : queued, sent ou failed")
		fs.IntVar(&limit, "limit", 100, "nombre maximal d'e-mails")
	}, func(ctx context.Context, c *client.Client, _ []string) error {
		l, err := c.Mail(ctx, api.MailStatus(status), limit)
		if err != nil {
			return fail("file des e-mails", err)
		}
		tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tÉTAT\tTYPE\tDESTINATAIRE\tESSAIS\tCRÉÉ\tENVOYÉ / PROCHAIN ESSAI\tERREUR")
		for _, m := range l.Mails {
			when := ""
			switch {
			case !m.Sent.IsZero():
				when = paris.Format(m.Sent, "fr")
			case !m.NextTry.IsZero():
				when = paris.Format(m.NextTry, "fr")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s %s\t%d\t%s\t%s\t%s\n", m.ID, m.Status, m.Kind, m.Person, m.To, m.Attempts,
				paris.Format(m.Created, "fr"), when, m.LastError)
		}
		tw.Flush()
		fmt.Fprintf(a.stdout, "En attente : %d, envoyés : %d, abandonnés : %d.\n", l.Queued, l.Sent, l.Failed)
		return nil
	})
}
