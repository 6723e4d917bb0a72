package admincmd

import (
	"fmt"
	"text/tabwriter"

	"appariement/shared/api"
	"appariement/shared/paris"
)

// cmdMail shows the server's mail queue (GET /v1/admin/mail).
func cmdMail(a *app, args []string) int {
	f := a.newFlags("mail", "mail [-status queued|sent|failed] [-limit N]", true)
	status := f.String("status", "", "n'afficher que cet état : queued, sent ou failed")
	limit := f.Int("limit", 100, "nombre maximal d'e-mails")
	if _, code := f.parse(args); code >= 0 {
		return code
	}
	c, code := f.client()
	if code >= 0 {
		return code
	}
	ctx, cancel := timeout()
	defer cancel()
	l, err := c.Mail(ctx, api.MailStatus(*status), *limit)
	if err != nil {
		return f.fail("file des e-mails", err)
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
	return 0
}
