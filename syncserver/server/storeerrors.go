package server

import (
	"errors"
	"math"
	"time"

	"appariement/shared/api"
	"appariement/syncserver/store"
)

// This file is the one place where the store's own errors meet the API:
// the refusals the clients see. The conversions of stored records to the
// API's types live with the use cases that answer them (corrections,
// files, intake, notify…).

// storageRetryAfter is the retry delay given with storage_unavailable.
const storageRetryAfter = 10 * time.Second

// reasonDatabase is the store.StorageError reason a database backend
// gives when the database cannot be reached, is a read-only standby, or
// did not confirm a commit (pgstore.ReasonDatabase).
const reasonDatabase = "database_unavailable"

// storageRefusalError is the refusal answered for a write the storage
// refused (reason as in store.StorageReason): 503 with a retry delay,
// code storage_unavailable; the sentence names the cause, disk space or
// the database.
func storageRefusalError(reason string) *api.Error {
	secs := int(storageRetryAfter / time.Second)
	var e *api.Error
	if reason == reasonDatabase {
		e = api.Errorf(api.CodeStorageUnavailable,
			"le serveur ne peut pas enregistrer pour l'instant (base de données injoignable) : rien n'a été enregistré, réessayez dans %d s",
			"the server cannot store anything right now (database unreachable): nothing was recorded, retry in %d s", secs)
	} else {
		e = api.Errorf(api.CodeStorageUnavailable,
			"le serveur ne peut pas enregistrer pour l'instant (espace disque) : rien n'a été enregistré, réessayez dans %d s",
			"the server cannot store anything right now (disk space): nothing was recorded, retry in %d s", secs)
	}
	e.RetryAfter = secs
	return e
}

// storeRefusal maps a refusal of the store to the API's, or returns nil
// for an error that is not one.
func storeRefusal(err error) *api.Error {
	var seq *store.SeqError
	var quota *store.QuotaError
	var clock *store.ClockError
	switch {
	case errors.As(err, &seq) && errors.Is(seq.Err, store.ErrReplay):
		return api.Errorf(api.CodeReplay,
			"numéro de séquence %d inférieur au dernier accepté (%d) pour %s dans le tour %s",
			"sequence number %d is lower than the last accepted one (%d) for %s in round %s",
			seq.Seq, seq.Last, seq.Author, seq.Round)
	case errors.As(err, &seq):
		return api.Errorf(api.CodeConflict,
			"un autre envoi de %s porte déjà le numéro de séquence %d dans le tour %s",
			"another submission of %s already has sequence number %d in round %s",
			seq.Author, seq.Seq, seq.Round)
	case errors.As(err, &quota):
		return api.Errorf(api.CodeQuotaExceeded,
			"%s a déjà déposé %d fichiers (%d Mio) : au plus %d fichiers et %d Mio par personne",
			"%s already uploaded %d files (%d MiB): at most %d files and %d MiB a person",
			quota.Owner, quota.Files, quota.Bytes>>20, quota.MaxFiles, quota.MaxBytes>>20)
	case errors.As(err, &clock):
		return clockBehindError(clock.Now, clock.Last)
	}
	return nil
}

// clockBehindError is the refusal of a change while the clock reads
// before the last log leaf's time.
func clockBehindError(now, last time.Time) *api.Error {
	behind := last.Sub(now)
	secs := int(min(math.Ceil(behind.Seconds())+1, 300))
	e := api.Errorf(api.CodeClockBehind,
		"l'horloge du serveur (%s) est en retard sur la dernière entrée du journal (%s) : aucun envoi ni changement de tour n'est accepté avant qu'elle soit corrigée ; réessayez dans %d s",
		"the server's clock (%s) is behind the last log entry (%s): no submission or round change is accepted until it is corrected; retry in %d s",
		now.UTC().Format(time.RFC3339Nano), last.UTC().Format(time.RFC3339Nano), secs)
	e.RetryAfter = secs
	return e
}

// apiServerKey is the store's server key as the API sends it.
func apiServerKey(k store.ServerKey) api.ServerKey { return api.ServerKey(k) }
