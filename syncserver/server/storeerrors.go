package server

import (
	"errors"
	"math"
	"time"

	"appariement/shared/api"
	"appariement/syncserver/store"
)

// This file is the one place where the store's own errors and records
// meet the API: the refusals the clients see, and the conversions of the
// stored records to the API's types.

// fileQuota is the quota of candidate files per person.
var fileQuota = store.Quota{Files: api.MaxFilesPerPerson, Bytes: api.MaxBytesPerPerson}

// storageRetryAfter is the retry delay given with storage_unavailable.
const storageRetryAfter = 10 * time.Second

// storageRefusalError is the refusal answered for a write the file system
// refused: 503 with a retry delay, code storage_unavailable.
func storageRefusalError() *api.Error {
	secs := int(storageRetryAfter / time.Second)
	e := api.Errorf(api.CodeStorageUnavailable,
		"le serveur ne peut pas enregistrer pour l'instant (espace disque) : rien n'a été enregistré, réessayez dans %d s",
		"the server cannot store anything right now (disk space): nothing was recorded, retry in %d s", secs)
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

// apiAudit converts audit entries.
func apiAudit(in []store.AuditEntry) []api.AuditEntry {
	out := make([]api.AuditEntry, len(in))
	for i, e := range in {
		out[i] = api.AuditEntry(e)
	}
	return out
}

// apiCorrection converts a stored correction.
func apiCorrection(c *store.Correction) *api.Correction {
	out := &api.Correction{
		ID: c.ID,
		CorrectionRequest: api.CorrectionRequest{Round: c.Round, Poste: c.Poste, Person: c.Person,
			Specialty: c.Specialty, Subdivision: c.Subdivision, Field: c.Field, Proposed: c.Proposed, Message: c.Message},
		Current: c.Current, Author: c.Author, AuthorRole: c.AuthorRole, AuthorName: c.AuthorName,
		Created: c.Created, Status: api.CorrectionStatus(c.Status), Reason: c.Reason, Updated: c.Updated,
	}
	if c.History != nil {
		out.History = make([]api.CorrectionEvent, len(c.History))
		for i, h := range c.History {
			out.History[i] = api.CorrectionEvent{Time: h.Time, Actor: h.Actor, Status: api.CorrectionStatus(h.Status), Reason: h.Reason, Value: h.Value}
		}
	}
	return out
}

// storeCorrection converts a correction for storing.
func storeCorrection(c *api.Correction) *store.Correction {
	out := &store.Correction{
		ID: c.ID, Round: c.Round, Poste: c.Poste, Person: c.Person, Specialty: c.Specialty, Subdivision: c.Subdivision,
		Field: c.Field, Proposed: c.Proposed, Message: c.Message,
		Current: c.Current, Author: c.Author, AuthorRole: c.AuthorRole, AuthorName: c.AuthorName,
		Created: c.Created, Status: store.CorrectionStatus(c.Status), Reason: c.Reason, Updated: c.Updated,
	}
	if c.History != nil {
		out.History = make([]store.CorrectionEvent, len(c.History))
		for i, h := range c.History {
			out.History[i] = store.CorrectionEvent{Time: h.Time, Actor: h.Actor, Status: store.CorrectionStatus(h.Status), Reason: h.Reason, Value: h.Value}
		}
	}
	return out
}

// apiMailInfo converts what admins see of a mail.
func apiMailInfo(m store.MailInfo) api.Mail {
	return api.Mail{ID: m.ID, Kind: m.Kind, Person: m.Person, To: m.To, Subject: m.Subject, MessageID: m.MessageID,
		Status: api.MailStatus(m.Status), Attempts: m.Attempts, Created: m.Created, NextTry: m.NextTry, Sent: m.Sent,
		LastError: m.LastError}
}

// apiMailList converts a page of the mail queue.
func apiMailList(l store.MailList) api.MailList {
	out := api.MailList{Queued: l.Queued, Sent: l.Sent, Failed: l.Failed, Mails: make([]api.Mail, len(l.Mails))}
	for i, m := range l.Mails {
		out.Mails[i] = apiMailInfo(m)
	}
	return out
}

// apiAttachments and storeAttachments convert a submission's attachments.
func apiAttachments(in []store.Attachment) []api.Attachment {
	if in == nil {
		return nil
	}
	out := make([]api.Attachment, len(in))
	for i, a := range in {
		out[i] = api.Attachment(a)
	}
	return out
}

func storeAttachments(in []api.Attachment) []store.Attachment {
	if in == nil {
		return nil
	}
	out := make([]store.Attachment, len(in))
	for i, a := range in {
		out[i] = store.Attachment(a)
	}
	return out
}
