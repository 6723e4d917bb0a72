package store

import (
	"crypto/ed25519"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"appariement/shared/domain"
)

// Backend is the storage under a Store: what a database engine (bbolt in
// syncserver/store/boltstore, PostgreSQL for several server nodes) must
// provide. The Store keeps everything that does not depend on the engine:
// the signing key, signed checkpoints and receipts, the group commit of
// Append, the clock check policy, activation codes and their Argon2id
// hashing, the merge of catalogues, file quotas.
//
// The contract test suite syncserver/store/storetest checks every promise
// below against a backend.
//
// # State kept in memory by the Store
//
// Several server nodes may share one backend (PostgreSQL). The Store keeps
// a little state in memory, none of which makes a write wrong:
//   - the last leaf time (Health, Store.CheckClock): the early check of a
//     request, with a slack; the exact check (Store.CheckClockTx, and the
//     one of every Append batch) reads MetaLastLeafTime in the write
//     transaction. With two nodes, a node's memory may be behind the other
//     node's last leaf: its early check is then weaker, never its write.
//     Clocks of two nodes never agree exactly: an Append batch whose
//     clock reads behind the last leaf by less than one second (the
//     clock slack) is stamped with the last leaf's time, so leaf times
//     stay monotone without refusing it; one second or more behind, the
//     clock went backwards and the batch is refused (ErrClockBehind).
//     Round changes (CheckClockTx) keep the exact check.
//   - the latest signed checkpoint, keyed by tree size: the log is append
//     only and its hashes depend on the size alone, so a checkpoint of the
//     same size signed by another node carries the same hash.
//   - the server's recorded public key and name, read at New: a key
//     rotation (RotateKey) on another node is only seen by restarting.
//   - the write health (Writable, failures): per node.
//
// Index allocation is not in memory: Append reads the tree size and writes
// leaf size, size+1… inside one write transaction of the backend, whose
// first TreeSize must lock the log head (see Tx.TreeSize).
type Backend interface {
	// View runs fn in a read-only transaction that sees one consistent
	// state (a snapshot). It returns fn's error unchanged (or the
	// backend's own error, wrapped). Write methods called in a View fail.
	View(fn func(Tx) error) error
	// Update runs fn in a read-write transaction. If fn returns nil the
	// transaction commits, and Update returns nil only once the commit is
	// durable (synced to disk; for a replicated backend, on every
	// synchronous replica). If fn returns an error nothing fn wrote is
	// kept and that error is returned unchanged. A commit refused for lack
	// of space, quota or write access must return an error that
	// StorageReason classifies (or a *StorageError). Concurrent Updates
	// behave as if run one after the other (serialisable).
	Update(fn func(Tx) error) error
	// FreeBytes returns the space left for the store's data, or -1 if
	// unknown.
	FreeBytes() int64
	// String names the backend for logs (a file path, a URL without its
	// password).
	String() string
	// Close releases the backend. Calls after Close fail.
	Close() error
}

// Tx is one transaction of a Backend, handed to the function given to
// View or Update. It is not safe for concurrent use, and must not be used
// once that function has returned.
//
// Common promises of every method:
//   - Reads see every write made earlier in the same transaction.
//   - "ErrNotFound" means an error for which errors.Is(err, ErrNotFound)
//     holds; other sentinel errors likewise.
//   - Values returned are copies: the caller may keep and modify them.
//   - Lists are sorted as stated, and are empty (nil or empty slice, both
//     accepted) when there is nothing.
//   - A method without an error result (TreeSize, HasPendingCode,
//     IsEligible, MailOnce, NonceCount, FilesOf) that meets a backend
//     error returns the zero value and must make the transaction fail:
//     View and Update then return that error (a sticky error).
//   - Writes are durable only when Update returns nil.
type Tx interface {
	// GetMeta returns the server's metadata value name (nil, nil if it
	// was never set). Names are the Meta* constants.
	GetMeta(name string) ([]byte, error)
	// PutMeta sets metadata value name.
	PutMeta(name string, value []byte) error
	// DeleteMeta removes metadata value name (no error if absent).
	DeleteMeta(name string) error

	// Person returns the person with the given id, or ErrNotFound.
	Person(id string) (*domain.Person, error)
	// People returns every person, sorted by id (byte order).
	People() ([]domain.Person, error)
	// PutPerson creates or replaces a person. An empty id or an invalid
	// role is refused (not ErrNotFound) and nothing is written.
	PutPerson(p domain.Person) error
	// PublicKey returns the current key of a person, or ErrNotFound when
	// the person has none (never enrolled, or revoked).
	PublicKey(id string) (ed25519.PublicKey, error)
	// KeyHistory returns every key ever registered for a person, in
	// registration order (oldest first), revoked ones marked.
	KeyHistory(id string) ([]KeyRecord, error)
	// RegisterKey makes pub the current key of person id (registered at
	// now, in UTC) and appends it to the person's key history. A key of
	// another length than ed25519.PublicKeySize is refused. It does not
	// revoke the previous key in the history (RevokeKey does).
	RegisterKey(id string, pub ed25519.PublicKey, now time.Time) error
	// RevokeKey removes the current key of person id (no error if none)
	// and marks every unrevoked key of its history revoked at now (UTC):
	// the keys stay in the history so that past signatures still verify.
	RevokeKey(id string, now time.Time) error

	// Code returns the pending activation code record of id (id may be
	// StandInCode), or ErrNotFound.
	Code(id string) (*CodeRecord, error)
	// PutCode creates or replaces the code record of id.
	PutCode(id string, rec CodeRecord) error
	// DeleteCode removes the code record of id (no error if absent).
	DeleteCode(id string) error
	// HasPendingCode reports whether person id has a code record.
	HasPendingCode(id string) bool

	// Round returns a round, or ErrNotFound.
	Round(id string) (*RoundRecord, error)
	// Rounds returns every round, sorted by id.
	Rounds() ([]RoundRecord, error)
	// CreateRound stores a new round with no postes, no eligible intern,
	// no manual assignment; ErrExists if the id is taken; an empty id is
	// refused.
	CreateRound(r *RoundRecord) error
	// PutRound replaces the record of a round (it does not check that it
	// exists: callers read it first).
	PutRound(r *RoundRecord) error
	// Poste returns a poste of a round (open or closed), or ErrNotFound
	// (also for an unknown round).
	Poste(round, id string) (*domain.Poste, error)
	// Postes returns the postes of a round whose Version is above since
	// (all of them for since 0), closed ones included, sorted by id;
	// ErrNotFound for an unknown round.
	Postes(round string, since uint64) ([]domain.Poste, error)
	// PutPoste creates or replaces one poste of a round as given (its
	// Version included); ErrNotFound for an unknown round. Catalogue
	// merges go through PutPostes, which sets versions.
	PutPoste(round string, p domain.Poste) error
	// SetEligible replaces the interns taking part in a round;
	// ErrNotFound for an unknown round.
	SetEligible(round string, interns []string) error
	// Eligible returns the interns taking part in a round, sorted, without
	// duplicates; ErrNotFound for an unknown round.
	Eligible(round string) ([]string, error)
	// IsEligible reports whether intern takes part in round (false for an
	// unknown round).
	IsEligible(round, intern string) bool
	// PutManual records (or replaces) the manual assignment of a.Intern in
	// a round; ErrNotFound for an unknown round.
	PutManual(round string, a domain.Assignment) error
	// Manual returns the manual assignments of a round, sorted by intern;
	// ErrNotFound for an unknown round.
	Manual(round string) ([]domain.Assignment, error)
	// PutInput replaces the frozen input document of a round's last run.
	PutInput(round string, doc []byte) error
	// Input returns the frozen input document, or ErrNotFound (no run, or
	// unknown round).
	Input(round string) ([]byte, error)
	// PutPreview replaces the result computed by a run.
	PutPreview(round string, res *domain.Result) error
	// Preview returns the result computed by the last run, or ErrNotFound.
	Preview(round string) (*domain.Result, error)
	// PutResult replaces the published result and its signed envelope.
	PutResult(round string, res *domain.Result, signed []byte) error
	// Result returns the published result and its signed envelope, or
	// ErrNotFound.
	Result(round string) (*domain.Result, []byte, error)

	// TreeSize returns the number of leaves in the log. In a write
	// transaction the first call must lock the log head (PostgreSQL:
	// SELECT … FOR UPDATE of the head row) until commit, so that two
	// writers (two nodes) never both append at the same index.
	TreeSize() int64
	// Leaf returns the data of leaf index, or ErrNotFound.
	Leaf(index int64) ([]byte, error)
	// ForEachLeaf calls fn with the index and data of the leaves [start,
	// end) that exist, in index order, and stops at fn's first error,
	// which it returns. data is only valid during the call.
	ForEachLeaf(start, end int64, fn func(index int64, data []byte) error) error
	// ReadHashes returns the tlog stored hashes at the given stored-hash
	// indexes, in the same order; an error if one is missing. (Tx is a
	// tlog.HashReader.)
	ReadHashes(indexes []int64) ([]tlog.Hash, error)
	// AppendLeaf writes leaf index with data and its stored hashes
	// (tlog.StoredHashes) at stored-hash indexes
	// tlog.StoredHashIndex(0, index), +1, …, and sets the tree size to
	// index+1. index must be the current tree size (ErrConflict
	// otherwise, nothing written). Leaves are never replaced.
	AppendLeaf(index int64, data []byte, hashes []tlog.Hash) error

	// AcceptedDigest returns where the envelope with this digest is in the
	// log, or nil, nil if it is not.
	AcceptedDigest(digest string) (*Accepted, error)
	// PutAccepted records where the envelope with this digest is in the
	// log. It is written once per digest, in the transaction of its leaf.
	PutAccepted(digest string, a Accepted) error
	// Current returns the current submission of author in round for poste
	// ("" for a wish list), or ErrNotFound.
	Current(round, author, poste string) (*Current, error)
	// PutCurrent creates or replaces the current submission of
	// (c.Round, c.Author, c.Poste).
	PutCurrent(c Current) error
	// Submissions returns the current submissions of author in round,
	// sorted by poste (the wish list, poste "", first).
	Submissions(round, author string) ([]Current, error)
	// CurrentOfType returns the current submissions of every author in
	// round with this payload type, sorted by author then poste.
	CurrentOfType(round, payloadType string) ([]Current, error)

	// PutCallListDraft creates or replaces the draft call list of a
	// round; ErrNotFound for an unknown round.
	PutCallListDraft(round string, d *CallListDraft) error
	// CallListDraft returns the draft call list of a round, or ErrNotFound.
	CallListDraft(round string) (*CallListDraft, error)
	// PutCallListVersion stores a published version. v.Version must be
	// the latest version + 1 (1 for the first): otherwise ErrExists and
	// nothing written. Versions are never replaced.
	PutCallListVersion(round string, v *CallListVersion) error
	// CallListVersion returns a published version, or ErrNotFound.
	CallListVersion(round string, version int) (*CallListVersion, error)
	// LatestCallListVersion returns the latest published version, or
	// ErrNotFound when none was published (or the round is unknown).
	LatestCallListVersion(round string) (*CallListVersion, error)
	// CallListVersions returns every published version, oldest first, or
	// only the latest when latestOnly is set (empty when none; ErrNotFound
	// for an unknown round).
	CallListVersions(round string, latestOnly bool) ([]CallListVersion, error)

	// NewCorrection files c under the next correction id ("CR%06d" of a
	// sequence starting at 1 and never reused, even after a rolled back
	// transaction is retried: ids only need to be increasing and unique),
	// which it sets in c and returns.
	NewCorrection(c *Correction) (string, error)
	// PutCorrection replaces the correction c.ID, or fails with
	// ErrNotFound.
	PutCorrection(c *Correction) error
	// Correction returns a correction, or ErrNotFound.
	Correction(id string) (*Correction, error)
	// Corrections returns the corrections for which keep returns true
	// (every one if keep is nil), in filing order.
	Corrections(keep func(*Correction) bool) ([]Correction, error)

	// Audit appends an entry to the audit log with the next sequence
	// number (from 1, increasing, set in the stored entry) and its time
	// in UTC.
	Audit(e AuditEntry) error
	// AuditLog returns at most limit entries with Seq > after, by Seq.
	AuditLog(after uint64, limit int) ([]AuditEntry, error)

	// EnqueueMail adds m to the mail queue: ErrMailOnce (wrapped) if m.Once
	// is set and a mail was already enqueued with it; otherwise it sets
	// m.ID ("M%08d" of an increasing sequence from 1), m.Created to UTC,
	// m.Status to MailQueued, m.NextTry to m.Created and m.Attempts to 0,
	// and records m.Once.
	EnqueueMail(m *Mail) error
	// MailOnce reports whether a mail was enqueued with notification key.
	MailOnce(key string) bool
	// Mail returns a mail of the queue (any status), or ErrNotFound (also
	// for an id not of the form M<number>).
	Mail(id string) (*Mail, error)
	// PutMail replaces the stored state of mail m.ID (ErrNotFound if
	// absent); a mail no longer MailQueued is no longer due.
	PutMail(m *Mail) error
	// DueMails returns up to limit mails with status MailQueued whose
	// NextTry is at or before now, in id order.
	DueMails(now time.Time, limit int) ([]*Mail, error)
	// NextMailTry returns the earliest NextTry of the queued mails (zero
	// when none is queued).
	NextMailTry() (time.Time, error)
	// Mails returns the counts of every mail by status and up to limit
	// mails of status (every status if ""), newest first.
	Mails(status MailStatus, limit int) (MailList, error)
	// Preferences returns the notification settings of person
	// (Preferences{Off: []string{}} if never set).
	Preferences(person string) (Preferences, error)
	// PutPreferences records the notification settings of person.
	PutPreferences(person string, p Preferences) error

	// PutFile stores data uploaded by owner under its hex SHA-256 (bytes
	// kept once for all owners), records or replaces the owner's FileInfo
	// (uploaded at now, UTC) and returns it. It applies no quota (see the
	// package function PutFile).
	PutFile(owner, name string, data []byte, now time.Time) (*FileInfo, error)
	// FileOf returns the info of a file as uploaded by owner, or
	// ErrNotFound.
	FileOf(owner, sha string) (*FileInfo, error)
	// FilesOf returns how many distinct files owner uploaded and their
	// total size.
	FilesOf(owner string) (n int, size int64)
	// FileOwners returns the infos of a file for every owner, sorted by
	// owner.
	FileOwners(sha string) ([]FileInfo, error)
	// FileData returns the bytes of a file, or ErrNotFound.
	FileData(sha string) ([]byte, error)

	// UseNonce records a request nonce until expires, or fails with
	// ErrNonceUsed (nothing written) if it is recorded with an expiry
	// after now. A nonce recorded with an expiry at or before now may be
	// used again. Expired nonces may be pruned by any call, a bounded
	// number per call.
	UseNonce(nonce string, now, expires time.Time) error
	// NonceCount returns the number of nonces recorded (expired ones not
	// yet pruned included).
	NonceCount() int

	// PutWitness registers a witness, or replaces its record.
	PutWitness(w WitnessRecord) error
	// Witness returns the witness named name, or ErrNotFound.
	Witness(name string) (*WitnessRecord, error)
	// Witnesses returns every registered witness, sorted by name (an
	// empty, non-nil slice when none).
	Witnesses() ([]WitnessRecord, error)

	// Exporter: the whole content as records, and its import into an
	// empty backend (export.go).
	Exporter
	Sessions
}

// Metadata names (Tx.GetMeta, Tx.PutMeta).
const (
	// MetaSeed is the signing key's seed that earlier versions kept in the
	// store (bbolt only; moved out by boltstore.MoveLegacyKey).
	MetaSeed = "server-key-seed"
	// MetaPublicKey is the server's recorded Ed25519 public key.
	MetaPublicKey = "server-public-key"
	// MetaKeyHistory is the JSON list of KeyRotation, oldest first.
	MetaKeyHistory = "server-key-history"
	// MetaName is the server's key name.
	MetaName = "server-key-name"
	// MetaLastLeafTime is the server time of the last log leaf
	// (time.Time.MarshalText).
	MetaLastLeafTime = "last-leaf-time"
	// MetaProbe is rewritten while writes fail, to see when space returns.
	MetaProbe = "write-probe"
	// MetaSecrets is the JSON map of the secrets kept sealed under the
	// signing key (Store.SealSecret), by name.
	MetaSecrets = "sealed-secrets"
)

// StandInCode is the code record id written by an enrollment try that
// cannot succeed (see Store.Enroll). Identifiers cannot hold control
// characters: no person has it. It starts with a NUL byte (the bbolt
// file's key since earlier versions): a backend whose text columns cannot
// hold NUL (PostgreSQL) keeps ids as bytea or maps this one.
const StandInCode = "\x00stand-in"

// SubmissionKey names a current submission: its round, author and poste
// ("" for a wish list).
type SubmissionKey struct{ Round, Author, Poste string }

// BatchReader may be implemented by a write Tx whose reads are round
// trips to a database server (PostgreSQL): the group commit calls
// PrefetchAppends once per batch, after the log head is locked, with the
// digests and submission keys that appendOne is about to read one by one
// (AcceptedDigest, Current), so that the backend reads them all at once
// and answers those reads from memory. It changes no result: a read that
// was not prefetched, or made after a write of the same transaction that
// the backend cannot keep track of, still goes to the database.
type BatchReader interface {
	PrefetchAppends(digests []string, keys []SubmissionKey) error
}
