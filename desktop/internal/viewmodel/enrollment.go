package viewmodel

import (
	"context"
	"strings"

	"appariement/desktop/internal/cache"
	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/keystore"
	"appariement/desktop/internal/service"
	"appariement/shared/envelope"
)

// Enrollment is the first-run screen: server address, identifier,
// activation code and passphrase (twice).
type Enrollment struct {
	ServerURL  string
	Identifier string
	Code       string
	Passphrase string
	Confirm    string
	// Params are the key store's Argon2id parameters (zero: default).
	Params keystore.Params

	Busy    bool
	Error   string
	Profile *cache.Profile
}

// StrengthText describes the passphrase's strength, with what to improve.
func (e *Enrollment) StrengthText() string {
	if e.Passphrase == "" {
		return i18n.T("pass.hint", keystore.MinLength)
	}
	s := keystore.Estimate(e.Passphrase)
	text := i18n.T("pass.score." + string(rune('0'+s.Score)))
	var probs []string
	for _, p := range s.Problems {
		if p == "pass.too_short" {
			probs = append(probs, i18n.T(p, keystore.MinLength))
		} else {
			probs = append(probs, i18n.T(p))
		}
	}
	if len(probs) > 0 {
		text += " — " + strings.Join(probs, " ; ")
	}
	return text
}

// StrengthValue is the strength from 0 to 1, for a bar.
func (e *Enrollment) StrengthValue() float64 {
	if e.Passphrase == "" {
		return 0
	}
	return float64(keystore.Estimate(e.Passphrase).Score+1) / 5
}

// ConfirmText says whether the second passphrase matches.
func (e *Enrollment) ConfirmText() string {
	if e.Confirm == "" {
		return ""
	}
	if e.Confirm != e.Passphrase {
		return i18n.T("err.passphrase_mismatch")
	}
	return i18n.T("pass.confirmed")
}

// CanSubmit reports whether every field is filled and the passphrase is
// acceptable.
func (e *Enrollment) CanSubmit() bool {
	return !e.Busy && strings.TrimSpace(e.ServerURL) != "" && strings.TrimSpace(e.Identifier) != "" &&
		strings.TrimSpace(e.Code) != "" && e.Passphrase == e.Confirm && keystore.Estimate(e.Passphrase).Acceptable()
}

// Request returns the enrollment request for the service.
func (e *Enrollment) Request() service.EnrollRequest {
	return service.EnrollRequest{
		ServerURL: strings.TrimSpace(e.ServerURL), Identifier: strings.TrimSpace(e.Identifier),
		Code: strings.TrimSpace(e.Code), Passphrase: e.Passphrase, Confirm: e.Confirm, Params: e.Params,
	}
}

// Submit enrolls (blocking: run it in the background, then call Done).
func Submit(ctx context.Context, store *cache.Store, req service.EnrollRequest) (*cache.Profile, error) {
	return service.Enroll(ctx, store, req)
}

// Done records the outcome of Submit.
func (e *Enrollment) Done(p *cache.Profile, err error) {
	e.Busy = false
	e.Error = Message(err)
	e.Profile = p
	if err == nil {
		e.Passphrase, e.Confirm = "", ""
	}
}

// Fingerprint is the pinned server key's fingerprint, computed locally.
func (e *Enrollment) Fingerprint() string {
	if e.Profile == nil {
		return ""
	}
	return envelope.Fingerprint(e.Profile.ServerKey.PublicKey)
}
