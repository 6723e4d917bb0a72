package store

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Opener opens a backend at a location: a URL of its scheme (such as
// postgres://…), or a file path for the "file" backend.
type Opener func(location string) (Backend, error)

var (
	openersMu sync.RWMutex
	openers   = map[string]Opener{}
)

// Register makes a backend available to Open under scheme (the part of a
// location before "://"). Backends register themselves in an init
// function (boltstore registers "file"); registering a scheme twice
// panics.
func Register(scheme string, open Opener) {
	openersMu.Lock()
	defer openersMu.Unlock()
	if _, dup := openers[scheme]; dup {
		panic("store: backend registered twice: " + scheme)
	}
	openers[scheme] = open
}

// OpenBackend opens the backend at location (see Open) without a Store
// over it: nothing is written to it (a migration's source and target).
func OpenBackend(location string) (Backend, error) {
	scheme, rest, ok := strings.Cut(location, "://")
	if !ok {
		scheme, rest = "file", location
	}
	openersMu.RLock()
	open := openers[scheme]
	openersMu.RUnlock()
	if open == nil {
		return nil, fmt.Errorf("store: no backend for %q (known: %s)", scheme, strings.Join(schemes(), ", "))
	}
	if scheme != "file" {
		rest = location // other backends get their whole URL
	}
	return open(rest)
}

// Open opens the store at location with the backend registered for its
// scheme: "postgres://host/db" is the "postgres" backend's, "file:///x.db"
// and a bare path "x.db" are the "file" backend's (the default).
func Open(location string, opts Options) (*Store, error) {
	b, err := OpenBackend(location)
	if err != nil {
		return nil, err
	}
	return New(b, opts)
}

func schemes() []string {
	openersMu.RLock()
	defer openersMu.RUnlock()
	var out []string
	for s := range openers {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}
