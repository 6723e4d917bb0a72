// Package envelope signs and verifies DSSE-style envelopes with Ed25519.
//
// An envelope carries a payload type, the payload bytes exactly as signed and
// one or more signatures over the pre-authentication encoding (PAE) of both.
// Verifiers check the signature over the bytes they received: nothing is
// re-serialised between signing and verifying.
package envelope

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Envelope is a signed payload, encoded in JSON as in DSSE: payload and
// signatures in standard base64.
type Envelope struct {
	PayloadType string      `json:"payloadType"`
	Payload     []byte      `json:"payload"`
	Signatures  []Signature `json:"signatures"`
}

// Signature is one signature of an envelope.
type Signature struct {
	KeyID string `json:"keyid"`
	Sig   []byte `json:"sig"`
}

// MaxSize bounds the encoded size of an envelope accepted by Decode.
const MaxSize = 1 << 20

// Errors returned by Verify and Decode.
var (
	ErrUnsigned     = errors.New("envelope is not signed")
	ErrBadSignature = errors.New("signature does not verify")
	ErrWrongKey     = errors.New("envelope is not signed by the expected key")
)

// PAE returns the DSSE pre-authentication encoding of a payload:
// "DSSEv1" SP len(type) SP type SP len(payload) SP payload.
func PAE(payloadType string, payload []byte) []byte {
	var b bytes.Buffer
	b.WriteString("DSSEv1 ")
	b.WriteString(strconv.Itoa(len(payloadType)))
	b.WriteByte(' ')
	b.WriteString(payloadType)
	b.WriteByte(' ')
	b.WriteString(strconv.Itoa(len(payload)))
	b.WriteByte(' ')
	b.Write(payload)
	return b.Bytes()
}

// KeyID names an Ed25519 public key: the first 16 hex digits of its SHA-256.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// Fingerprint is the full SHA-256 of a public key, grouped by four hex digits
// for reading aloud or comparing on screen.
func Fingerprint(pub ed25519.PublicKey) string {
	sum := hex.EncodeToString(func() []byte { s := sha256.Sum256(pub); return s[:] }())
	var b bytes.Buffer
	for i := 0; i < len(sum); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(sum[i : i+4])
	}
	return b.String()
}

// Sign returns an envelope of payload signed with priv.
func Sign(priv ed25519.PrivateKey, payloadType string, payload []byte) *Envelope {
	pub := priv.Public().(ed25519.PublicKey)
	return &Envelope{
		PayloadType: payloadType,
		Payload:     bytes.Clone(payload),
		Signatures: []Signature{{
			KeyID: KeyID(pub),
			Sig:   ed25519.Sign(priv, PAE(payloadType, payload)),
		}},
	}
}

// Verify checks that e carries a valid signature by pub. Signatures by
// other keys are ignored; at least one must be pub's and valid.
func (e *Envelope) Verify(pub ed25519.PublicKey) error {
	_, err := e.SignedBy(pub)
	return err
}

// Encode returns the canonical JSON encoding of e. The same envelope always
// encodes to the same bytes; these bytes are what the transparency log holds.
func (e *Envelope) Encode() []byte {
	b, err := json.Marshal(e)
	if err != nil {
		panic("envelope: encode: " + err.Error()) // only []byte and strings: cannot fail
	}
	return b
}

// Digest returns the hex SHA-256 of what e's signatures sign: the
// pre-authentication encoding of its payload type and payload. It names the
// submission, not its signatures: two envelopes with the same signed
// content have the same digest, so that nobody who sees an envelope can
// make a different one of the same submission by adding a signature.
func (e *Envelope) Digest() string {
	sum := sha256.Sum256(PAE(e.PayloadType, e.Payload))
	return hex.EncodeToString(sum[:])
}

// SignedBy returns a copy of e carrying only pub's valid signature, or an
// error as Verify's. A server keeps that copy: what it logs holds nothing
// that its author did not sign, whatever was added on the way.
func (e *Envelope) SignedBy(pub ed25519.PublicKey) (*Envelope, error) {
	if len(e.Signatures) == 0 {
		return nil, ErrUnsigned
	}
	if len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("verify envelope: public key has %d bytes", len(pub))
	}
	id := KeyID(pub)
	msg := PAE(e.PayloadType, e.Payload)
	found := false
	for _, s := range e.Signatures {
		if s.KeyID != id {
			continue
		}
		found = true
		if ed25519.Verify(pub, msg, s.Sig) {
			return &Envelope{PayloadType: e.PayloadType, Payload: bytes.Clone(e.Payload),
				Signatures: []Signature{{KeyID: s.KeyID, Sig: bytes.Clone(s.Sig)}}}, nil
		}
	}
	if !found {
		return nil, ErrWrongKey
	}
	return nil, ErrBadSignature
}

// Decode parses an envelope from JSON, rejecting unknown fields, trailing
// data, oversized input and envelopes without a payload type or signature.
func Decode(data []byte) (*Envelope, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("decode envelope: %d bytes exceeds the limit of %d", len(data), MaxSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var e Envelope
	if err := dec.Decode(&e); err != nil {
		return nil, fmt.Errorf("decode envelope: %w", err)
	}
	if dec.More() {
		return nil, errors.New("decode envelope: trailing data after the envelope")
	}
	if e.PayloadType == "" {
		return nil, errors.New("decode envelope: missing payloadType")
	}
	if len(e.Signatures) == 0 {
		return nil, fmt.Errorf("decode envelope: %w", ErrUnsigned)
	}
	for i, s := range e.Signatures {
		if len(s.Sig) != ed25519.SignatureSize {
			return nil, fmt.Errorf("decode envelope: signature %d has %d bytes, want %d", i, len(s.Sig), ed25519.SignatureSize)
		}
	}
	return &e, nil
}
