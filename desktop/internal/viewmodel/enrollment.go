package viewmodel

import (
	"bytes"
	"context"
	"slices"
	"strings"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/keystore"
	"appariement/desktop/internal/localstore"
	"appariement/desktop/internal/service"
	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/envelope"
)

// Enrollment is the first-run screen: server address, then the server's
// fingerprint to compare with the activation e-mail and confirm, then
// identifier, activation code and passphrase (twice). The code can only
// be sent once the fingerprint of the server it goes to is confirmed.
type Enrollment struct {
	ServerURL string
	// Servers is the checked address (first, locked) and more addresses
	// of the same server, added once the fingerprint is confirmed, each
	// checked to publish the confirmed key (ServerList.Add, CheckAddress);
	// the service checks them all again before the code is sent.
	Servers    ServerList
	Identifier string
	Code       string
	Passphrase string
	Confirm    string
	// Params are the key store's Argon2id parameters (zero: default).
	Params keystore.Params

	// ServerKey is the key fetched from CheckedURL (nil before).
	ServerKey  *api.ServerKey
	CheckedURL string
	// FingerprintConfirmed is the user's word that the fingerprint shown
	// is the one of their activation e-mail.
	FingerprintConfirmed bool
	// TypedFingerprint is the fingerprint the user typed or pasted from
	// the e-mail, if any, compared with the server's.
	TypedFingerprint string

	Busy    bool
	Error   string
	Profile *localstore.Profile
}

// CanCheckServer reports whether the server address may be checked now.
func (e *Enrollment) CanCheckServer() bool {
	return !e.Busy && strings.TrimSpace(e.ServerURL) != ""
}

// CheckServer fetches the key of the server at url (blocking: run it in
// the background, then call ServerChecked). Nothing secret is sent.
func CheckServer(ctx context.Context, url string) (*api.ServerKey, error) {
	return service.FetchServerKey(ctx, url)
}

// ServerChecked records the outcome of CheckServer for url: the
// fingerprint to compare, and a confirmation to give again.
func (e *Enrollment) ServerChecked(url string, k *api.ServerKey, err error) {
	e.Busy = false
	e.FingerprintConfirmed = false
	e.Error = Message(err)
	old := e.ServerKey
	e.ServerKey, e.CheckedURL = nil, ""
	if err != nil {
		return
	}
	e.ServerKey, e.CheckedURL = k, url
	// The other addresses stay if they were checked against this same
	// key; another key starts the list again.
	var others []string
	if old != nil && k != nil && bytes.Equal(old.PublicKey, k.PublicKey) && len(e.Servers.Addresses) > 1 {
		others = slices.DeleteFunc(slices.Clone(e.Servers.Addresses[1:]), func(a string) bool { return a == url })
	}
	e.Servers = ServerList{Addresses: append([]string{url}, others...), Locked: 1}
}

// CanAddServers reports whether other addresses may be added: once the
// server's fingerprint is confirmed, against its key.
func (e *Enrollment) CanAddServers() bool { return e.FingerprintOK() }

// OtherServers are the addresses added after the checked one, in order.
func (e *Enrollment) OtherServers() []string {
	if !e.Checked() || len(e.Servers.Addresses) < 2 {
		return nil
	}
	return slices.Clone(e.Servers.Addresses[1:])
}

// Checked reports whether the server at the address now typed has been
// checked (typing another address asks for a new check).
func (e *Enrollment) Checked() bool {
	return e.ServerKey != nil && e.CheckedURL == strings.TrimSpace(e.ServerURL)
}

// ServerFingerprint is the fingerprint of the checked server's key,
// computed locally ("" before the check).
func (e *Enrollment) ServerFingerprint() string {
	if !e.Checked() {
		return ""
	}
	return envelope.Fingerprint(e.ServerKey.PublicKey)
}

// TypedMatches tells whether a fingerprint was typed (typed) and whether
// it is the server's (match), ignoring case, spaces and separators.
func (e *Enrollment) TypedMatches() (typed, match bool) {
	t := hexDigits(e.TypedFingerprint)
	if t == "" {
		return false, false
	}
	return true, e.Checked() && t == hexDigits(e.ServerFingerprint())
}

func hexDigits(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= '0' && r <= '9') || (r >= 'a' && r <= 'f') {
			b.WriteRune(r)
		} else if r != ' ' && r != ':' && r != '-' && r != '\t' && r != '\n' {
			b.WriteRune('?') // not a fingerprint: never matches
		}
	}
	return b.String()
}

// FingerprintText says how the typed fingerprint compares ("" when none
// is typed).
func (e *Enrollment) FingerprintText() string {
	typed, match := e.TypedMatches()
	switch {
	case !typed:
		return ""
	case match:
		return i18n.T("enroll.fingerprint_same")
	default:
		return i18n.T("enroll.fingerprint_differs")
	}
}

// FingerprintOK reports whether the user confirmed the checked server:
// by their word or by typing the same fingerprint, and never when a typed
// fingerprint differs.
func (e *Enrollment) FingerprintOK() bool {
	typed, match := e.TypedMatches()
	if typed && !match {
		return false
	}
	return e.Checked() && (e.FingerprintConfirmed || match)
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

// ReviewFingerprint withdraws the confirmation, to compare again.
func (e *Enrollment) ReviewFingerprint() {
	e.FingerprintConfirmed = false
	e.TypedFingerprint = ""
}

// CanSubmit reports whether the server's fingerprint is confirmed, every
// field is filled and the passphrase is acceptable.
func (e *Enrollment) CanSubmit() bool {
	return !e.Busy && e.FingerprintOK() && domain.NormalizeTyped(e.Identifier) != "" &&
		domain.NormalizeTyped(e.Code) != "" && e.Passphrase == e.Confirm && keystore.Estimate(e.Passphrase).Acceptable()
}

// Request returns the enrollment request for the service, to the checked
// server and its confirmed key (none before the confirmation).
func (e *Enrollment) Request() service.EnrollRequest {
	r := service.EnrollRequest{
		// The identifier and the code as the server reads them (the same
		// function on both sides): " i000038 " is I000038.
		ServerURL: strings.TrimSpace(e.ServerURL), Identifier: domain.NormalizeTyped(e.Identifier),
		Code: domain.NormalizeTyped(e.Code), Passphrase: e.Passphrase, Confirm: e.Confirm, Params: e.Params,
		OtherServers: e.OtherServers(),
	}
	if e.FingerprintOK() {
		r.ServerKey = *e.ServerKey
	}
	return r
}

// Submit enrolls (blocking: run it in the background, then call Done).
func Submit(ctx context.Context, store *localstore.Store, req service.EnrollRequest) (*localstore.Profile, error) {
	return service.Enroll(ctx, store, req)
}

// Done records the outcome of Submit.
func (e *Enrollment) Done(p *localstore.Profile, err error) {
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
