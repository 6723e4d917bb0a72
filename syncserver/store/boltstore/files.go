package boltstore

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"appariement/syncserver/store"
)

// PutFile stores data uploaded by owner under its SHA-256 and returns its
// info. The same file again replaces its info and costs nothing more (no
// quota: see store.PutFile).
func (tx *Tx) PutFile(owner, name string, data []byte, now time.Time) (*store.FileInfo, error) {
	sum := sha256.Sum256(data)
	h := hex.EncodeToString(sum[:])
	own := tx.bucket(bOwnFiles)
	if own.Get(key(owner, h)) == nil {
		if err := own.Put(key(owner, h), u64(uint64(len(data)))); err != nil {
			return nil, fmt.Errorf("store: put file %s: %w", h, err)
		}
	}
	blobs := tx.bucket(bBlobs)
	if blobs.Get([]byte(h)) == nil {
		if err := blobs.Put([]byte(h), data); err != nil {
			return nil, fmt.Errorf("store: put file %s: %w", h, err)
		}
	}
	fi := store.FileInfo{SHA256: h, Owner: owner, Name: name, Size: int64(len(data)), Uploaded: now.UTC()}
	if err := putJSON(tx.bucket(bFiles), key(h, owner), fi); err != nil {
		return nil, fmt.Errorf("store: put file %s: %w", h, err)
	}
	return &fi, nil
}

// FileOf returns the info of a file as uploaded by owner, or store.ErrNotFound.
func (tx *Tx) FileOf(owner, sha string) (*store.FileInfo, error) {
	var fi store.FileInfo
	ok, err := getJSON(tx.bucket(bFiles), key(sha, owner), &fi)
	if err != nil {
		return nil, fmt.Errorf("store: file %s of %s: %w", sha, owner, err)
	}
	if !ok {
		return nil, fmt.Errorf("store: file %s of %s: %w", sha, owner, store.ErrNotFound)
	}
	return &fi, nil
}

// FilesOf returns how many files owner uploaded and their total size.
func (tx *Tx) FilesOf(owner string) (n int, size int64) {
	prefix := key(owner, "")
	c := tx.bucket(bOwnFiles).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if len(v) != 8 {
			tx.fail(fmt.Errorf("store: files of %s: damaged size record of %d bytes, want 8", owner, len(v)))
			return 0, 0
		}
		n++
		size += int64(binary.BigEndian.Uint64(v))
	}
	return n, size
}

// FileOwners returns who uploaded the file with this SHA-256.
func (tx *Tx) FileOwners(sha string) ([]store.FileInfo, error) {
	var out []store.FileInfo
	prefix := key(sha, "")
	c := tx.bucket(bFiles).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var fi store.FileInfo
		if err := json.Unmarshal(v, &fi); err != nil {
			return nil, fmt.Errorf("store: file %s: %w", sha, err)
		}
		out = append(out, fi)
	}
	return out, nil
}

// FileData returns the bytes of a file, or store.ErrNotFound.
func (tx *Tx) FileData(sha string) ([]byte, error) {
	v := tx.bucket(bBlobs).Get([]byte(sha))
	if v == nil {
		return nil, fmt.Errorf("store: file %s: %w", sha, store.ErrNotFound)
	}
	return bytes.Clone(v), nil
}

// Audit appends an entry to the audit log, in the caller's transaction so
// that the action and its record commit together.
func (tx *Tx) Audit(e store.AuditEntry) error {
	b := tx.bucket(bAudit)
	k, err := nextSeq(b)
	if err != nil {
		return fmt.Errorf("store: audit %s: %w", e.Action, err)
	}
	e.Seq = binary.BigEndian.Uint64(k)
	e.Time = e.Time.UTC()
	if err := putJSON(b, k, e); err != nil {
		return fmt.Errorf("store: audit %s: %w", e.Action, err)
	}
	return nil
}

// AuditLog returns at most limit entries with Seq > after, oldest first.
func (tx *Tx) AuditLog(after uint64, limit int) ([]store.AuditEntry, error) {
	var out []store.AuditEntry
	c := tx.bucket(bAudit).Cursor()
	for k, v := c.Seek(u64(after + 1)); k != nil && len(out) < limit; k, v = c.Next() {
		var e store.AuditEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return nil, fmt.Errorf("store: audit entry %x: %w", k, err)
		}
		out = append(out, e)
	}
	return out, nil
}
