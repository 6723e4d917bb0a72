package viewmodel

import (
	"context"
	"errors"
	"strings"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/localstore"
	"appariement/desktop/internal/service"
	"appariement/shared/api"
	"appariement/shared/calllist"
	"appariement/shared/simulation"
)

// CallList is the "Liste d'appel" tab of a choix au rang: the signed call
// list in full (verified, kept for offline use), the notices of the
// intern's rank changes, and the live replay of the choices once the
// round is published.
type CallList struct {
	svc *service.Service
	// PosteName names a poste for display.
	PosteName func(id string) string

	Round   string
	Record  *localstore.CallListRecord
	Notices *localstore.NoticesRecord
	Live    *api.LiveReplay
	// Filter keeps the rows whose intern id contains it (case-insensitive).
	Filter string
	Error  string
	// Binomes says the round lets interns choose in binômes: Sync then
	// fetches the intern's binôme too, for the marks of the list.
	Binomes bool
	// pairs are the binômes of the intern's signed links; marks, the
	// marks of the rows (calllist.List.PairMarks), recomputed by Rows.
	pairs [][2]string
	marks map[string]calllist.PairMark
}

// NewCallList returns the call list view model of svc's intern.
func NewCallList(svc *service.Service, posteName func(string) string) *CallList {
	if posteName == nil {
		posteName = func(id string) string { return id }
	}
	return &CallList{svc: svc, PosteName: posteName}
}

// Load shows what the cache holds for round (offline).
func (c *CallList) Load(round string) error {
	c.Round, c.Record, c.Notices, c.Live, c.Error, c.pairs = round, nil, nil, nil, "", nil
	if round == "" {
		return nil
	}
	rec, err := c.svc.Store.CallList(round)
	if err != nil && !errors.Is(err, localstore.ErrNotFound) {
		return err
	}
	c.Record = rec
	n, err := c.svc.Store.Notices(round)
	if err != nil && !errors.Is(err, localstore.ErrNotFound) {
		return err
	}
	c.Notices = n
	return nil
}

// CallListData is what Sync brought back, to Apply on the UI goroutine.
type CallListData struct {
	Round   string
	Record  *localstore.CallListRecord
	Notices *localstore.NoticesRecord
	// Pairs are the intern's binômes (both links signed), nil when the
	// round has none or they could not be fetched.
	Pairs [][2]string
	Err   error
}

// Sync fetches the notices of round and, when the notices name a version
// the cache does not hold, fetches and verifies the call list (both cached
// by the service). It blocks and changes nothing on screen.
func (c *CallList) Sync(ctx context.Context, round string) CallListData {
	d := CallListData{Round: round}
	d.Notices, d.Err = c.svc.SyncNotices(ctx, round)
	if d.Err != nil {
		return d
	}
	if pairs, err := c.syncBinomes(ctx, round); err == nil {
		d.Pairs = pairs
	}
	if rec, err := c.svc.Store.CallList(round); err == nil && rec.List != nil && d.Notices.Notices != nil && rec.List.Version == d.Notices.Notices.Version {
		d.Record = rec
		return d
	}
	d.Record, d.Err = c.svc.FetchCallList(ctx, round)
	return d
}

// Apply shows the outcome of Sync; a failure keeps the cached copies.
func (c *CallList) Apply(d CallListData) {
	if d.Round != c.Round {
		c.Round, c.Record, c.Notices, c.Live, c.pairs = d.Round, nil, nil, nil, nil
	}
	if d.Pairs != nil {
		c.pairs = d.Pairs
	}
	c.Error = ""
	if d.Notices != nil {
		c.Notices = d.Notices
	}
	if d.Record != nil {
		c.Record = d.Record
	}
	if d.Err != nil {
		var apiErr *api.Error
		if errors.As(d.Err, &apiErr) && apiErr.Code == api.CodeNotFound {
			c.Error = i18n.T("calllist.unpublished")
			return
		}
		c.Error = Message(d.Err)
	}
}

// DrawInfo says that the ties of the list shown were broken by the
// server's draw, whose seed matched the commitment published with the
// round (first 16 hex digits); empty when no list is shown.
func (c *CallList) DrawInfo() string {
	if c.Record == nil || c.Record.List == nil || c.Record.Commitment == "" {
		return ""
	}
	cm := c.Record.Commitment
	if len(cm) > 16 {
		cm = cm[:16] + "…"
	}
	return i18n.T("calllist.draw_verified", cm)
}

// Header says which version is shown, when it was fetched and why it was
// published.
func (c *CallList) Header() string {
	if c.Record == nil || c.Record.List == nil {
		return i18n.T("calllist.none")
	}
	l := c.Record.List
	reason := l.Reason
	if reason == "" {
		reason = "—"
	}
	when := c.Record.PublishedAt
	if when.IsZero() {
		when = c.Record.FetchedAt
	}
	return i18n.T("calllist.header", l.Version, len(l.Entries), FormatTime(when), reason)
}

// MyRank returns the intern's rank in the list shown, 0 if absent from it.
func (c *CallList) MyRank() int {
	if c.Record == nil || c.Record.List == nil {
		return 0
	}
	me := c.svc.Me().ID
	for _, e := range c.Record.List.Entries {
		if e.Intern == me {
			return e.Rank
		}
	}
	return 0
}

// CallRow is one entry of the call list.
type CallRow struct {
	Rank   int
	Intern string
	Absent bool
	Me     bool
	// Partner is the intern's binôme, "" when none.
	Partner string
	Text    string
}

// Rows returns the entries matching Filter, in call order.
func (c *CallList) Rows() []CallRow {
	if c.Record == nil || c.Record.List == nil {
		return nil
	}
	me := c.svc.Me().ID
	f := strings.ToLower(strings.TrimSpace(c.Filter))
	c.marks = c.Record.List.PairMarks(c.pairsKnown())
	var out []CallRow
	for _, e := range c.Record.List.Entries {
		if f != "" && !strings.Contains(strings.ToLower(e.Intern), f) {
			continue
		}
		r := CallRow{Rank: e.Rank, Intern: e.Intern, Absent: e.Absent, Me: e.Intern == me}
		r.Text = i18n.T("calllist.row", e.Rank, e.Intern)
		if e.Absent {
			r.Text += " — " + i18n.T("calllist.absent")
		}
		if r.Me {
			r.Text += " — " + i18n.T("calllist.you")
		}
		if m := c.pairMark(e.Intern); m != "" {
			r.Partner, r.Text = c.marks[e.Intern].Partner, r.Text+" — "+m
		}
		if e.Note != "" {
			r.Text += " (" + e.Note + ")"
		}
		out = append(out, r)
	}
	return out
}

// Banner returns the notices newer than the last one seen, newest last,
// as sentences; empty when there is nothing new.
func (c *CallList) Banner() string {
	if c.Notices == nil || c.Notices.Notices == nil {
		return ""
	}
	var msgs []string
	for _, n := range c.Notices.Notices.Notices {
		if n.ToVersion > c.Notices.SeenTo {
			msgs = append(msgs, i18n.T("calllist.notice", n.ToVersion, i18n.Pick(n.Message, n.MessageEN)))
		}
	}
	return strings.Join(msgs, "\n")
}

// MarkSeen hides the banner until a newer notice comes.
func (c *CallList) MarkSeen() error {
	if c.Notices == nil || c.Notices.Notices == nil {
		return nil
	}
	last := c.Notices.SeenTo
	for _, n := range c.Notices.Notices.Notices {
		last = max(last, n.ToVersion)
	}
	if err := c.svc.MarkNoticesSeen(c.Round, last); err != nil {
		return err
	}
	c.Notices.SeenTo = last
	return nil
}

// History returns every notice received, oldest first.
func (c *CallList) History() []string {
	if c.Notices == nil || c.Notices.Notices == nil {
		return nil
	}
	var out []string
	for _, n := range c.Notices.Notices.Notices {
		out = append(out, i18n.T("calllist.notice_dated", FormatTime(n.PublishedAt), n.ToVersion, i18n.Pick(n.Message, n.MessageEN)))
	}
	return out
}

// LivePage is the number of turns fetched at a time.
const LivePage = 500

// FetchLive fetches LivePage turns of the live replay from rank from. It
// blocks and changes nothing on screen.
func (c *CallList) FetchLive(ctx context.Context, round string, from int) (*api.LiveReplay, error) {
	return c.svc.Live(ctx, round, from, LivePage)
}

// LiveJumpFrom is where to fetch the replay to show the intern's own turn
// with a few turns before it (1 when its rank is unknown).
func (c *CallList) LiveJumpFrom() int {
	return max(1, c.MyRank()-10)
}

// LiveNext returns the rank after the turns shown, false when the replay
// is complete.
func (c *CallList) LiveNext() (int, bool) {
	if c.Live == nil {
		return 1, true
	}
	next := c.Live.From + len(c.Live.Steps)
	return next, next <= c.Live.Total
}

// ApplyLive shows the outcome of FetchLive: turns following those shown
// are appended, others replace them.
func (c *CallList) ApplyLive(l *api.LiveReplay, err error) {
	c.Error = ""
	if err != nil {
		var apiErr *api.Error
		if errors.As(err, &apiErr) && apiErr.Code == api.CodeInvalidState {
			c.Error = i18n.T("live.not_published")
			return
		}
		c.Error = Message(err)
		return
	}
	if next, _ := c.LiveNext(); c.Live != nil && l.From == next && l.From > 1 && l.CallListVersion == c.Live.CallListVersion {
		merged := *c.Live
		merged.Steps = append(append([]simulation.Step(nil), c.Live.Steps...), l.Steps...)
		c.Live = &merged
		return
	}
	c.Live = l
}

// LiveRow is one turn of the replay.
type LiveRow struct {
	Rank int
	Me   bool
	Text string
}

// LiveRows returns the turns of the replay: rank, intern, poste taken and
// the places left on it.
func (c *CallList) LiveRows() []LiveRow {
	if c.Live == nil {
		return nil
	}
	me := c.svc.Me().ID
	out := make([]LiveRow, len(c.Live.Steps))
	for i, st := range c.Live.Steps {
		out[i] = turnRow(st, me, c.PosteName)
	}
	return out
}

// LiveIndexOf returns the row index of the intern's own turn, -1 if none.
func (c *CallList) LiveIndexOf() int {
	for i, r := range c.LiveRows() {
		if r.Me {
			return i
		}
	}
	return -1
}
