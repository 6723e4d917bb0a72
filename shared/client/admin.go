package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/envelope"
)

// Admin methods: routes under /v1/admin/, signed requests by a person of
// role admin. The server writes every change to its audit log.

func importPath(base, format string, dryRun bool) string {
	if format == "" {
		format = api.FormatJSON
	}
	p := base + "?format=" + url.QueryEscape(format)
	if dryRun {
		p += "&dry_run=1"
	}
	return p
}

func contentType(format string) string {
	switch format {
	case api.FormatCSV:
		return "text/csv"
	case api.FormatXLSX:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "application/json"
}

// ImportPeople imports a list of people (POST /v1/admin/people): data is
// a CSV or XLSX file, or a JSON array of domain.Person (format "json").
// With dryRun the server only checks and always answers the report; a real
// import with any problem imports nothing and fails with an *api.Error of
// code invalid_import (run a dry run to get the full report).
func (c *Client) ImportPeople(ctx context.Context, format string, data []byte, dryRun bool) (*api.ImportReport, error) {
	var r api.ImportReport
	return &r, c.Do(ctx, http.MethodPost, importPath("/v1/admin/people", format, dryRun), data, contentType(format), true, &r)
}

// ImportPostes imports the postes of a round (POST
// /v1/admin/rounds/{round}/postes). The file is the round's full list:
// postes absent from it are closed. See ImportPeople for dryRun.
func (c *Client) ImportPostes(ctx context.Context, round, format string, data []byte, dryRun bool) (*api.ImportReport, error) {
	var r api.ImportReport
	path := importPath("/v1/admin/rounds/"+url.PathEscape(round)+"/postes", format, dryRun)
	return &r, c.Do(ctx, http.MethodPost, path, data, contentType(format), true, &r)
}

// People lists every person with enrollment status (GET /v1/admin/people).
func (c *Client) People(ctx context.Context) ([]api.PersonStatus, error) {
	var r []api.PersonStatus
	return r, c.getJSON(ctx, "/v1/admin/people", true, &r)
}

// IssueCodes issues activation codes (POST /v1/admin/codes) to the people
// listed, or to everyone without a key. Each code is also written as an
// e-mail in the server's outbox.
func (c *Client) IssueCodes(ctx context.Context, req api.IssueCodesRequest) (*api.IssueCodesResponse, error) {
	var r api.IssueCodesResponse
	return &r, c.postJSON(ctx, "/v1/admin/codes", req, true, &r)
}

// ResetKey revokes a person's key and issues a new activation code
// (POST /v1/admin/people/{person}/reset-key). The reason is mandatory.
func (c *Client) ResetKey(ctx context.Context, person, reason string) (*api.IssuedCode, error) {
	var r api.IssuedCode
	return &r, c.postJSON(ctx, "/v1/admin/people/"+url.PathEscape(person)+"/reset-key", api.ResetKeyRequest{Reason: reason}, true, &r)
}

// CreateRound creates a first round in state draft (POST /v1/admin/rounds).
func (c *Client) CreateRound(ctx context.Context, req api.CreateRoundRequest) (*domain.Round, error) {
	var r domain.Round
	return &r, c.postJSON(ctx, "/v1/admin/rounds", req, true, &r)
}

// RoundDetail returns an admin's view of a round (GET /v1/admin/rounds/{round}).
func (c *Client) RoundDetail(ctx context.Context, round string) (*api.RoundDetail, error) {
	var r api.RoundDetail
	return &r, c.getJSON(ctx, "/v1/admin/rounds/"+url.PathEscape(round), true, &r)
}

// Participation tells who has submitted what so far in a round (GET
// /v1/admin/rounds/{round}/participation).
func (c *Client) Participation(ctx context.Context, round string) (*api.Participation, error) {
	var r api.Participation
	return &r, c.getJSON(ctx, "/v1/admin/rounds/"+url.PathEscape(round)+"/participation", true, &r)
}

// Schedule sets the windows of a round (PUT /v1/admin/rounds/{round}/schedule).
func (c *Client) Schedule(ctx context.Context, round string, req api.ScheduleRequest) (*domain.Round, error) {
	b, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("PUT schedule: %w", err)
	}
	var r domain.Round
	return &r, c.Do(ctx, http.MethodPut, "/v1/admin/rounds/"+url.PathEscape(round)+"/schedule", b, "application/json", true, &r)
}

// Transition moves a round to its next state
// (POST /v1/admin/rounds/{round}/transition).
func (c *Client) Transition(ctx context.Context, round string, to domain.RoundState, reason string) (*domain.Round, error) {
	var r domain.Round
	return &r, c.postJSON(ctx, "/v1/admin/rounds/"+url.PathEscape(round)+"/transition",
		api.TransitionRequest{To: to, Reason: reason}, true, &r)
}

// Run freezes the round's input at the current log checkpoint and computes
// the matching, kept as a preview (POST /v1/admin/rounds/{round}/run).
func (c *Client) Run(ctx context.Context, round string) (*domain.Result, error) {
	var r domain.Result
	return &r, c.Do(ctx, http.MethodPost, "/v1/admin/rounds/"+url.PathEscape(round)+"/run", nil, "", true, &r)
}

// Publish signs and publishes the previewed result
// (POST /v1/admin/rounds/{round}/publish) and returns the signed envelope
// (payload type api.ResultType).
func (c *Client) Publish(ctx context.Context, round string) (*envelope.Envelope, error) {
	var buf bytes.Buffer
	if err := c.Do(ctx, http.MethodPost, "/v1/admin/rounds/"+url.PathEscape(round)+"/publish", nil, "", true, &buf); err != nil {
		return nil, err
	}
	return envelope.Decode(buf.Bytes())
}

// NextRound creates round 2 (or 3) from a published round
// (POST /v1/admin/rounds/{round}/next).
func (c *Client) NextRound(ctx context.Context, round string, req api.NextRoundRequest) (*domain.Round, error) {
	var r domain.Round
	return &r, c.postJSON(ctx, "/v1/admin/rounds/"+url.PathEscape(round)+"/next", req, true, &r)
}

// Assign records a manual assignment in a third round
// (POST /v1/admin/rounds/{round}/assignments). The reason is mandatory.
func (c *Client) Assign(ctx context.Context, round string, req api.ManualAssignmentRequest) (*domain.Assignment, error) {
	var r domain.Assignment
	return &r, c.postJSON(ctx, "/v1/admin/rounds/"+url.PathEscape(round)+"/assignments", req, true, &r)
}

// Export writes the result of a round as CSV or XLSX to w
// (GET /v1/admin/rounds/{round}/export?format=).
func (c *Client) Export(ctx context.Context, round, format string, w io.Writer) error {
	return c.Do(ctx, http.MethodGet, "/v1/admin/rounds/"+url.PathEscape(round)+"/export?format="+url.QueryEscape(format), nil, "", true, w)
}

// AuditLog returns at most limit audit entries after sequence number after
// (GET /v1/admin/audit?after=&limit=).
func (c *Client) AuditLog(ctx context.Context, after uint64, limit int) ([]api.AuditEntry, error) {
	var r api.AuditResponse
	return r.Entries, c.getJSON(ctx, fmt.Sprintf("/v1/admin/audit?after=%d&limit=%d", after, limit), true, &r)
}

// Mail returns the server's mail queue: counts by status and up to limit
// mails of status (every status if empty), newest first
// (GET /v1/admin/mail?status=&limit=).
func (c *Client) Mail(ctx context.Context, status api.MailStatus, limit int) (*api.MailList, error) {
	var r api.MailList
	return &r, c.getJSON(ctx, fmt.Sprintf("/v1/admin/mail?status=%s&limit=%d", url.QueryEscape(string(status)), limit), true, &r)
}

// LogEntries returns the decoded log leaves [start, end), at most 1000
// (GET /v1/admin/log/entries?start=&end=). Entries reveal wish lists.
func (c *Client) LogEntries(ctx context.Context, start, end int64) (*api.LogEntriesResponse, error) {
	var r api.LogEntriesResponse
	return &r, c.getJSON(ctx, fmt.Sprintf("/v1/admin/log/entries?start=%d&end=%d", start, end), true, &r)
}

// Backup writes a hot copy of the server's store to w
// (GET /v1/admin/backup). Verify the copy before relying on it
// (syncserver backup does).
func (c *Client) Backup(ctx context.Context, w io.Writer) error {
	return c.Do(ctx, http.MethodGet, "/v1/admin/backup", nil, "", true, w)
}

// SendReminders has the server enqueue the reminders of round: RTS without
// a key, eligible interns without a wish list
// (POST /v1/admin/rounds/{round}/reminders).
func (c *Client) SendReminders(ctx context.Context, round string) (*api.RemindersResponse, error) {
	var r api.RemindersResponse
	return &r, c.Do(ctx, http.MethodPost, "/v1/admin/rounds/"+url.PathEscape(round)+"/reminders", nil, "", true, &r)
}

// Preferences returns the caller's notification settings
// (GET /v1/me/preferences).
func (c *Client) Preferences(ctx context.Context) (*api.Preferences, error) {
	var r api.Preferences
	return &r, c.getJSON(ctx, "/v1/me/preferences", true, &r)
}

// SetPreferences replaces the caller's notification settings
// (PUT /v1/me/preferences).
func (c *Client) SetPreferences(ctx context.Context, p api.Preferences) (*api.Preferences, error) {
	body, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	var r api.Preferences
	return &r, c.Do(ctx, http.MethodPut, "/v1/me/preferences", body, "application/json", true, &r)
}
