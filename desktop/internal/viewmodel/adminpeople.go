package viewmodel

import (
	"context"
	"fmt"
	"strings"
	"time"

	"appariement/desktop/internal/i18n"
	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/paris"
	"appariement/shared/rules"
)

// Windows and people, for the admin: scheduling a round's windows,
// issuing activation codes, resetting a lost key.

// WindowLayout is how a window bound is typed: day/month/year hours:minutes,
// in Paris time.
const WindowLayout = paris.Layout

// WindowNames are the four bounds of a round's windows, in order.
var WindowNames = []string{"wishes_open", "wishes_close", "rankings_open", "rankings_close"}

// Windows returns the current round's window bounds as typed (empty when
// unscheduled), in the order of WindowNames.
func (a *Admin) Windows() [4]string {
	var out [4]string
	if a.Round == nil {
		return out
	}
	for i, t := range []time.Time{a.Round.WishesOpen, a.Round.WishesClose, a.Round.RankingsOpen, a.Round.RankingsClose} {
		out[i] = paris.Typed(t)
	}
	return out
}

// ParseWindows reads the four typed bounds (empty: unscheduled) and checks
// their order; the error names the faulty bound.
func ParseWindows(typed [4]string) (api.ScheduleRequest, error) {
	var ts [4]time.Time
	for i, s := range typed {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		t, err := time.ParseInLocation(WindowLayout, s, paris.Location)
		if err != nil {
			return api.ScheduleRequest{}, &UserError{Msg: i18n.T("schedule.err.format", i18n.T("schedule."+WindowNames[i]), s)}
		}
		ts[i] = t
	}
	last, lastName := time.Time{}, ""
	for i, t := range ts {
		if t.IsZero() {
			continue
		}
		if !last.IsZero() && !t.After(last) {
			return api.ScheduleRequest{}, &UserError{Msg: i18n.T("schedule.err.order", i18n.T("schedule."+WindowNames[i]), lastName)}
		}
		last, lastName = t, i18n.T("schedule."+WindowNames[i])
	}
	return api.ScheduleRequest{WishesOpen: ts[0], WishesClose: ts[1], RankingsOpen: ts[2], RankingsClose: ts[3]}, nil
}

// Schedule sets the windows of the current round. It blocks.
func (a *Admin) Schedule(ctx context.Context, typed [4]string, reason string) error {
	req, err := ParseWindows(typed)
	if err != nil {
		return err
	}
	req.Reason = strings.TrimSpace(reason)
	if err := CheckScheduleReason(req.Reason); err != nil {
		return err
	}
	c, err := a.Svc.Signed()
	if err != nil {
		return err
	}
	_, err = c.Schedule(ctx, a.RoundID(), req)
	return err
}

// CheckScheduleReason refuses, before anything is sent, a change of
// windows without a reason (rules.CheckReason, as the audit log needs).
func CheckScheduleReason(reason string) error {
	if rules.CheckReason(strings.TrimSpace(reason)) != nil {
		return &UserError{Msg: i18n.T("err.reason_schedule")}
	}
	return nil
}

// PersonRow is one person in the admin's list.
type PersonRow struct {
	Status api.PersonStatus
	Label  string
}

// PeopleRows lists the people whose id, name, e-mail or role contains
// filter (case-insensitive), at most limit of them, and how many match.
func (a *Admin) PeopleRows(filter string, limit int) ([]PersonRow, int) {
	f := strings.ToLower(strings.TrimSpace(filter))
	var out []PersonRow
	n := 0
	for _, ps := range a.People {
		p := ps.Person
		role := i18n.T("role." + string(p.Role))
		hay := strings.ToLower(p.ID + " " + p.FullName() + " " + p.Email + " " + role + " " + p.Specialty + " " + p.Subdivision)
		if f != "" && !strings.Contains(hay, f) {
			continue
		}
		n++
		if len(out) >= limit {
			continue
		}
		status := i18n.T("people.no_key")
		switch {
		case ps.Enrolled:
			status = i18n.T("people.enrolled")
		case ps.PendingCode:
			status = i18n.T("people.pending")
		}
		label := fmt.Sprintf("%s — %s — %s <%s> — %s", p.ID, role, p.FullName(), p.Email, status)
		if p.Role == domain.RoleIntern || p.Role == domain.RoleCoordinator {
			label = fmt.Sprintf("%s — %s — %s (%s/%s) <%s> — %s", p.ID, role, p.FullName(), p.Specialty, p.Subdivision, p.Email, status)
		}
		out = append(out, PersonRow{Status: ps, Label: label})
	}
	return out, n
}

// WithoutKey counts the people who have no key.
func (a *Admin) WithoutKey() int {
	n := 0
	for _, ps := range a.People {
		if !ps.Enrolled {
			n++
		}
	}
	return n
}

// IssueCodes issues activation codes to the people listed, or to all
// without a key. It blocks; the codes are shown once.
func (a *Admin) IssueCodes(ctx context.Context, ids []string, all bool) ([]api.IssuedCode, error) {
	c, err := a.Svc.Signed()
	if err != nil {
		return nil, err
	}
	res, err := c.IssueCodes(ctx, api.IssueCodesRequest{People: ids, AllWithoutKey: all})
	if err != nil {
		return nil, err
	}
	return res.Codes, nil
}

// ResetKey revokes a person's key (a lost computer, a forgotten
// passphrase) and issues a new activation code. The reason is required.
func (a *Admin) ResetKey(ctx context.Context, id, reason string) (*api.IssuedCode, error) {
	reason = strings.TrimSpace(reason)
	if len(reason) < 3 {
		return nil, &UserError{Msg: i18n.T("people.err.reason")}
	}
	c, err := a.Svc.Signed()
	if err != nil {
		return nil, err
	}
	return c.ResetKey(ctx, id, reason)
}

// CodesText is the issued codes as text to hand over (one per line).
func CodesText(codes []api.IssuedCode) string {
	var b strings.Builder
	for _, c := range codes {
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\n", c.Person, c.Email, c.Code, FormatTime(c.Expires))
	}
	return b.String()
}
