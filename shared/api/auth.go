package api

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// RequestAuth is a parsed Authorization header of a signed request:
//
//	Authorization: Appariement-Ed25519 id=<person>,ts=<unix seconds>,nonce=<hex>,sig=<base64>
//
// The signature covers RequestMessage: method, path with query, timestamp,
// nonce and the SHA-256 of the body. The server accepts a timestamp within
// MaxClockSkew of its clock and each nonce once.
type RequestAuth struct {
	ID    string
	Time  int64
	Nonce string
	Sig   []byte
}

// RequestMessage is the byte string a signed request signs.
func RequestMessage(method, pathAndQuery string, ts int64, nonce string, body []byte) []byte {
	sum := sha256.Sum256(body)
	return fmt.Appendf(nil, "appariement-request-v1\n%s\n%s\n%d\n%s\n%s\n",
		method, pathAndQuery, ts, nonce, hex.EncodeToString(sum[:]))
}

// SignRequest returns the Authorization header value for a request.
func SignRequest(priv ed25519.PrivateKey, id, method, pathAndQuery string, body []byte, now time.Time) string {
	var nb [12]byte
	rand.Read(nb[:])
	nonce := hex.EncodeToString(nb[:])
	ts := now.Unix()
	sig := ed25519.Sign(priv, RequestMessage(method, pathAndQuery, ts, nonce, body))
	return fmt.Sprintf("%s id=%s,ts=%d,nonce=%s,sig=%s", RequestAuthName, id, ts, nonce,
		base64.StdEncoding.EncodeToString(sig))
}

// ParseRequestAuth parses an Authorization header value.
func ParseRequestAuth(header string) (*RequestAuth, error) {
	rest, ok := strings.CutPrefix(header, RequestAuthName+" ")
	if !ok {
		return nil, errors.New("authorization: not an " + RequestAuthName + " header")
	}
	var a RequestAuth
	seen := map[string]bool{}
	for _, kv := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok || seen[k] {
			return nil, fmt.Errorf("authorization: bad parameter %q", kv)
		}
		seen[k] = true
		var err error
		switch k {
		case "id":
			a.ID = v
		case "ts":
			a.Time, err = strconv.ParseInt(v, 10, 64)
		case "nonce":
			a.Nonce = v
		case "sig":
			a.Sig, err = base64.StdEncoding.DecodeString(v)
		default:
			return nil, fmt.Errorf("authorization: unknown parameter %q", k)
		}
		if err != nil {
			return nil, fmt.Errorf("authorization: parameter %s: %w", k, err)
		}
	}
	if a.ID == "" || a.Nonce == "" || len(a.Nonce) > 64 || len(a.Sig) != ed25519.SignatureSize || len(a.ID) > MaxIDLength {
		return nil, errors.New("authorization: missing or malformed id, nonce or sig")
	}
	return &a, nil
}

// Verify checks a's signature of the request by pub and its timestamp
// against now. Nonce uniqueness is the server's to check.
func (a *RequestAuth) Verify(pub ed25519.PublicKey, method, pathAndQuery string, body []byte, now time.Time) error {
	if d := now.Sub(time.Unix(a.Time, 0)); d > MaxClockSkew || d < -MaxClockSkew {
		return fmt.Errorf("authorization: timestamp %d is %s away from the server's clock", a.Time, d.Round(time.Second))
	}
	if !ed25519.Verify(pub, RequestMessage(method, pathAndQuery, a.Time, a.Nonce, body), a.Sig) {
		return errors.New("authorization: signature does not verify")
	}
	return nil
}
