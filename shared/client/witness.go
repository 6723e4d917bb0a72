package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"appariement/shared/api"
	"appariement/shared/domain"
)

// Cosignatures returns the current checkpoint and every registered witness
// with the latest checkpoint it cosigned (GET /v1/log/cosignatures).
func (c *Client) Cosignatures(ctx context.Context) (*api.WitnessesResponse, error) {
	var r api.WitnessesResponse
	return &r, c.getJSON(ctx, "/v1/log/cosignatures", false, &r)
}

// PostCosignature gives the server a witness's cosignature of one of its
// checkpoints (POST /v1/log/cosignatures).
func (c *Client) PostCosignature(ctx context.Context, req api.CosignatureRequest) (*api.WitnessStatus, error) {
	var r api.WitnessStatus
	return &r, c.postJSON(ctx, "/v1/log/cosignatures", req, false, &r)
}

// AddWitness registers a witness's key (POST /v1/admin/witnesses).
func (c *Client) AddWitness(ctx context.Context, req api.AddWitnessRequest) (*api.Witness, error) {
	var r api.Witness
	return &r, c.postJSON(ctx, "/v1/admin/witnesses", req, true, &r)
}

// SetMinCosignatures sets how many witness cosignatures a round needs
// before publication (PUT /v1/admin/rounds/{round}/witnesses).
func (c *Client) SetMinCosignatures(ctx context.Context, round string, n int) (*domain.Round, error) {
	b, err := json.Marshal(api.MinCosignaturesRequest{MinCosignatures: n})
	if err != nil {
		return nil, fmt.Errorf("PUT witnesses: %w", err)
	}
	var r domain.Round
	return &r, c.Do(ctx, http.MethodPut, "/v1/admin/rounds/"+url.PathEscape(round)+"/witnesses", b, "application/json", true, &r)
}
