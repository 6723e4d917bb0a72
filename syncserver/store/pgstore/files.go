package pgstore

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"appariement/syncserver/store"
)

// PutFile stores data uploaded by owner under its SHA-256 (the bytes once
// for all owners) and records or replaces the owner's FileInfo.
func (tx *Tx) PutFile(owner, name string, data []byte, now time.Time) (*store.FileInfo, error) {
	sum := sha256.Sum256(data)
	h := hex.EncodeToString(sum[:])
	if data == nil {
		data = []byte{}
	}
	if _, err := tx.exec("put file "+h, "INSERT INTO blobs (sha256, data) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING", h, data); err != nil {
		return nil, err
	}
	fi := store.FileInfo{SHA256: h, Owner: owner, Name: name, Size: int64(len(data)), Uploaded: now.UTC()}
	doc, err := encode(fi)
	if err != nil {
		return nil, fmt.Errorf("pgstore: put file %s: %w", h, err)
	}
	if _, err := tx.exec("put file "+h, `INSERT INTO files (sha256, owner, size, doc) VALUES ($1, $2, $3, $4)
		ON CONFLICT (sha256, owner) DO UPDATE SET doc = EXCLUDED.doc`, h, owner, fi.Size, doc); err != nil {
		return nil, err
	}
	return &fi, nil
}

// FileOf returns the info of a file as uploaded by owner, or ErrNotFound.
func (tx *Tx) FileOf(owner, sha string) (*store.FileInfo, error) {
	var fi store.FileInfo
	ok, err := tx.getDoc(&fi, "SELECT doc FROM files WHERE sha256 = $1 AND owner = $2", sha, owner)
	if err != nil {
		return nil, fmt.Errorf("pgstore: file %s of %s: %w", sha, owner, err)
	}
	if !ok {
		return nil, fmt.Errorf("pgstore: file %s of %s: %w", sha, owner, store.ErrNotFound)
	}
	return &fi, nil
}

// FilesOf returns how many distinct files owner uploaded and their size.
func (tx *Tx) FilesOf(owner string) (n int, size int64) {
	if err := tx.lock(); err != nil || !storable(owner) {
		return 0, 0
	}
	err := tx.tx.QueryRow(tx.ctx, "SELECT count(*), coalesce(sum(size), 0) FROM files WHERE owner = $1", owner).Scan(&n, &size)
	if err != nil {
		tx.keep(fmt.Errorf("pgstore: files of %s: %w", owner, err))
		return 0, 0
	}
	return n, size
}

// FileOwners returns the infos of a file for every owner, by owner.
func (tx *Tx) FileOwners(sha string) ([]store.FileInfo, error) {
	out, err := queryDocs[store.FileInfo](tx, `SELECT doc FROM files WHERE sha256 = $1 ORDER BY owner COLLATE "C"`, sha)
	if err != nil {
		return nil, fmt.Errorf("pgstore: file %s: %w", sha, err)
	}
	return out, nil
}

// FileData returns the bytes of a file, or ErrNotFound.
func (tx *Tx) FileData(sha string) ([]byte, error) {
	if err := tx.lock(); err != nil {
		return nil, err
	}
	if !storable(sha) {
		return nil, fmt.Errorf("pgstore: file %q: %w", sha, store.ErrNotFound)
	}
	var v []byte
	err := tx.tx.QueryRow(tx.ctx, "SELECT data FROM blobs WHERE sha256 = $1", sha).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("pgstore: file %s: %w", sha, store.ErrNotFound)
	}
	if err != nil {
		return nil, classify(fmt.Errorf("pgstore: file %s: %w", sha, err))
	}
	if v == nil {
		v = []byte{}
	}
	return v, nil
}
