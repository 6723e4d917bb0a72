package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/envelope"
)

// Call lists, simulation des choix and live replay of a choix au rang.

func roundPath(round, rest string) string { return "/v1/rounds/" + url.PathEscape(round) + rest }

func adminRoundPath(round, rest string) string {
	return "/v1/admin/rounds/" + url.PathEscape(round) + rest
}

// ImportCallList stores an imported draft call list and returns it checked
// (POST /v1/admin/rounds/{round}/call-list/import).
func (c *Client) ImportCallList(ctx context.Context, round string, req api.ImportCallListRequest) (*api.CallListDraft, error) {
	var r api.CallListDraft
	return &r, c.postJSON(ctx, adminRoundPath(round, "/call-list/import"), req, true, &r)
}

// ComputeCallList computes a draft call list from the interns' classement
// and seniority with a published seed, and returns it checked with the
// ties it broke (POST /v1/admin/rounds/{round}/call-list/compute).
func (c *Client) ComputeCallList(ctx context.Context, round string, req api.ComputeCallListRequest) (*api.CallListDraft, error) {
	var r api.CallListDraft
	return &r, c.postJSON(ctx, adminRoundPath(round, "/call-list/compute"), req, true, &r)
}

// CallListDraft returns the draft call list checked now
// (GET /v1/admin/rounds/{round}/call-list/draft).
func (c *Client) CallListDraft(ctx context.Context, round string) (*api.CallListDraft, error) {
	var r api.CallListDraft
	return &r, c.getJSON(ctx, adminRoundPath(round, "/call-list/draft"), true, &r)
}

// PublishCallList signs and publishes the draft as the next version
// (POST /v1/admin/rounds/{round}/call-list/publish); reason is mandatory
// from version 2 on. A draft that fails the check is refused with an
// *api.Error of code api.CodeInvalidCallList (the refusal body also holds
// the full report; CallListDraft answers it too).
func (c *Client) PublishCallList(ctx context.Context, round, reason string) (*api.PublishedCallList, error) {
	var r api.PublishedCallList
	return &r, c.postJSON(ctx, adminRoundPath(round, "/call-list/publish"), api.PublishCallListRequest{Reason: reason}, true, &r)
}

// CallList fetches the signed latest version of a round's call list
// (GET /v1/rounds/{round}/call-list), or version v when v > 0
// (GET /v1/rounds/{round}/call-list/versions/{v}). Verify it with
// translog.Verifier.VerifyEnvelope(env, api.CallListType) and decode the
// payload with calllist.Decode.
func (c *Client) CallList(ctx context.Context, round string, v int) (*envelope.Envelope, error) {
	path := roundPath(round, "/call-list")
	if v > 0 {
		path = roundPath(round, fmt.Sprintf("/call-list/versions/%d", v))
	}
	var buf bytes.Buffer
	if err := c.Do(ctx, http.MethodGet, path, nil, "", true, &buf); err != nil {
		return nil, err
	}
	return decodeSigned(buf.Bytes())
}

// maxSigned bounds a call list or result signed by the server: larger than
// envelope.MaxSize (meant for submissions), since a national list of
// 100,000 interns does not fit in it.
const maxSigned = 64 << 20

// decodeSigned decodes an envelope signed by the server, strictly but up
// to maxSigned bytes. Verify it against the pinned server key.
func decodeSigned(data []byte) (*envelope.Envelope, error) {
	if len(data) > maxSigned {
		return nil, fmt.Errorf("decode signed envelope: %d bytes exceeds the limit of %d", len(data), maxSigned)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var e envelope.Envelope
	if err := dec.Decode(&e); err != nil {
		return nil, fmt.Errorf("decode signed envelope: %w", err)
	}
	if dec.More() {
		return nil, errors.New("decode signed envelope: trailing data")
	}
	if e.PayloadType == "" || len(e.Signatures) == 0 {
		return nil, errors.New("decode signed envelope: no payload type or no signature")
	}
	return &e, nil
}

// CallListVersions lists the published versions of a round's call list
// (GET /v1/rounds/{round}/call-list/versions).
func (c *Client) CallListVersions(ctx context.Context, round string) ([]api.CallListVersionInfo, error) {
	var r []api.CallListVersionInfo
	return r, c.getJSON(ctx, roundPath(round, "/call-list/versions"), true, &r)
}

// CallListNotices returns the caller's place in the call list and every
// change of it, with the reason (GET /v1/rounds/{round}/call-list/notices).
func (c *Client) CallListNotices(ctx context.Context, round string) (*api.CallListNotices, error) {
	var r api.CallListNotices
	return &r, c.getJSON(ctx, roundPath(round, "/call-list/notices"), true, &r)
}

// SimulationMe returns the caller's view of the simulation des choix
// (GET /v1/rounds/{round}/simulation/me).
func (c *Client) SimulationMe(ctx context.Context, round string) (*api.SimulationMe, error) {
	var r api.SimulationMe
	return &r, c.getJSON(ctx, roundPath(round, "/simulation/me"), true, &r)
}

// SimulationAmphi returns the places still free after everyone ranked
// above rank (the caller's own rank when rank is 0), for one specialty and
// subdivision when set
// (GET /v1/rounds/{round}/simulation/amphi?specialty=&subdivision=&rank=).
func (c *Client) SimulationAmphi(ctx context.Context, round, specialty, subdivision string, rank int) (*api.SimulationAmphi, error) {
	q := url.Values{}
	if specialty != "" {
		q.Set("specialty", specialty)
	}
	if subdivision != "" {
		q.Set("subdivision", subdivision)
	}
	if rank > 0 {
		q.Set("rank", fmt.Sprint(rank))
	}
	path := roundPath(round, "/simulation/amphi")
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var r api.SimulationAmphi
	return &r, c.getJSON(ctx, path, true, &r)
}

// RefreshSimulation computes the simulation of a round now
// (POST /v1/admin/rounds/{round}/simulation/refresh).
func (c *Client) RefreshSimulation(ctx context.Context, round string) (*api.SimulationMeta, error) {
	var r api.SimulationMeta
	return &r, c.Do(ctx, http.MethodPost, adminRoundPath(round, "/simulation/refresh"), nil, "", true, &r)
}

// Live returns the choices of a run round from rank from, at most limit
// (0: the server's default), for the live replay
// (GET /v1/rounds/{round}/live?from=&limit=).
func (c *Client) Live(ctx context.Context, round string, from, limit int) (*api.LiveReplay, error) {
	path := roundPath(round, fmt.Sprintf("/live?from=%d", max(from, 1)))
	if limit > 0 {
		path += fmt.Sprintf("&limit=%d", limit)
	}
	var r api.LiveReplay
	return &r, c.getJSON(ctx, path, true, &r)
}

// StartLive starts the live reveal of a matched choix-au-rang round at
// ranksPerMinute ranks a minute, or changes the pace of a running one
// (POST /v1/admin/rounds/{round}/live). It returns the round with its
// LiveStart and LivePace.
func (c *Client) StartLive(ctx context.Context, round string, ranksPerMinute int, reason string) (*domain.Round, error) {
	var r domain.Round
	return &r, c.postJSON(ctx, adminRoundPath(round, "/live"), api.LiveStartRequest{RanksPerMinute: ranksPerMinute, Reason: reason}, true, &r)
}
