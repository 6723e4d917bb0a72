package viewmodel

import (
	"context"
	"errors"
	"slices"
	"strings"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/service"
	"appariement/shared/api"
)

// ServerSettings is the settings screen's list of the server's addresses
// (nodes of the same server, with the pinned key): the user adds, removes
// and orders them (ServerList: each address added is checked against the
// pinned key first), then saves; saving checks every address again, and
// a refusal names the address and changes nothing.
type ServerSettings struct {
	ServerList
	// Pinned is the server key pinned at enrollment.
	Pinned api.ServerKey
	Busy   bool
	// Saved is set by a successful save, until the next change.
	Saved bool

	saved []string // the list as the app uses it
}

// NewServerSettings lists the session's addresses.
func NewServerSettings(s *Session) *ServerSettings {
	addrs := s.Svc.Servers()
	return &ServerSettings{ServerList: ServerList{Addresses: addrs}, Pinned: s.Svc.Profile.ServerKey, saved: slices.Clone(addrs)}
}

// Changed reports whether the list differs from the one the app uses.
func (v *ServerSettings) Changed() bool { return !slices.Equal(v.Addresses, v.saved) }

// CanSave reports whether the list may be saved now: changed, and no
// check under way.
func (v *ServerSettings) CanSave() bool {
	return !v.Busy && len(v.Checking) == 0 && len(v.Addresses) > 0 && v.Changed()
}

// Save checks every address against the pinned key and, if all agree,
// saves the list and uses it at once (blocking: run it in the background,
// then call Done). Nothing changes on a refusal.
func (v *ServerSettings) Save(ctx context.Context, s *Session) error {
	return s.Svc.SetServers(ctx, slices.Clone(v.Addresses))
}

// Done records the outcome of Save.
func (v *ServerSettings) Done(err error) {
	v.Busy, v.Saved = false, err == nil
	v.Error = ""
	if err == nil {
		v.saved = slices.Clone(v.Addresses)
		return
	}
	var ae *service.AddressError
	if errors.As(err, &ae) {
		v.Error = AddressRefusal(ae.Addr, ae.Err)
		return
	}
	v.Error = Message(err)
}

// Status is the line under the list: saving, the checks under way or the
// last refusal, unsaved changes, saved, or how many addresses there are.
func (v *ServerSettings) Status() string {
	switch {
	case v.Busy:
		return i18n.T("servers.saving")
	case len(v.Checking) > 0 || v.Error != "":
		return v.ServerList.Status()
	case v.Changed():
		return i18n.T("servers.unsaved")
	case v.Saved:
		return i18n.T("servers.saved")
	}
	return v.ServerList.Status()
}

// Summary is the list as one line, for the settings screen's header.
func (v *ServerSettings) Summary() string { return strings.Join(v.Addresses, ", ") }
