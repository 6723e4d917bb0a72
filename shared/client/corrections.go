package client

import (
	"context"
	"net/url"

	"appariement/shared/api"
)

// FileCorrection files a correction request (POST /v1/corrections): an
// RTS about their postes, a coordinator about their specialty and
// subdivision, an admin about anything.
func (c *Client) FileCorrection(ctx context.Context, in api.CorrectionRequest) (*api.Correction, error) {
	var r api.Correction
	return &r, c.postJSON(ctx, "/v1/corrections", in, true, &r)
}

// Corrections lists the requests the caller may see (GET
// /v1/corrections), filtered by status ("open" for requested or
// accepted; empty for all) and round (empty for all).
func (c *Client) Corrections(ctx context.Context, status, round string) ([]api.Correction, error) {
	q := url.Values{}
	if status != "" {
		q.Set("status", status)
	}
	if round != "" {
		q.Set("round", round)
	}
	path := "/v1/corrections"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var r []api.Correction
	return r, c.getJSON(ctx, path, true, &r)
}

// DecideCorrection accepts, applies or refuses a request (POST
// /v1/admin/corrections/{id}/decision), admins only.
func (c *Client) DecideCorrection(ctx context.Context, id string, d api.CorrectionDecision) (*api.Correction, error) {
	var r api.Correction
	return &r, c.postJSON(ctx, "/v1/admin/corrections/"+url.PathEscape(id)+"/decision", d, true, &r)
}

// ScopePeople lists the people a coordinator may see (GET
// /v1/scope/people): interns of their specialty and subdivision and the
// RTS of the postes there.
func (c *Client) ScopePeople(ctx context.Context) (*api.ScopePeople, error) {
	var r api.ScopePeople
	return &r, c.getJSON(ctx, "/v1/scope/people", true, &r)
}
