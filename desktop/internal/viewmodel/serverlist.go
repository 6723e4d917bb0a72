package viewmodel

import (
	"context"
	"errors"
	"slices"
	"strings"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/service"
	"appariement/shared/api"
	"appariement/shared/client"
)

// ServerList is the list of a server's addresses (nodes of the same
// server, all publishing the pinned key) as the enrollment and the
// settings edit it: the first is tried first. An address typed in is
// checked against the pinned key before it joins the list; a mismatch and
// an address that does not answer are refused by name, each with its own
// sentence, and leave the list as it was.
type ServerList struct {
	// Addresses are the listed addresses, in the order tried.
	Addresses []string
	// Locked is the number of leading addresses that stay in place (the
	// enrollment's checked address): they cannot be removed, and nothing
	// moves above them.
	Locked int
	// Checking are the addresses typed in whose check is under way.
	Checking []string
	// Error is the last refusal (empty after an accepted address).
	Error string
}

// Add reads the addresses typed in raw (one or several, separated by
// lines, commas or spaces) and returns those to check: not listed and not
// already being checked. Run CheckAddress on each (in the background),
// then Checked.
func (l *ServerList) Add(raw string) []string {
	var todo []string
	for _, a := range service.SplitServerURLs(raw) {
		if !slices.Contains(l.Addresses, a) && !slices.Contains(l.Checking, a) {
			todo = append(todo, a)
			l.Checking = append(l.Checking, a)
		}
	}
	if len(todo) > 0 {
		l.Error = ""
	}
	return todo
}

// CheckAddress checks that addr is acceptable (https://, or http:// to
// this computer) and publishes the pinned key (blocking: run it in the
// background, then call Checked). Nothing secret is sent.
func CheckAddress(ctx context.Context, addr string, pinned api.ServerKey) error {
	return service.CheckServers(ctx, []string{addr}, pinned)
}

// Checked records the outcome of CheckAddress for addr: the address joins
// the end of the list, or Error says why it was refused, naming it.
func (l *ServerList) Checked(addr string, err error) {
	i := slices.Index(l.Checking, addr)
	if i < 0 {
		return // withdrawn meanwhile (the list was replaced)
	}
	l.Checking = slices.Delete(l.Checking, i, i+1)
	if err != nil {
		l.Error = AddressRefusal(addr, err)
		return
	}
	if !slices.Contains(l.Addresses, addr) {
		l.Addresses = append(l.Addresses, addr)
	}
}

// AddressRefusal is the sentence for an address refused by err: another
// server's key, no answer (not a mismatch: the address may be right and
// the server down), or another reason; it names the address.
func AddressRefusal(addr string, err error) string {
	var ae *service.AddressError
	if errors.As(err, &ae) {
		addr, err = ae.Addr, ae.Err
	}
	retry, _ := client.Retryable(err)
	switch {
	case errors.Is(err, service.ErrServerKeyMismatch):
		return i18n.T("servers.mismatch", addr)
	case retry || errors.Is(err, context.DeadlineExceeded):
		return i18n.T("servers.unreachable", addr)
	default:
		return i18n.T("servers.refused", addr, Message(err))
	}
}

// Remove removes the i-th address (never a locked one, nor the last one:
// there is always an address).
func (l *ServerList) Remove(i int) {
	if !l.CanRemove(i) {
		return
	}
	l.Addresses = slices.Delete(l.Addresses, i, i+1)
}

// MoveUp moves the i-th address one place earlier.
func (l *ServerList) MoveUp(i int) {
	if !l.CanMoveUp(i) {
		return
	}
	l.Addresses[i-1], l.Addresses[i] = l.Addresses[i], l.Addresses[i-1]
}

// MoveDown moves the i-th address one place later.
func (l *ServerList) MoveDown(i int) {
	if !l.CanMoveDown(i) {
		return
	}
	l.Addresses[i+1], l.Addresses[i] = l.Addresses[i], l.Addresses[i+1]
}

// CanRemove reports whether the i-th address may be removed.
func (l *ServerList) CanRemove(i int) bool {
	return i >= l.Locked && i < len(l.Addresses) && len(l.Addresses) > 1
}

// CanMoveUp reports whether the i-th address may move one place earlier.
func (l *ServerList) CanMoveUp(i int) bool { return i > l.Locked && i < len(l.Addresses) }

// CanMoveDown reports whether the i-th address may move one place later.
func (l *ServerList) CanMoveDown(i int) bool { return i >= l.Locked && i+1 < len(l.Addresses) }

// Row is the i-th address as the list shows it: "2. https://…", with
// what its place means.
func (l *ServerList) Row(i int) (label, note string) {
	label = i18n.T("servers.row", i+1, l.Addresses[i])
	switch {
	case i < l.Locked:
		note = i18n.T("servers.note_checked")
	case i == 0:
		note = i18n.T("servers.note_first")
	default:
		note = i18n.T("servers.note_then")
	}
	return label, note
}

// Status is the line under the list: the checks under way, else the
// last refusal, else how many addresses are listed.
func (l *ServerList) Status() string {
	switch {
	case len(l.Checking) > 0:
		return i18n.T("servers.checking", strings.Join(l.Checking, ", "))
	case l.Error != "":
		return l.Error
	}
	return i18n.N("servers.count", len(l.Addresses), len(l.Addresses))
}

// ServerLine is the status line's "which server answered": the address
// that answered last and, with several, its place in the list
// ("Connecté à https://… (serveur 2 sur 3)").
func ServerLine(addr string, addrs []string) string {
	at := slices.IndexFunc(addrs, func(a string) bool { return strings.TrimRight(a, "/") == strings.TrimRight(addr, "/") })
	if len(addrs) < 2 || at < 0 {
		return i18n.T("servers.connected", addr)
	}
	return i18n.T("servers.connected_nth", addr, at+1, len(addrs))
}
