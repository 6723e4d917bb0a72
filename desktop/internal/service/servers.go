package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"appariement/shared/api"
	"appariement/shared/client"
)

// SplitServerURLs reads a list of server addresses typed one per line or
// separated by commas or spaces, without blanks or repeats, in order.
func SplitServerURLs(raw string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		f = strings.TrimRight(f, "/")
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// AddressError is a refusal of one server address: it names the address
// (Addr) and says why (Err: ErrServerKeyMismatch, ErrInsecureServer, a
// network error…).
type AddressError struct {
	Addr string
	Err  error
}

func (e *AddressError) Error() string {
	if errors.Is(e.Err, ErrServerKeyMismatch) {
		return fmt.Sprintf("l'adresse %s publie une autre clé de serveur que la clé épinglée : ce n'est pas le même serveur / "+
			"the address %s publishes another server key than the pinned one: %v", e.Addr, e.Addr, e.Err)
	}
	return fmt.Sprintf("adresse %s refusée / address %s refused: %v", e.Addr, e.Addr, e.Err)
}

func (e *AddressError) Unwrap() error { return e.Err }

// CheckServers checks that every address passes CheckServerURL and
// publishes the pinned key: all addresses must be nodes of the same
// server. A mismatch names the address, French first.
func CheckServers(ctx context.Context, urls []string, pinned api.ServerKey) error {
	for _, u := range urls {
		k, err := FetchServerKey(ctx, u)
		if err != nil {
			return &AddressError{Addr: u, Err: err}
		}
		if !bytes.Equal(k.PublicKey, pinned.PublicKey) {
			return &AddressError{Addr: u, Err: fmt.Errorf("fingerprint %s, pinned %s: %w", k.Fingerprint, pinned.Fingerprint, ErrServerKeyMismatch)}
		}
	}
	return nil
}

// useServers sends the client's requests (and those of its copies: the
// outbox, the syncs, the results) through a failover over urls, starting
// at urls[start]; with remember, the address that answers is kept in the
// profile (LastServer) for the next start.
func (s *Service) useServers(urls []string, start int, remember bool) error {
	s.mu.Lock()
	old := s.failover
	s.mu.Unlock()
	if old != nil {
		return old.SetAddrs(urls, start)
	}
	f, err := client.NewFailover(urls, start)
	if err != nil {
		return err
	}
	if remember {
		f.OnSwitch = func(string) {
			_, at := f.Current()
			s.mu.Lock()
			defer s.mu.Unlock()
			s.Profile.LastServer = at
			// Only a hint for the next start: a failure to save it
			// changes nothing now.
			_ = s.Store.SaveProfile(s.Profile)
		}
	}
	s.mu.Lock()
	s.failover = f
	s.mu.Unlock()
	s.Client.SetTransport(f)
	return nil
}

// CurrentServer returns the address that answered last (the status line
// shows it).
func (s *Service) CurrentServer() string {
	s.mu.Lock()
	f := s.failover
	s.mu.Unlock()
	if f == nil {
		return s.Profile.ServerURL
	}
	u, _ := f.Current()
	return u
}

// answering is the outbox's Answering: the address that answered last,
// when the server has several addresses now (the settings may change their
// number); "" with one.
func (s *Service) answering() string {
	s.mu.Lock()
	f := s.failover
	s.mu.Unlock()
	if f == nil || f.Len() < 2 {
		return ""
	}
	u, _ := f.Current()
	return u
}

// Servers returns the profile's addresses: the enrollment's first, then
// the others.
func (s *Service) Servers() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string{s.Profile.ServerURL}, s.Profile.OtherServers...)
}

// SetServers replaces the server's addresses (the settings screen): each
// must pass CheckServerURL and publish the pinned key, else nothing
// changes. The new list is saved in the profile and used at once.
func (s *Service) SetServers(ctx context.Context, urls []string) error {
	if len(urls) == 0 {
		return fmt.Errorf("aucune adresse de serveur / no server address: %w", ErrMissingField)
	}
	if err := CheckServers(ctx, urls, s.Profile.ServerKey); err != nil {
		return err
	}
	s.mu.Lock()
	p := *s.Profile
	p.ServerURL, p.OtherServers, p.LastServer = urls[0], slices.Clone(urls[1:]), 0
	err := s.Store.SaveProfile(&p)
	if err == nil {
		*s.Profile = p
	}
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("server addresses: %w", err)
	}
	return s.useServers(urls, 0, true)
}
