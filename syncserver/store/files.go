package store

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"appariement/shared/domain"
)

// Quota bounds the files of one owner.
type Quota struct {
	Files int   // at most this many distinct files
	Bytes int64 // of at most this many bytes in all
}

// PutFile stores data uploaded by owner (see Tx.PutFile) within quota q:
// the same file again replaces its info and costs nothing more; a new
// file beyond q is refused with a *QuotaError (ErrQuota), nothing written.
func PutFile(tx Tx, owner, name string, data []byte, now time.Time, q Quota) (*FileInfo, error) {
	sum := sha256.Sum256(data)
	h := hex.EncodeToString(sum[:])
	if _, err := tx.FileOf(owner, h); IsNotFound(err) {
		n, size := tx.FilesOf(owner)
		if n+1 > q.Files || size+int64(len(data)) > q.Bytes {
			return nil, &QuotaError{Owner: owner, Files: n, Bytes: size, MaxFiles: q.Files, MaxBytes: q.Bytes}
		}
	} else if err != nil {
		return nil, fmt.Errorf("store: put file %s: %w", h, err)
	}
	return tx.PutFile(owner, name, data, now)
}

// BootstrapAdmin creates the first admin in s with the given public key
// (admin.Role is forced to admin). Running it again with the same key
// does nothing; it fails if the person already has another key.
func BootstrapAdmin(s *Store, admin domain.Person, pub ed25519.PublicKey) error {
	now, adminID := s.Now(), admin.ID
	return s.Update(func(tx Tx) error {
		if p, err := tx.Person(adminID); err == nil && p.Role != domain.RoleAdmin {
			return fmt.Errorf("store: bootstrap: %s exists with role %s", adminID, p.Role)
		}
		if old, err := tx.PublicKey(adminID); err == nil {
			if old.Equal(pub) {
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
