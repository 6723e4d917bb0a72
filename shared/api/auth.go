package api

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RequestAuth is a parsed signed request: the Authorization header
//
//	Authorization: Appariement-Ed25519-v2 id=<person>,ts=<unix seconds>,nonce=<hex>,sig=<base64>
//
// and the body digest the signer declared in the Content-Digest header
// (RFC 9530: "sha-256=:<base64>:"; absent means an empty body).
//
// The signature covers RequestMessage: the scheme version, the key id of
// the server the request is meant for, the signer's identifier, the method,
// the path with query, the timestamp, the nonce and the SHA-256 of the body.
// Because the body enters the signature through its declared digest, a
// server checks who signed a request from its headers alone, before it reads
// a byte of the body, then checks the body against the digest (CheckBody).
// The server accepts a timestamp within MaxClockSkew of its clock and each
// nonce once.
type RequestAuth struct {
	ID    string
	Time  int64
	Nonce string
	Sig   []byte
	// BodySHA256 is the body digest declared by the signer.
	BodySHA256 [sha256.Size]byte
}

// ErrOldRequestScheme is returned by ParseRequestAuth for a request signed
// with version 1 of the scheme, which bound neither the signer's identifier
// nor the server: such requests are refused, and the client must be updated.
var ErrOldRequestScheme = errors.New("authorization: version 1 of the request signature is no longer accepted")

// requestAuthV1 is the scheme name of version 1, recognised only to refuse it
// with a clear message.
const requestAuthV1 = "Appariement-Ed25519"

// RequestMessage is the byte string a signed request signs. server is the
// key id (envelope.KeyID) of the server's public key.
func RequestMessage(server, id, method, pathAndQuery string, ts int64, nonce string, bodySHA256 [sha256.Size]byte) []byte {
	return fmt.Appendf(nil, "appariement-request-v2\n%s\n%s\n%s\n%s\n%d\n%s\n%s\n",
		server, id, method, pathAndQuery, ts, nonce, hex.EncodeToString(bodySHA256[:]))
}

// ContentDigest returns the Content-Digest header value of body (RFC 9530).
func ContentDigest(body []byte) string {
	sum := sha256.Sum256(body)
	return "sha-256=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":"
}

// SignRequest sets the Authorization and Content-Digest headers of a request
// by id to the server whose key id is server.
func SignRequest(h http.Header, priv ed25519.PrivateKey, server, id, method, pathAndQuery string, body []byte, now time.Time) {
	var nb [12]byte
	rand.Read(nb[:])
	nonce := hex.EncodeToString(nb[:])
	ts := now.Unix()
	sig := ed25519.Sign(priv, RequestMessage(server, id, method, pathAndQuery, ts, nonce, sha256.Sum256(body)))
	h.Set("Authorization", fmt.Sprintf("%s id=%s,ts=%d,nonce=%s,sig=%s", RequestAuthName, id, ts, nonce,
		base64.StdEncoding.EncodeToString(sig)))
	h.Set("Content-Digest", ContentDigest(body))
}

// ParseRequestAuth parses the Authorization and Content-Digest header
// values of a signed request.
func ParseRequestAuth(authorization, contentDigest string) (*RequestAuth, error) {
	rest, ok := strings.CutPrefix(authorization, RequestAuthName+" ")
	if !ok {
		if strings.HasPrefix(authorization, requestAuthV1+" ") {
			return nil, ErrOldRequestScheme
		}
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
	if contentDigest == "" {
		a.BodySHA256 = sha256.Sum256(nil)
		return &a, nil
	}
	// Only sha-256 is produced by our clients; one value, no list.
	v, ok := strings.CutPrefix(contentDigest, "sha-256=:")
	if !ok || !strings.HasSuffix(v, ":") {
		return nil, fmt.Errorf("content-digest: want sha-256=:<base64>:, got %.40q", contentDigest)
	}
	sum, err := base64.StdEncoding.DecodeString(strings.TrimSuffix(v, ":"))
	if err != nil || len(sum) != sha256.Size {
		return nil, fmt.Errorf("content-digest: malformed sha-256 value %.40q", contentDigest)
	}
	copy(a.BodySHA256[:], sum)
	return &a, nil
}

// Verify checks a's signature by pub of a request to the server whose key id
// is server, and its timestamp against now. It needs no body: the body is
// checked against the signed digest by CheckBody. Nonce uniqueness is the
// server's to check.
func (a *RequestAuth) Verify(pub ed25519.PublicKey, server, method, pathAndQuery string, now time.Time) error {
	if d := now.Sub(time.Unix(a.Time, 0)); d > MaxClockSkew || d < -MaxClockSkew {
		return fmt.Errorf("authorization: timestamp %d is %s away from the server's clock", a.Time, d.Round(time.Second))
	}
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("authorization: public key has %d bytes", len(pub))
	}
	if !ed25519.Verify(pub, RequestMessage(server, a.ID, method, pathAndQuery, a.Time, a.Nonce, a.BodySHA256), a.Sig) {
		return errors.New("authorization: signature does not verify")
	}
	return nil
}

// CheckBody checks that body is the one whose digest was signed.
func (a *RequestAuth) CheckBody(body []byte) error {
	sum := sha256.Sum256(body)
	if subtle.ConstantTimeCompare(sum[:], a.BodySHA256[:]) != 1 {
		return errors.New("authorization: the body does not match the signed digest")
	}
	return nil
}
