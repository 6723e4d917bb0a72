package client

import (
	"context"

	"appariement/shared/api"
)

// BinomeLinks returns the current binôme links of round that name the
// caller, as author or partner (every link for an admin), each with its
// envelope as signed and its receipt, and the binômes they form
// (GET /v1/rounds/{round}/binomes).
func (c *Client) BinomeLinks(ctx context.Context, round string) (*api.BinomeLinksResponse, error) {
	var r api.BinomeLinksResponse
	return &r, c.getJSON(ctx, roundPath(round, "/binomes"), true, &r)
}
