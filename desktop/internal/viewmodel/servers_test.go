package viewmodel

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/keystore"
	"appariement/desktop/internal/localstore"
	"appariement/desktop/internal/service"
	"appariement/shared/client"
	"appariement/syncserver/servertest"
)

// TestServerListEdit: the list's moves, table by table: locked leading
// addresses stay in place, the last address is never removed, moves out
// of range change nothing, typed addresses are read without blanks,
// trailing slashes or repeats.
func TestServerListEdit(t *testing.T) {
	a, b, c := "https://a.example.fr", "https://b.example.fr", "https://c.example.fr"
	type op struct {
		name string
		i    int
	}
	for _, tc := range []struct {
		name   string
		start  []string
		locked int
		ops    []op
		want   []string
	}{
		{"up", []string{a, b, c}, 0, []op{{"up", 2}}, []string{a, c, b}},
		{"up first", []string{a, b, c}, 0, []op{{"up", 0}}, []string{a, b, c}},
		{"down", []string{a, b, c}, 0, []op{{"down", 0}}, []string{b, a, c}},
		{"down last", []string{a, b, c}, 0, []op{{"down", 2}}, []string{a, b, c}},
		{"remove", []string{a, b, c}, 0, []op{{"remove", 1}}, []string{a, c}},
		{"remove first", []string{a, b, c}, 0, []op{{"remove", 0}}, []string{b, c}},
		{"remove the last one left", []string{a}, 0, []op{{"remove", 0}}, []string{a}},
		{"out of range", []string{a, b}, 0, []op{{"remove", 5}, {"up", -1}, {"down", 9}}, []string{a, b}},
		{"locked first not removed", []string{a, b, c}, 1, []op{{"remove", 0}}, []string{a, b, c}},
		{"nothing above the locked", []string{a, b, c}, 1, []op{{"up", 1}, {"down", 0}}, []string{a, b, c}},
		{"below the locked", []string{a, b, c}, 1, []op{{"down", 1}}, []string{a, c, b}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := &ServerList{Addresses: append([]string(nil), tc.start...), Locked: tc.locked}
			for _, o := range tc.ops {
				switch o.name {
				case "up":
					l.MoveUp(o.i)
				case "down":
					l.MoveDown(o.i)
				case "remove":
					l.Remove(o.i)
				}
			}
			if !reflect.DeepEqual(l.Addresses, tc.want) {
				t.Fatalf("addresses %q, want %q", l.Addresses, tc.want)
			}
		})
	}

	l := &ServerList{Addresses: []string{a}}
	todo := l.Add(" " + b + "/\n" + a + ", " + c + " " + b)
	if want := []string{b, c}; !reflect.DeepEqual(todo, want) || !reflect.DeepEqual(l.Checking, want) {
		t.Fatalf("to check %q, checking %q; want %q", todo, l.Checking, want)
	}
	if again := l.Add(b); len(again) != 0 {
		t.Fatalf("an address being checked is checked again: %q", again)
	}
	l.Checked(c, nil)
	l.Checked(b, nil)
	l.Checked("https://never-asked.example.fr", nil)
	if want := []string{a, c, b}; !reflect.DeepEqual(l.Addresses, want) || len(l.Checking) != 0 {
		t.Fatalf("after the checks %q (checking %q), want %q in the order the checks came back", l.Addresses, l.Checking, want)
	}
}

// TestAddressRefusal: each reason of a refusal has its own sentence,
// naming the address, French then English; an address that does not
// answer is not called another server.
func TestAddressRefusal(t *testing.T) {
	addr := "https://b.example.fr"
	down := &client.RetryError{Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}}
	for _, tc := range []struct {
		name   string
		err    error
		fr, en string
	}{
		{"mismatch", &service.AddressError{Addr: addr, Err: fmt.Errorf("fingerprint x: %w", service.ErrServerKeyMismatch)},
			"L'adresse https://b.example.fr publie une autre clé de serveur que la clé épinglée",
			"The address https://b.example.fr publishes another server key than the pinned one"},
		{"unreachable", &service.AddressError{Addr: addr, Err: fmt.Errorf("server key: %w", down)},
			"L'adresse https://b.example.fr ne répond pas", "The address https://b.example.fr does not answer"},
		{"timeout", &service.AddressError{Addr: addr, Err: context.DeadlineExceeded},
			"L'adresse https://b.example.fr ne répond pas", "The address https://b.example.fr does not answer"},
		{"plain http", &service.AddressError{Addr: "http://b.example.fr", Err: service.ErrInsecureServer},
			"Adresse http://b.example.fr refusée : Adresse refusée : utilisez https://", "Address http://b.example.fr refused: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer i18n.SetLanguage("fr")
			for lang, want := range map[string]string{"fr": tc.fr, "en": tc.en} {
				i18n.SetLanguage(lang)
				if got := AddressRefusal("ignored: the error names it", tc.err); !strings.HasPrefix(got, want) {
					t.Errorf("%s: %q, want it to start with %q", lang, got, want)
				}
			}
		})
	}
}

// TestServerLine: the status line names the address that answered and,
// with several, its place.
func TestServerLine(t *testing.T) {
	a, b, c := "https://a.example.fr", "https://b.example.fr", "https://c.example.fr"
	for _, tc := range []struct {
		addr  string
		addrs []string
		want  string
	}{
		{b, []string{a, b, c}, "● Connecté à https://b.example.fr (serveur 2 sur 3)"},
		{a + "/", []string{a, b}, "● Connecté à https://a.example.fr/ (serveur 1 sur 2)"},
		{a, []string{a}, "● Connecté à https://a.example.fr"},
		{c, []string{a, b}, "● Connecté à https://c.example.fr"},
	} {
		if got := ServerLine(tc.addr, tc.addrs); got != tc.want {
			t.Errorf("ServerLine(%s, %q) = %q, want %q", tc.addr, tc.addrs, got, tc.want)
		}
	}
}

// closedAddress is a loopback address where nothing listens.
func closedAddress(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := "http://" + ln.Addr().String()
	ln.Close()
	return addr
}

// TestServerSettings: on real servers, an address of another server is
// refused by name as such, one that does not answer as such (not as
// another server), and neither joins the list; a second address of the
// same server joins it, is saved in the profile and used at once, and the
// status line says which address answered and its place.
func TestServerSettings(t *testing.T) {
	a, env := session(t)
	s := NewSession(a.Svc)
	other := servertest.Start(t, servertest.Options{Empty: true})
	faults := env.Faults()
	front := env.Front(t, faults)
	gone := closedAddress(t)
	ctx := context.Background()

	v := NewServerSettings(s)
	if !reflect.DeepEqual(v.Addresses, []string{env.URL}) || v.CanSave() {
		t.Fatalf("addresses %q, can save %v", v.Addresses, v.CanSave())
	}
	check := func(raw string) {
		for _, addr := range v.Add(raw) {
			v.Checked(addr, CheckAddress(ctx, addr, v.Pinned))
		}
	}
	for _, tc := range []struct {
		name, raw, want string
	}{
		{"another server", other.URL, "L'adresse " + other.URL + " publie une autre clé de serveur"},
		{"no answer", gone, "L'adresse " + gone + " ne répond pas"},
		{"plain http elsewhere", "http://192.0.2.1:8080", "Adresse http://192.0.2.1:8080 refusée"},
	} {
		check(tc.raw)
		if !strings.HasPrefix(v.Status(), tc.want) || !reflect.DeepEqual(v.Addresses, []string{env.URL}) || v.CanSave() {
			t.Errorf("%s: status %q, addresses %q, can save %v; want %q and nothing added", tc.name, v.Status(), v.Addresses, v.CanSave(), tc.want)
		}
	}
	check(front)
	if want := []string{env.URL, front}; !reflect.DeepEqual(v.Addresses, want) || v.Error != "" || !v.CanSave() {
		t.Fatalf("same server's address: %q (error %q), can save %v; want %q", v.Addresses, v.Error, v.CanSave(), want)
	}
	if v.Status() != "Modifications non enregistrées." {
		t.Errorf("status %q", v.Status())
	}
	v.MoveDown(0)
	v.Busy = true
	v.Done(v.Save(ctx, s))
	if !v.Saved || v.Error != "" || v.CanSave() || !strings.HasPrefix(v.Status(), "Adresses enregistrées") {
		t.Fatalf("saved %v, error %q, status %q", v.Saved, v.Error, v.Status())
	}
	if got, want := a.Svc.Servers(), []string{front, env.URL}; !reflect.DeepEqual(got, want) {
		t.Fatalf("servers %q, want %q", got, want)
	}
	if p, err := a.Svc.Store.Profile(); err != nil || p.ServerURL != front || !reflect.DeepEqual(p.OtherServers, []string{env.URL}) {
		t.Fatalf("profile: %q then %q (%v)", p.ServerURL, p.OtherServers, err)
	}

	// The first address is cut: the second answers, and the line says so.
	faults.Cut(true)
	a.Svc.Outbox.Ping(ctx)
	if line := a.Status(a.Svc.Outbox.Status()).Online; line != "● Connecté à "+env.URL+" (serveur 2 sur 2)" {
		t.Errorf("status line %q", line)
	}

	// Saving checks every address again: one gone meanwhile is named.
	faults.Cut(false)
	check(other.URL) // refused, not listed
	v.Addresses = append(v.Addresses, gone)
	v.Done(v.Save(ctx, s))
	if v.Saved || !strings.HasPrefix(v.Error, "L'adresse "+gone+" ne répond pas") {
		t.Fatalf("save with an address gone: saved %v, error %q", v.Saved, v.Error)
	}
	if got := a.Svc.Servers(); len(got) != 2 {
		t.Fatalf("a refused save changed the servers to %q", got)
	}
}

// TestEnrollmentOtherServers: once the fingerprint is confirmed, other
// addresses are checked against the confirmed key (another server's is
// refused by name and not listed); the service refuses one anyway before
// the code leaves; the same code then enrolls with a second address of the
// same server, which the profile keeps.
func TestEnrollmentOtherServers(t *testing.T) {
	env := servertest.Start(t, servertest.Options{Interns: 1})
	other := servertest.Start(t, servertest.Options{Empty: true})
	front := env.Front(t, env.Faults())
	ctx := context.Background()
	store, err := localstore.Open(filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	id := env.Interns[0]
	e := &Enrollment{ServerURL: env.URL, Identifier: id, Code: env.Codes[id],
		Passphrase: pass, Confirm: pass, Params: keystore.TestParams}
	if e.CanAddServers() {
		t.Fatal("addresses can be added before the server is checked")
	}
	k, err := CheckServer(ctx, e.ServerURL)
	e.ServerChecked(e.ServerURL, k, err)
	e.FingerprintConfirmed = true
	if !e.CanAddServers() || !reflect.DeepEqual(e.Servers.Addresses, []string{env.URL}) || e.Servers.CanRemove(0) {
		t.Fatalf("after the check: can add %v, list %q", e.CanAddServers(), e.Servers.Addresses)
	}
	for _, addr := range e.Servers.Add(other.URL) {
		e.Servers.Checked(addr, CheckAddress(ctx, addr, *e.ServerKey))
	}
	if len(e.Servers.Addresses) != 1 || !strings.Contains(e.Servers.Status(), other.URL) {
		t.Fatalf("another server's address: list %q, status %q", e.Servers.Addresses, e.Servers.Status())
	}
	req := e.Request()
	req.OtherServers = []string{other.URL} // past the screen: the service checks too
	_, err = Submit(ctx, store, req)
	var ae *service.AddressError
	if !errors.As(err, &ae) || ae.Addr != other.URL || !errors.Is(err, service.ErrServerKeyMismatch) {
		t.Fatalf("enroll with another server's address: %v; want a key mismatch naming %s", err, other.URL)
	}
	for _, addr := range e.Servers.Add(front) {
		e.Servers.Checked(addr, CheckAddress(ctx, addr, *e.ServerKey))
	}
	p, err := Submit(ctx, store, e.Request())
	if err != nil {
		t.Fatalf("enroll with a second address of the same server (the code was not spent): %v", err)
	}
	if p.ServerURL != env.URL || !reflect.DeepEqual(p.OtherServers, []string{front}) {
		t.Fatalf("profile's servers %q then %q", p.ServerURL, p.OtherServers)
	}
}
