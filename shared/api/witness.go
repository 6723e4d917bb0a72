package api

import "time"

// Witness is an independent witness of the transparency log, registered by
// an admin: its name and its note verifier key ("name+hash+base64", as
// golang.org/x/mod/sumdb/note writes it).
type Witness struct {
	Name string `json:"name"`
	Key  string `json:"key"`
}

// AddWitnessRequest registers a witness (POST /v1/admin/witnesses).
type AddWitnessRequest struct {
	Name string `json:"name"`
	Key  string `json:"key"`
}

// CosignatureRequest is what a witness posts (POST /v1/log/cosignatures):
// the server's signed checkpoint with the witness's own note signature
// line added.
type CosignatureRequest struct {
	Witness    string `json:"witness"`
	Checkpoint string `json:"checkpoint"`
}

// WitnessStatus is a registered witness and the latest checkpoint it
// cosigned (empty if none yet).
type WitnessStatus struct {
	Witness
	// Cosigned is the server's checkpoint with this witness's signature
	// line: check it with both keys.
	Cosigned   string    `json:"cosigned,omitempty"`
	TreeSize   int64     `json:"tree_size,omitempty"`
	CosignedAt time.Time `json:"cosigned_at,omitzero"`
}

// WitnessesResponse answers GET /v1/log/cosignatures: the server's current
// checkpoint and every registered witness with its latest cosignature.
type WitnessesResponse struct {
	Checkpoint string          `json:"checkpoint"`
	Witnesses  []WitnessStatus `json:"witnesses"`
}

// Refusal codes of witnesses and cosignatures.
const (
	// CodeUnknownWitness: the cosignature is from no registered witness.
	CodeUnknownWitness Code = "unknown_witness"
	// CodeNotCosigned: the round requires more witness cosignatures of its
	// frozen checkpoint than it has.
	CodeNotCosigned Code = "not_cosigned"
)

// MinCosignaturesRequest sets how many registered witnesses must have
// cosigned a round's frozen checkpoint before its results can be published
// (PUT /v1/admin/rounds/{round}/witnesses); 0: none.
type MinCosignaturesRequest struct {
	MinCosignatures int `json:"min_cosignatures"`
}
