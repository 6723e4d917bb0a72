// Package fakeserver is a small in-memory implementation of the sync
// server's /v1 API for the desktop app's tests: real signatures, a real
// transparency log (golang.org/x/mod/sumdb/tlog) and real receipts, plus
// switches to simulate an outage, a rate limit, a lost answer or a refusal.
// It is not the server: only what the intern side needs, checked loosely.
package fakeserver

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/shared/translog"
)

// Server is a fake sync server.
type Server struct {
	*httptest.Server

	mu       sync.Mutex
	priv     ed25519.PrivateKey
	key      api.ServerKey
	signer   note.Signer
	Now      func() time.Time
	people   map[string]*domain.Person
	codes    map[string]string // person id → activation code
	keys     map[string]ed25519.PublicKey
	rounds   []domain.Round
	postes   map[string][]domain.Poste // round → postes
	version  map[string]uint64
	leaves   []leaf
	hashes   []tlog.Hash
	byDigest map[string]int // digest → leaf index
	lastSeq  map[string]uint64
	files    map[string][]byte
	results  map[string]map[string]domain.Assignment // round → intern → assignment
	frozen   map[string]string                       // round → checkpoint
	frozenN  map[string]int64

	// Switches (set under Lock/Unlock or before use).
	Down          bool       // every request fails at the transport level
	RetryAfter    int        // submissions answer 429 with this Retry-After (seconds) while > 0 ...
	RetryAfterN   int        // ... this many times
	DropAnswers   int        // accept this many submissions but lose the answer
	Refuse        *api.Error // refuse every submission with this error
	TamperResult  bool       // personal results name a wrong digest for the last submission
	Submits       int        // POST /v1/submissions received (accepted or not)
	Enrolls       int        // POST /v1/enroll received (an activation code left the app)
	SubmitsLogged int        // envelopes appended to the log
}

type leaf struct {
	env    *envelope.Envelope
	author string
	round  string
	seq    uint64
	time   time.Time
	sub    *api.Submission
}

// New starts a fake server with the given people and activation codes.
func New(people []domain.Person, codes map[string]string) *Server {
	_, priv, _ := ed25519.GenerateKey(nil)
	s := &Server{
		priv: priv, Now: time.Now,
		people: map[string]*domain.Person{}, codes: codes, keys: map[string]ed25519.PublicKey{},
		postes: map[string][]domain.Poste{}, version: map[string]uint64{},
		byDigest: map[string]int{}, lastSeq: map[string]uint64{}, files: map[string][]byte{},
		results: map[string]map[string]domain.Assignment{}, frozen: map[string]string{}, frozenN: map[string]int64{},
	}
	for i := range people {
		s.people[people[i].ID] = &people[i]
	}
	const name = "appariement-fake"
	pub := priv.Public().(ed25519.PublicKey)
	nk, _ := translog.NoteKey(name, pub)
	s.key = api.ServerKey{Name: name, PublicKey: pub, NoteKey: nk, Fingerprint: envelope.Fingerprint(pub)}
	s.signer, _ = translog.NewSigner(name, priv)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/server-key", func(w http.ResponseWriter, r *http.Request) { reply(w, s.key) })
	mux.HandleFunc("POST /v1/enroll", s.enroll)
	mux.HandleFunc("GET /v1/rounds", s.roundsH)
	mux.HandleFunc("GET /v1/rounds/{round}/postes", s.catalogue)
	mux.HandleFunc("GET /v1/rounds/{round}/postes/full", s.auth(func(w http.ResponseWriter, r *http.Request, _ string) {
		s.serveCatalogue(w, r, true)
	}))
	mux.HandleFunc("POST /v1/submissions", s.submit)
	mux.HandleFunc("GET /v1/me/submissions", s.auth(s.mySubmissions))
	mux.HandleFunc("PUT /v1/files", s.auth(s.upload))
	mux.HandleFunc("GET /v1/rounds/{round}/result", s.auth(s.result))
	mux.HandleFunc("GET /v1/me", s.auth(func(w http.ResponseWriter, r *http.Request, who string) { reply(w, s.people[who]) }))
	s.logRoutes(mux)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		down := s.Down
		s.mu.Unlock()
		if down {
			hangUp(w)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	return s
}

// Key returns the server's public key record.
func (s *Server) Key() api.ServerKey { return s.key }

// Lock and Unlock guard the switches.
func (s *Server) Lock() { s.mu.Lock() }

// Unlock releases Lock.
func (s *Server) Unlock() { s.mu.Unlock() }

func hangUp(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	w.WriteHeader(http.StatusServiceUnavailable)
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func refuse(w http.ResponseWriter, e *api.Error) {
	w.Header().Set("Content-Type", "application/json")
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	w.WriteHeader(e.Code.HTTPStatus())
	json.NewEncoder(w).Encode(e)
}

// SetRound adds or replaces a round.
func (s *Server) SetRound(r domain.Round) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.rounds {
		if s.rounds[i].ID == r.ID {
			s.rounds[i] = r
			return
		}
	}
	s.rounds = append(s.rounds, r)
}

// PutPostes adds or changes postes of a round as a new catalogue version.
func (s *Server) PutPostes(round string, ps ...domain.Poste) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.version[round]++
	v := s.version[round]
outer:
	for _, p := range ps {
		p.Version = v
		for i := range s.postes[round] {
			if s.postes[round][i].ID == p.ID {
				s.postes[round][i] = p
				continue outer
			}
		}
		s.postes[round] = append(s.postes[round], p)
	}
	return v
}

func (s *Server) enroll(w http.ResponseWriter, r *http.Request) {
	var req api.EnrollRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		refuse(w, api.Errorf(api.CodeBadRequest, "requête illisible", "unreadable request"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Enrolls++
	p := s.people[req.Identifier]
	if p == nil || s.codes[req.Identifier] == "" || s.codes[req.Identifier] != req.Code {
		refuse(w, api.Errorf(api.CodeBadCode, "code d'activation invalide, déjà utilisé ou expiré", "invalid, used or expired activation code"))
		return
	}
	delete(s.codes, req.Identifier)
	s.keys[p.ID] = ed25519.PublicKey(req.PublicKey)
	reply(w, api.EnrollResponse{Person: *p, ServerKey: s.key})
}

func (s *Server) roundsH(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	reply(w, api.RoundsResponse{ServerTime: s.Now(), Rounds: s.rounds})
}

// catalogue is the public catalogue: like the real server's, without the
// RTS e-mail addresses, which only the signed /full catalogue carries.
func (s *Server) catalogue(w http.ResponseWriter, r *http.Request) { s.serveCatalogue(w, r, false) }

func (s *Server) serveCatalogue(w http.ResponseWriter, r *http.Request, contacts bool) {
	round := r.PathValue("round")
	since, _ := strconv.ParseUint(r.URL.Query().Get("since"), 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	resp := api.CatalogueResponse{Round: round, Since: since, Version: s.version[round], Postes: []domain.Poste{}, Contacts: contacts}
	for _, p := range s.postes[round] {
		if p.Version > since {
			if !contacts {
				p.RTSEmail = ""
			}
			resp.Postes = append(resp.Postes, p)
		}
	}
	reply(w, resp)
}

// auth checks a signed request.
func (s *Server) auth(h func(w http.ResponseWriter, r *http.Request, who string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, api.MaxFileSize+1))
		a, err := api.ParseRequestAuth(r.Header.Get("Authorization"), r.Header.Get("Content-Digest"))
		s.mu.Lock()
		var pub ed25519.PublicKey
		if err == nil {
			pub = s.keys[a.ID]
		}
		s.mu.Unlock()
		server := envelope.KeyID(s.priv.Public().(ed25519.PublicKey))
		if err != nil || pub == nil || a.Verify(pub, server, r.Method, r.URL.RequestURI(), s.Now()) != nil || a.CheckBody(body) != nil {
			refuse(w, api.Errorf(api.CodeUnauthorized, "requête non signée ou mal signée", "request unsigned or badly signed"))
			return
		}
		r.Body = io.NopCloser(bytesReader(body))
		h(w, r, a.ID)
	}
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request, who string) {
	data, _ := io.ReadAll(r.Body)
	if len(data) < 5 || string(data[:5]) != "%PDF-" {
		refuse(w, api.Errorf(api.CodeMalformed, "le fichier n'est pas un PDF", "the file is not a PDF"))
		return
	}
	sum := sha256.Sum256(data)
	h := hex.EncodeToString(sum[:])
	s.mu.Lock()
	s.files[h] = data
	s.mu.Unlock()
	reply(w, api.FileResponse{SHA256: h, Size: int64(len(data))})
}

// HasFile reports whether a file was uploaded.
func (s *Server) HasFile(sha string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.files[sha] != nil
}

func (s *Server) submit(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, api.MaxBodySize))
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Submits++
	if s.RetryAfterN > 0 {
		s.RetryAfterN--
		refuse(w, &api.Error{Code: api.CodeRateLimited, Message: "serveur chargé, réessayez", MessageEN: "server busy, retry", RetryAfter: s.RetryAfter})
		return
	}
	if s.Refuse != nil {
		refuse(w, s.Refuse)
		return
	}
	env, err := envelope.Decode(body)
	if err != nil {
		refuse(w, api.Errorf(api.CodeMalformed, "enveloppe illisible", "malformed envelope"))
		return
	}
	sub, err := api.DecodeSubmission(env.Payload)
	if err != nil {
		refuse(w, api.Errorf(api.CodeMalformed, "contenu illisible", "malformed payload"))
		return
	}
	pub := s.keys[sub.Author]
	if pub == nil {
		refuse(w, api.Errorf(api.CodeUnknownAuthor, "auteur inconnu", "unknown author"))
		return
	}
	if env.Verify(pub) != nil {
		refuse(w, api.Errorf(api.CodeBadSignature, "signature invalide", "bad signature"))
		return
	}
	for _, a := range sub.Attachments {
		if s.files[a.SHA256] == nil {
			refuse(w, api.Errorf(api.CodeUnknownAttachment, "pièce jointe %s non envoyée", "attachment %s not uploaded", a.Name))
			return
		}
	}
	var round *domain.Round
	for i := range s.rounds {
		if s.rounds[i].ID == sub.Round {
			round = &s.rounds[i]
		}
	}
	if round == nil {
		refuse(w, api.Errorf(api.CodeUnknownRound, "tour inconnu", "unknown round"))
		return
	}
	if round.State != domain.StateWishesOpen {
		refuse(w, api.Errorf(api.CodeWindowClosed, "la période des vœux est close", "the wishes window is closed"))
		return
	}
	digest := env.Digest()
	idx, seen := s.byDigest[digest]
	if !seen {
		key := sub.Round + "\x00" + sub.Author
		if sub.Seq <= s.lastSeq[key] {
			refuse(w, api.Errorf(api.CodeReplay, "numéro de séquence %d déjà dépassé (rejeu)", "sequence number %d already passed (replay)", sub.Seq))
			return
		}
		s.lastSeq[key] = sub.Seq
		idx = s.appendLeaf(leaf{env: env, author: sub.Author, round: sub.Round, seq: sub.Seq, time: s.Now().UTC(), sub: sub})
		s.SubmitsLogged++
	}
	if s.DropAnswers > 0 {
		s.DropAnswers--
		hangUp(w)
		return
	}
	reply(w, s.receipt(idx))
}

func (s *Server) appendLeaf(l leaf) int {
	n := int64(len(s.leaves))
	s.leaves = append(s.leaves, l)
	hs, err := tlog.StoredHashes(n, translog.LeafData(l.time, l.env), s.reader())
	if err != nil {
		panic(err)
	}
	s.hashes = append(s.hashes, hs...)
	s.byDigest[l.env.Digest()] = int(n)
	return int(n)
}

type hashReader []tlog.Hash

func (h hashReader) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		if x >= int64(len(h)) {
			return nil, fmt.Errorf("hash %d not stored", x)
		}
		out[i] = h[x]
	}
	return out, nil
}

func (s *Server) reader() hashReader { return hashReader(s.hashes) }

func (s *Server) checkpoint(n int64) string {
	th, err := tlog.TreeHash(n, s.reader())
	if err != nil {
		panic(err)
	}
	cp, err := translog.SignTree(s.signer, tlog.Tree{N: n, Hash: th})
	if err != nil {
		panic(err)
	}
	return cp
}

func (s *Server) proof(idx int, n int64) [][]byte {
	p, err := tlog.ProveRecord(n, int64(idx), s.reader())
	if err != nil {
		panic(err)
	}
	return translog.ProofBytes(p)
}

func (s *Server) receipt(idx int) api.Receipt {
	n := int64(len(s.leaves))
	l := s.leaves[idx]
	return api.Receipt{Index: int64(idx), ServerTime: l.time, Digest: l.env.Digest(), Checkpoint: s.checkpoint(n), Proof: s.proof(idx, n)}
}

func (s *Server) mySubmissions(w http.ResponseWriter, r *http.Request, who string) {
	round := r.URL.Query().Get("round")
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []api.SubmissionStatus{}
	for i, l := range s.leaves {
		if l.author == who && l.round == round {
			rc := s.receipt(i)
			out = append(out, api.SubmissionStatus{Digest: rc.Digest, PayloadType: l.env.PayloadType, Round: round, Seq: l.seq, Receipt: &rc})
		}
	}
	reply(w, out)
}

// Publish freezes the round at the current log size, records the
// assignments (intern → poste) and marks the round published.
func (s *Server) Publish(round string, assign map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := int64(len(s.leaves))
	s.frozenN[round] = n
	s.frozen[round] = s.checkpoint(n)
	s.results[round] = map[string]domain.Assignment{}
	for i, p := range assign {
		s.results[round][i] = domain.Assignment{Intern: i, Poste: p}
	}
	for i := range s.rounds {
		if s.rounds[i].ID == round {
			s.rounds[i].State = domain.StatePublished
			s.rounds[i].Checkpoint = s.frozen[round]
		}
	}
}

func (s *Server) result(w http.ResponseWriter, r *http.Request, who string) {
	round := r.PathValue("round")
	s.mu.Lock()
	defer s.mu.Unlock()
	res, ok := s.results[round]
	if !ok {
		refuse(w, api.Errorf(api.CodeInvalidState, "résultats non publiés", "results not published"))
		return
	}
	pr := api.PersonalResult{Round: round, Procedure: domain.ChoixAuRang, Person: who, Checkpoint: s.frozen[round], PublishedAt: s.Now().UTC(), ResultDigest: "00"}
	if a, ok := res[who]; ok {
		pr.Assignments = []domain.Assignment{a}
	}
	n := s.frozenN[round]
	last := -1
	for i := int64(0); i < n; i++ {
		if s.leaves[i].author == who && s.leaves[i].round == round {
			last = int(i)
		}
	}
	if last >= 0 {
		l := s.leaves[last]
		pr.LastSubmission = &api.IncludedEntry{Index: int64(last), ServerTime: l.time, Digest: l.env.Digest(), Proof: s.proof(last, n)}
		if s.TamperResult {
			pr.LastSubmission.Digest = "ff" + pr.LastSubmission.Digest[2:]
		}
	}
	payload, _ := json.Marshal(pr)
	env := envelope.Sign(s.priv, api.PersonalResultType, payload)
	w.Header().Set("Content-Type", "application/json")
	w.Write(env.Encode())
}

// Register enrolls a public key directly, without an activation code.
func (s *Server) Register(p domain.Person, pub ed25519.PublicKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.people[p.ID] = &p
	s.keys[p.ID] = pub
}
