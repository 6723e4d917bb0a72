package store

import (
	"encoding/json"
	"fmt"

	"appariement/shared/calllist"
	"appariement/shared/envelope"
)

// List decodes and returns the version's list, checking that its envelope
// has payloadType (the API's call list type); its signature is the
// server's own and not re-checked here.
func (v *CallListVersion) List(payloadType string) (*calllist.List, error) {
	env, err := DecodeOwnEnvelope(v.Envelope)
	if err != nil {
		return nil, fmt.Errorf("store: call list version %d: %w", v.Version, err)
	}
	if env.PayloadType != payloadType {
		return nil, fmt.Errorf("store: call list version %d: payload type %q", v.Version, env.PayloadType)
	}
	l, err := calllist.Decode(env.Payload)
	if err != nil {
		return nil, fmt.Errorf("store: call list version %d: %w", v.Version, err)
	}
	return l, nil
}

// DecodeOwnEnvelope decodes an envelope the server signed and stored
// itself, without envelope.MaxSize: a national call list or result may be
// larger than the submissions that limit is meant for.
func DecodeOwnEnvelope(data []byte) (*envelope.Envelope, error) {
	var env envelope.Envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, fmt.Errorf("store: decode signed envelope: %w", err)
	}
	return &env, nil
}
