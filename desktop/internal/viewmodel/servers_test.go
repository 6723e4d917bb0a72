package viewmodel

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"appariement/desktop/internal/keystore"
	"appariement/desktop/internal/localstore"
	"appariement/desktop/internal/outbox"
	"appariement/desktop/internal/service"
	"appariement/syncserver/servertest"
)

// TestServerSettings: the settings list of addresses is edited (add
// without repeats, remove but never the last, reorder), an address of
// another server is refused by name and nothing changes, a second address
// of the same server is saved and used, and the status line says which
// address answered.
func TestServerSettings(t *testing.T) {
	a, env := session(t)
	s := NewSession(a.Svc)
	other := servertest.Start(t, servertest.Options{Empty: true})
	front := env.Front(t, env.Faults())
	ctx := context.Background()

	v := NewServerSettings(s)
	if !reflect.DeepEqual(v.Addresses, []string{env.URL}) {
		t.Fatalf("addresses %q", v.Addresses)
	}
	v.Add(other.URL + "\n" + env.URL + ", " + other.URL + "/")
	if want := []string{env.URL, other.URL}; !reflect.DeepEqual(v.Addresses, want) {
		t.Fatalf("after add %q, want %q", v.Addresses, want)
	}
	v.Busy = true
	v.Done(v.Save(ctx, s))
	if v.Saved || !strings.Contains(v.Error, other.URL) || !strings.HasPrefix(v.Error, "Adresse") {
		t.Fatalf("another server's address: saved %v, error %q; want a French refusal naming %s", v.Saved, v.Error, other.URL)
	}
	if got := a.Svc.Servers(); !reflect.DeepEqual(got, []string{env.URL}) {
		t.Fatalf("refused list changed the servers to %q", got)
	}
	v.Remove(1)
	v.Add(front)
	v.MoveUp(1)
	if want := []string{front, env.URL}; !reflect.DeepEqual(v.Addresses, want) {
		t.Fatalf("after remove and move %q, want %q", v.Addresses, want)
	}
	v.Remove(0)
	v.Remove(0) // the last address stays
	if len(v.Addresses) != 1 {
		t.Fatalf("addresses %q: the last one was removed", v.Addresses)
	}
	v.Add(front)
	v.Done(v.Save(ctx, s))
	if !v.Saved || v.Error != "" {
		t.Fatalf("same server's addresses: saved %v, error %q", v.Saved, v.Error)
	}
	if got := a.Svc.Servers(); !reflect.DeepEqual(got, []string{env.URL, front}) {
		t.Fatalf("servers %q", got)
	}
	if err := a.ApplySync(a.Sync(ctx, "")); err != nil {
		t.Fatal(err)
	}
	st := outbox.Status{Checked: true, Online: true, Server: a.Svc.CurrentServer()}
	if line := a.Status(st).Online; !strings.Contains(line, env.URL) {
		t.Errorf("status line %q does not name the address that answered (%s)", line, env.URL)
	}
}

// TestEnrollmentOtherServers: the enrollment refuses, before the code
// leaves, another address that publishes another key; the same code then
// enrolls with a second address of the same server.
func TestEnrollmentOtherServers(t *testing.T) {
	env := servertest.Start(t, servertest.Options{Interns: 1})
	other := servertest.Start(t, servertest.Options{Empty: true})
	front := env.Front(t, env.Faults())
	store, err := localstore.Open(filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	id := env.Interns[0]
	e := &Enrollment{ServerURL: env.URL, OtherServers: other.URL, Identifier: id, Code: env.Codes[id],
		Passphrase: pass, Confirm: pass, Params: keystore.TestParams}
	k, err := CheckServer(context.Background(), e.ServerURL)
	e.ServerChecked(e.ServerURL, k, err)
	e.FingerprintConfirmed = true
	_, err = Submit(context.Background(), store, e.Request())
	var ae *service.AddressError
	if !errors.As(err, &ae) || ae.Addr != other.URL || !errors.Is(err, service.ErrServerKeyMismatch) {
		t.Fatalf("enroll with another server's address: %v; want a key mismatch naming %s", err, other.URL)
	}
	e.OtherServers = front
	p, err := Submit(context.Background(), store, e.Request())
	if err != nil {
		t.Fatalf("enroll with a second address of the same server (the code was not spent): %v", err)
	}
	if !reflect.DeepEqual(p.OtherServers, []string{front}) {
		t.Fatalf("profile's other servers %q", p.OtherServers)
	}
}
