package store

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"appariement/shared/api"
	"appariement/shared/domain"
)

// FileInfo describes a candidate file uploaded by one owner. The same bytes
// uploaded by two people are stored once, with two FileInfo.
type FileInfo struct {
	SHA256   string    `json:"sha256"`
	Owner    string    `json:"owner"`
	Name     string    `json:"name"`
	Size     int64     `json:"size"`
	Uploaded time.Time `json:"uploaded"`
}

// PutFile stores data uploaded by owner under its SHA-256 and returns its
// info. The same file again replaces its info and costs nothing more; a
// new file beyond api.MaxFilesPerPerson files or api.MaxBytesPerPerson
// bytes of the owner's is refused with quota_exceeded.
func (tx *Tx) PutFile(owner, name string, data []byte, now time.Time) (*FileInfo, error) {
	sum := sha256.Sum256(data)
	h := hex.EncodeToString(sum[:])
	own := tx.bucket(bOwnFiles)
	if own.Get(key(owner, h)) == nil {
		n, size := tx.FilesOf(owner)
		if n+1 > api.MaxFilesPerPerson || size+int64(len(data)) > api.MaxBytesPerPerson {
			return nil, api.Errorf(api.CodeQuotaExceeded,
				"%s a déjà déposé %d fichiers (%d Mio) : au plus %d fichiers et %d Mio par personne",
				"%s already uploaded %d files (%d MiB): at most %d files and %d MiB a person",
				owner, n, size>>20, api.MaxFilesPerPerson, api.MaxBytesPerPerson>>20)
		}
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
	fi := FileInfo{SHA256: h, Owner: owner, Name: name, Size: int64(len(data)), Uploaded: now.UTC()}
	if err := putJSON(tx.bucket(bFiles), key(h, owner), fi); err != nil {
		return nil, fmt.Errorf("store: put file %s: %w", h, err)
	}
	return &fi, nil
}

// FileOf returns the info of a file as uploaded by owner, or ErrNotFound.
func (tx *Tx) FileOf(owner, sha string) (*FileInfo, error) {
	var fi FileInfo
	ok, err := getJSON(tx.bucket(bFiles), key(sha, owner), &fi)
	if err != nil {
		return nil, fmt.Errorf("store: file %s of %s: %w", sha, owner, err)
	}
	if !ok {
		return nil, fmt.Errorf("store: file %s of %s: %w", sha, owner, ErrNotFound)
	}
	return &fi, nil
}

// FilesOf returns how many files owner uploaded and their total size.
func (tx *Tx) FilesOf(owner string) (n int, size int64) {
	prefix := key(owner, "")
	c := tx.bucket(bOwnFiles).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if len(v) == 8 {
			n++
			size += int64(binary.BigEndian.Uint64(v))
		}
	}
	return n, size
}

// FileOwners returns who uploaded the file with this SHA-256.
func (tx *Tx) FileOwners(sha string) ([]FileInfo, error) {
	var out []FileInfo
	prefix := key(sha, "")
	c := tx.bucket(bFiles).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var fi FileInfo
		if err := json.Unmarshal(v, &fi); err != nil {
			return nil, fmt.Errorf("store: file %s: %w", sha, err)
		}
		out = append(out, fi)
	}
	return out, nil
}

// FileData returns the bytes of a file, or ErrNotFound.
func (tx *Tx) FileData(sha string) ([]byte, error) {
	v := tx.bucket(bBlobs).Get([]byte(sha))
	if v == nil {
		return nil, fmt.Errorf("store: file %s: %w", sha, ErrNotFound)
	}
	return bytes.Clone(v), nil
}

// AuditEntry records one administrative action: who, when, what, why.
type AuditEntry = api.AuditEntry

// Audit appends an entry to the audit log, in the caller's transaction so
// that the action and its record commit together.
func (tx *Tx) Audit(e AuditEntry) error {
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
func (tx *Tx) AuditLog(after uint64, limit int) ([]AuditEntry, error) {
	var out []AuditEntry
	c := tx.bucket(bAudit).Cursor()
	for k, v := c.Seek(u64(after + 1)); k != nil && len(out) < limit; k, v = c.Next() {
		var e AuditEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return nil, fmt.Errorf("store: audit entry %x: %w", k, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// Bootstrap creates the first admin in the store file at dbPath with the
// given public key, offline (the server must not be running on the file).
// keyName names the server key if the file is created (see Options.Name).
// admin.Role is forced to admin. Running it again with the same key does
// nothing; it fails if the person already has another key.
func Bootstrap(dbPath, keyName string, admin domain.Person, pub ed25519.PublicKey) error {
	s, err := Open(dbPath, Options{Name: keyName})
	if err != nil {
		return err
	}
	defer s.Close()
	now, adminID := s.Now(), admin.ID
	return s.Update(func(tx *Tx) error {
		if p, err := tx.Person(adminID); err == nil && p.Role != domain.RoleAdmin {
			return fmt.Errorf("store: bootstrap: %s exists with role %s", adminID, p.Role)
		}
		if old, err := tx.PublicKey(adminID); err == nil {
			if bytes.Equal(old, pub) {
				return nil
			}
			return fmt.Errorf("store: bootstrap: %s: %w", adminID, ErrAlreadyEnrolled)
		}
		admin.Role = domain.RoleAdmin
		if err := tx.PutPerson(admin); err != nil {
			return err
		}
		if err := tx.RegisterKey(adminID, pub, now); err != nil {
			return err
		}
		return tx.Audit(AuditEntry{Time: now, Actor: "bootstrap", Action: "bootstrap-admin", Target: adminID})
	})
}
