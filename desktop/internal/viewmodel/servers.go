package viewmodel

import (
	"context"
	"errors"
	"slices"
	"strings"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/service"
)

// ServerSettings is the settings screen's list of the server's addresses
// (nodes of the same server, with the pinned key): the user adds, removes
// and orders them, then saves; each address is checked to publish the
// pinned key, and a refusal names the address.
type ServerSettings struct {
	Addresses []string // in the order tried
	Busy      bool
	Error     string
	Saved     bool
}

// NewServerSettings lists the session's addresses.
func NewServerSettings(s *Session) *ServerSettings {
	return &ServerSettings{Addresses: s.Svc.Servers()}
}

// Add appends the addresses typed in raw (one or several, separated by
// lines, commas or spaces), skipping those already listed.
func (v *ServerSettings) Add(raw string) {
	for _, a := range service.SplitServerURLs(raw) {
		if !slices.Contains(v.Addresses, a) {
			v.Addresses = append(v.Addresses, a)
		}
	}
	v.Saved = false
}

// Remove removes the i-th address (the last one stays: there is always one).
func (v *ServerSettings) Remove(i int) {
	if i < 0 || i >= len(v.Addresses) || len(v.Addresses) == 1 {
		return
	}
	v.Addresses = slices.Delete(v.Addresses, i, i+1)
	v.Saved = false
}

// MoveUp moves the i-th address one place earlier.
func (v *ServerSettings) MoveUp(i int) {
	if i <= 0 || i >= len(v.Addresses) {
		return
	}
	v.Addresses[i-1], v.Addresses[i] = v.Addresses[i], v.Addresses[i-1]
	v.Saved = false
}

// CanSave reports whether the list may be saved now.
func (v *ServerSettings) CanSave() bool { return !v.Busy && len(v.Addresses) > 0 }

// Save checks every address against the pinned key and, if all agree,
// saves the list and uses it at once (blocking: run it in the background,
// then call Saved). Nothing changes on a refusal.
func (v *ServerSettings) Save(ctx context.Context, s *Session) error {
	return s.Svc.SetServers(ctx, slices.Clone(v.Addresses))
}

// Done records the outcome of Save.
func (v *ServerSettings) Done(err error) {
	v.Busy, v.Saved = false, err == nil
	v.Error = ""
	if err == nil {
		return
	}
	var ae *service.AddressError
	if errors.As(err, &ae) {
		v.Error = i18n.T("settings.server_refused", ae.Addr, Message(ae.Err))
		return
	}
	v.Error = Message(err)
}

// Summary is the list as one line, for the settings screen's header.
func (v *ServerSettings) Summary() string { return strings.Join(v.Addresses, ", ") }
