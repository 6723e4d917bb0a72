// Package service is what the screens of the desktop app do, without the
// screens: enroll, open the local profile, unlock the key, sync rounds and
// catalogues, sign wish lists into the outbox, fetch and verify results.
// It ties the cache, the key store, the outbox and the API client together;
// the view models call it.
package service

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"appariement/desktop/internal/keystore"
	"appariement/desktop/internal/localstore"
	"appariement/desktop/internal/outbox"
	"appariement/shared/api"
	"appariement/shared/client"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/shared/rules"
	"appariement/shared/translog"
)

// Errors of the service. Their text is English; the screens show the
// message of the key returned by MessageKey.
var (
	ErrWeakPassphrase     = errors.New("passphrase too weak")
	ErrPassphraseMismatch = errors.New("the two passphrases differ")
	ErrServerKeyMismatch  = errors.New("the server key given at enrollment differs from the one the server publishes")
	ErrInsecureServer     = errors.New("plain http:// is only allowed to this computer (loopback): use https://")
	ErrServerNotChecked   = errors.New("the server's fingerprint has not been checked and confirmed")
	ErrLocked             = errors.New("the key is locked: the passphrase is needed")
	ErrEmptyList          = errors.New("the wish list is empty")
	ErrNotPDF             = errors.New("the file is not a PDF")
	ErrFileTampered       = errors.New("the file received is not the one the intern signed (digest differs)")
	ErrFileTooLarge       = errors.New("the file is too large")
	ErrFileEmpty          = errors.New("the file is empty")
	ErrWindowClosed       = errors.New("the wishes window is closed")
	ErrNotEligible        = errors.New("the poste is not of the intern's specialty and subdivision")
	ErrMissingField       = errors.New("a required field is empty")
)

// Service is an enrolled user's session.
type Service struct {
	Store    *localstore.Store
	Profile  *localstore.Profile
	Client   *client.Client // anonymous: catalogue, rounds, submissions
	Verifier *translog.Verifier
	// Keeper checks every checkpoint the server shows against the one the
	// app trusts (receipts, results, syncs).
	Keeper *translog.CheckpointKeeper
	Outbox *outbox.Sender
	// Now is the clock (time.Now).
	Now func() time.Time

	mu       sync.Mutex
	rotate   sync.Mutex // serialises FollowServerKey
	key      ed25519.PrivateKey
	failover *client.Failover // the server's addresses, shared by every copy of Client
}

// EnrollRequest is what the first-run screen collects.
type EnrollRequest struct {
	ServerURL string
	// OtherServers are more addresses of the same server, each checked to
	// publish ServerKey before the code is sent (see CheckServers).
	OtherServers []string
	Identifier   string
	Code         string
	Passphrase   string
	Confirm      string
	Params       keystore.Params // zero: keystore.DefaultParams()
	// ServerKey is the key fetched by FetchServerKey from ServerURL whose
	// fingerprint the user compared with their activation e-mail and
	// confirmed. The code is sent to no other.
	ServerKey api.ServerKey
}

// CheckServerURL refuses a server address the activation code and the
// signed requests must not go to: anything but http:// or https://, and
// plain http:// to a host other than this computer (localhost,
// 127.0.0.0/8, ::1), where anyone on the way could read the code or pose
// as the server.
func CheckServerURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("server address %q: want https://host: %w", raw, ErrInsecureServer)
	}
	if u.Scheme == "https" {
		return nil
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("server address %q: %w", raw, ErrInsecureServer)
}

// FetchServerKey fetches the key the server at serverURL publishes
// (GET /v1/server-key), with its fingerprint computed here and not taken
// from the server, for the user to compare with the fingerprint of their
// activation e-mail before any code is sent. It refuses an address
// CheckServerURL refuses, and a key that is not a valid log key.
func FetchServerKey(ctx context.Context, serverURL string) (*api.ServerKey, error) {
	if err := CheckServerURL(serverURL); err != nil {
		return nil, err
	}
	c, err := client.New(serverURL, nil)
	if err != nil {
		return nil, fmt.Errorf("server key: %w", err)
	}
	k, err := c.ServerKey(ctx)
	if err != nil {
		return nil, fmt.Errorf("server key: %w", err)
	}
	if _, err := translog.NewVerifier(*k); err != nil {
		return nil, fmt.Errorf("server key: %w", err)
	}
	k.Fingerprint = envelope.Fingerprint(k.PublicKey)
	return k, nil
}

// Enroll generates the user's key pair, registers its public key with the
// activation code, pins the server's key, seals the private key under the
// passphrase and saves the profile. The code is sent only to a server
// CheckServerURL accepts, that still publishes the key the user confirmed
// (req.ServerKey), and the key in the answer must be that same key.
func Enroll(ctx context.Context, store *localstore.Store, req EnrollRequest) (*localstore.Profile, error) {
	if req.ServerURL == "" || req.Identifier == "" || req.Code == "" || req.Passphrase == "" {
		return nil, ErrMissingField
	}
	if req.Passphrase != req.Confirm {
		return nil, ErrPassphraseMismatch
	}
	if !keystore.Estimate(req.Passphrase).Acceptable() {
		return nil, ErrWeakPassphrase
	}
	if err := CheckServerURL(req.ServerURL); err != nil {
		return nil, fmt.Errorf("enroll: %w", err)
	}
	if len(req.ServerKey.PublicKey) != ed25519.PublicKeySize {
		return nil, ErrServerNotChecked
	}
	c, err := client.New(req.ServerURL, nil)
	if err != nil {
		return nil, fmt.Errorf("enroll: %w", err)
	}
	published, err := c.ServerKey(ctx)
	if err != nil {
		return nil, fmt.Errorf("enroll: server key: %w", err)
	}
	if !bytes.Equal(published.PublicKey, req.ServerKey.PublicKey) {
		return nil, ErrServerKeyMismatch // before the code leaves
	}
	if err := CheckServers(ctx, req.OtherServers, req.ServerKey); err != nil {
		return nil, fmt.Errorf("enroll: %w", err) // before the code leaves
	}
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		return nil, fmt.Errorf("enroll: generate key: %w", err)
	}
	params := req.Params
	if params == (keystore.Params{}) {
		params = keystore.DefaultParams()
	}
	sealed, err := keystore.Seal(priv, req.Passphrase, params)
	if err != nil {
		return nil, fmt.Errorf("enroll: %w", err)
	}
	resp, err := c.Enroll(ctx, req.Identifier, req.Code, pub)
	if err != nil {
		return nil, fmt.Errorf("enroll: %w", err)
	}
	if !bytes.Equal(resp.ServerKey.PublicKey, req.ServerKey.PublicKey) {
		return nil, ErrServerKeyMismatch
	}
	if _, err := translog.NewVerifier(resp.ServerKey); err != nil {
		return nil, fmt.Errorf("enroll: %w", err)
	}
	// The fingerprint shown is computed here, not taken from the server.
	resp.ServerKey.Fingerprint = envelope.Fingerprint(resp.ServerKey.PublicKey)
	p := &localstore.Profile{
		ServerURL:    c.BaseURL(),
		OtherServers: req.OtherServers,
		Person:       resp.Person,
		ServerKey:    resp.ServerKey,
		Key:          sealed,
		EnrolledAt:   time.Now().UTC(),
	}
	if err := store.SaveProfile(p); err != nil {
		return nil, fmt.Errorf("enroll: %w", err)
	}
	return p, nil
}

// Open starts the session of the enrolled profile in store. serverURL, if
// not empty, overrides the profile's server address (e.g. from a flag);
// either must pass CheckServerURL.
func Open(store *localstore.Store, serverURL string) (*Service, error) {
	p, err := store.Profile()
	if err != nil {
		return nil, err
	}
	urls, start := []string{serverURL}, 0
	if serverURL == "" {
		urls, start = append([]string{p.ServerURL}, p.OtherServers...), p.LastServer
	}
	for _, u := range urls {
		if err := CheckServerURL(u); err != nil {
			return nil, fmt.Errorf("open session: %w", err)
		}
	}
	c, err := client.New(urls[0], nil)
	if err != nil {
		return nil, fmt.Errorf("open session: %w", err)
	}
	s := &Service{Store: store, Profile: p, Client: c, Now: time.Now}
	if err := s.useServers(urls, start, serverURL == ""); err != nil {
		return nil, fmt.Errorf("open session: %w", err)
	}
	// Signed requests are bound to the pinned server, never to whatever
	// answers at that address (FollowServerKey rebinds them after a
	// proven rotation).
	c.BindServer(envelope.KeyID(p.ServerKey.PublicKey))
	ob, err := outbox.New(store, c, p.ServerKey, p.RetiredServerKeys...)
	if err != nil {
		return nil, fmt.Errorf("open session: pinned %w", err)
	}
	// One verifier for the outbox, the keeper and the screens: it follows
	// a proven rotation of the server's key for all of them.
	v := ob.Verifier()
	k := newKeeper(store, v, c)
	ob.Keeper = k
	ob.Answering = s.answering
	ob.FollowKey = s.FollowServerKey
	s.Verifier, s.Keeper, s.Outbox = v, k, ob
	return s, nil
}

// Me returns the enrolled person.
func (s *Service) Me() domain.Person { return s.Profile.Person }

// Unlock opens the private key with the passphrase and keeps it in memory
// for this session (uploads and results need signed requests).
func (s *Service) Unlock(passphrase string) error {
	priv, err := s.Profile.Key.Open(passphrase)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.key = priv
	s.mu.Unlock()
	s.Outbox.SetClient(s.Client.WithIdentity(s.Profile.Person.ID, priv))
	return nil
}

// Lock forgets the private key.
func (s *Service) Lock() {
	s.mu.Lock()
	clear(s.key)
	s.key = nil
	s.mu.Unlock()
	s.Outbox.SetClient(s.Client)
}

// Unlocked reports whether the key is in memory.
func (s *Service) Unlocked() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.key != nil
}

func (s *Service) signed() (*client.Client, ed25519.PrivateKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key == nil {
		return nil, nil, ErrLocked
	}
	return s.Client.WithIdentity(s.Profile.Person.ID, s.key), s.key, nil
}

// SyncRounds fetches the rounds and caches them, then checks the log
// (SyncLog): with a fork it returns the rounds and the *translog.ForkError.
func (s *Service) SyncRounds(ctx context.Context) ([]domain.Round, error) {
	r, err := s.Client.Rounds(ctx)
	if err != nil {
		return nil, fmt.Errorf("sync rounds: %w", err)
	}
	if err := s.Store.SaveRounds(r.Rounds, r.ServerTime); err != nil {
		return nil, err
	}
	var frozen []string
	for _, rd := range r.Rounds {
		frozen = append(frozen, rd.Checkpoint)
	}
	if err := s.SyncLog(ctx, frozen...); translog.IsFork(err) {
		return r.Rounds, err
	}
	return r.Rounds, nil
}

// SyncCatalogue fetches the postes of round changed since the cached
// version and applies them. It returns how many postes changed. With the
// key unlocked it asks for the signed catalogue, which alone carries the
// RTS e-mail addresses (all of it again if the cache came without them);
// locked, the public one.
func (s *Service) SyncCatalogue(ctx context.Context, round string) (int, error) {
	since, err := s.Store.CatalogueVersion(round)
	if err != nil {
		return 0, err
	}
	var resp *api.CatalogueResponse
	if c, serr := s.Signed(); serr == nil {
		full, err := s.Store.CatalogueHasContacts(round)
		if err != nil {
			return 0, err
		}
		if !full {
			since = 0
		}
		resp, err = c.CatalogueFull(ctx, round, since)
	} else {
		resp, err = s.Client.Catalogue(ctx, round, since)
	}
	if err != nil {
		return 0, fmt.Errorf("sync catalogue of %s: %w", round, err)
	}
	if resp.Round == "" {
		resp.Round = round
	}
	if err := s.Store.ApplyCatalogue(resp); err != nil {
		return 0, err
	}
	return len(resp.Postes), nil
}

// SyncSubmissions learns from the server which sequence numbers it already
// accepted for round (after a reinstall, say), so that the next signature
// is not a replay. It needs the key.
func (s *Service) SyncSubmissions(ctx context.Context, round string) error {
	c, _, err := s.signed()
	if err != nil {
		return err
	}
	subs, err := c.Submissions(ctx, round)
	if err != nil {
		return fmt.Errorf("sync submissions of %s: %w", round, err)
	}
	var max uint64
	for _, st := range subs {
		if (st.PayloadType == api.WishListType || st.PayloadType == api.RankingType) && st.Seq > max {
			max = st.Seq
		}
	}
	return s.Store.RaiseSeq(round, max)
}

// CheckPDF checks a candidate document: a PDF (magic "%PDF-") of at most
// api.MaxFileSize bytes.
func CheckPDF(data []byte) error {
	switch {
	case len(data) == 0:
		return ErrFileEmpty
	case len(data) > api.MaxFileSize:
		return ErrFileTooLarge
	case len(data) < 5 || string(data[:5]) != "%PDF-":
		return ErrNotPDF
	}
	return nil
}

// WindowOpen reports whether the wishes of round may still change, by the
// local clock and the last known state (the server's clock decides).
func (s *Service) WindowOpen(r *domain.Round) bool {
	return r != nil && !rules.WindowClosed(r, api.WishListType, s.Now())
}

// Attach adds or replaces a candidate document of the draft of round.
func (s *Service) Attach(r *domain.Round, kind, name string, data []byte) (*localstore.Draft, error) {
	if !s.WindowOpen(r) {
		return nil, ErrWindowClosed
	}
	if err := CheckPDF(data); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])
	if err := s.Store.PutBlob(sha, data); err != nil {
		return nil, err
	}
	d, err := s.Store.Draft(r.ID)
	if err != nil {
		return nil, err
	}
	a := api.Attachment{Kind: kind, Name: name, SHA256: sha, Size: int64(len(data))}
	replaced := false
	for i := range d.Attachments {
		if d.Attachments[i].Kind == kind {
			d.Attachments[i], replaced = a, true
		}
	}
	if !replaced {
		d.Attachments = append(d.Attachments, a)
	}
	sort.SliceStable(d.Attachments, func(i, j int) bool { return kindOrder(d.Attachments[i].Kind) < kindOrder(d.Attachments[j].Kind) })
	d.UpdatedAt = s.Now().UTC()
	return d, s.Store.SaveDraft(d)
}

// Detach removes the candidate document of a kind.
func (s *Service) Detach(r *domain.Round, kind string) (*localstore.Draft, error) {
	if !s.WindowOpen(r) {
		return nil, ErrWindowClosed
	}
	d, err := s.Store.Draft(r.ID)
	if err != nil {
		return nil, err
	}
	out := d.Attachments[:0]
	for _, a := range d.Attachments {
		if a.Kind != kind {
			out = append(out, a)
		}
	}
	d.Attachments = out
	d.UpdatedAt = s.Now().UTC()
	return d, s.Store.SaveDraft(d)
}

// AttachmentKinds are the kinds of candidate documents, in display order.
var AttachmentKinds = api.AttachmentKinds

func kindOrder(k string) int {
	for i, x := range AttachmentKinds {
		if x == k {
			return i
		}
	}
	return len(AttachmentKinds)
}

// Sign turns the draft of round into a signed wish list and queues it (and
// the uploads of its documents not yet sent). The key must be unlocked.
func (s *Service) Sign(round string) (localstore.Item, error) {
	_, priv, err := s.signed()
	if err != nil {
		return localstore.Item{}, err
	}
	d, err := s.Store.Draft(round)
	if err != nil {
		return localstore.Item{}, err
	}
	if len(d.List) == 0 {
		return localstore.Item{}, ErrEmptyList
	}
	uploads, err := s.uploadsNeeded(round, d.Attachments)
	if err != nil {
		return localstore.Item{}, err
	}
	me := s.Profile.Person.ID
	return s.signQueue(priv, round, api.WishListType, uploads, func(seq uint64, clientTime time.Time) (any, localstore.Item) {
		sub := api.Submission{
			Round: round, Author: me, Seq: seq, ClientTime: clientTime,
			List: append([]string(nil), d.List...), Ranks: d.Ranks(), Attachments: d.Attachments,
		}
		return sub, localstore.Item{Kind: localstore.KindEnvelope, List: sub.List, Ranks: sub.Ranks}
	})
}

// signQueue is the one signing of a submission by the app: it takes the
// next sequence number of round, lets build make the payload with it and
// the client time (to the second), and the item's own fields (kind,
// poste, list, ranks), signs the payload's JSON as payloadType with priv,
// and queues the envelope item, after the items before it depends on, in
// one transaction of the local store (EnqueueSigned), then wakes the
// outbox.
func (s *Service) signQueue(priv ed25519.PrivateKey, round, payloadType string, before []localstore.Item,
	build func(seq uint64, clientTime time.Time) (any, localstore.Item)) (localstore.Item, error) {
	now := s.Now()
	item, err := s.Store.EnqueueSigned(round, before, func(seq uint64) (localstore.Item, error) {
		content, it := build(seq, now.UTC().Truncate(time.Second))
		payload, err := json.Marshal(content)
		if err != nil {
			return localstore.Item{}, err
		}
		env := envelope.Sign(priv, payloadType, payload)
		it.Round, it.Seq, it.CreatedAt = round, seq, now.UTC()
		it.Envelope, it.Digest = env.Encode(), env.Digest()
		return it, nil
	})
	if err != nil {
		return localstore.Item{}, err
	}
	s.Outbox.Kick()
	return item, nil
}

// uploadsNeeded returns upload items for the attachments not already
// uploaded or queued.
func (s *Service) uploadsNeeded(round string, atts []api.Attachment) ([]localstore.Item, error) {
	items, err := s.Store.Items()
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, it := range items {
		if it.Kind == localstore.KindFile && it.State != localstore.StateRefused {
			have[it.FileSHA] = true
		}
	}
	var out []localstore.Item
	for _, a := range atts {
		if have[a.SHA256] {
			continue
		}
		have[a.SHA256] = true
		out = append(out, localstore.Item{Kind: localstore.KindFile, Round: round, FileSHA: a.SHA256, FileName: a.Name, FileKind: a.Kind, CreatedAt: s.Now().UTC()})
	}
	return out, nil
}

// Versions returns the signed versions of round's wish list, newest first.
func (s *Service) Versions(round string) ([]localstore.Item, error) {
	items, err := s.Store.Items()
	if err != nil {
		return nil, err
	}
	var out []localstore.Item
	for _, it := range items {
		if it.Kind == localstore.KindEnvelope && it.Round == round {
			out = append(out, it)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq > out[j].Seq })
	return out, nil
}

// LastAccepted returns the accepted wish list of round with the highest
// sequence number, or nil.
func (s *Service) LastAccepted(round string) (*localstore.Item, error) {
	vs, err := s.Versions(round)
	if err != nil {
		return nil, err
	}
	for i := range vs {
		if vs[i].State == localstore.StateAccepted {
			return &vs[i], nil
		}
	}
	return nil, nil
}
