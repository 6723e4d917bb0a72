package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"appariement/desktop/internal/localstore"
	"appariement/shared/api"
	"appariement/shared/envelope"
	"appariement/shared/translog"
)

// ErrRotationNotProven: the server offers another key than the pinned one
// and no rotation statement signed by both keys leads to it. Nothing is
// sent to it; the error wraps ErrServerKeyMismatch too.
var ErrRotationNotProven = errors.New("the server's new key comes without a proven rotation")

// RotationLogLine is the line of the app's log written when the app
// followed a proven rotation of the server's key, French first.
const RotationLogLine = "clé du serveur renouvelée, déclaration vérifiée / server key renewed, statement verified"

// FollowServerKey is what the app does when the server offers another key
// than the pinned one (the outbox's Ping calls it with the key offered):
// it fetches the server's rotations and follows them from the pinned key
// (translog.FollowRotations). Only if a chain of statements signed by both
// keys of each rotation leads to offered, and the server's current
// checkpoint, signed by offered, is consistent with the last checkpoint
// the app trusted (the CheckpointKeeper), does it pin offered in the
// profile, keep the old key among the retired ones (old receipts still
// verify), rebind signed requests and the outbox to it and write
// RotationLogLine in the app's log. Otherwise nothing changes and the
// error, French first, wraps ErrRotationNotProven and
// ErrServerKeyMismatch (or a fork, kept as evidence).
func (s *Service) FollowServerKey(ctx context.Context, offered api.ServerKey) error {
	s.rotate.Lock()
	defer s.rotate.Unlock()
	s.mu.Lock()
	p := *s.Profile
	s.mu.Unlock()
	pinned := p.ServerKey
	if bytes.Equal(offered.PublicKey, pinned.PublicKey) {
		return nil
	}
	notProven := func(err error) error {
		return fmt.Errorf("le serveur présente une autre clé (%s) que la clé épinglée (%s) sans déclaration de renouvellement vérifiable : "+
			"rien ne lui est envoyé ; prévenez l'administration de l'appariement / "+
			"the server shows another key than the pinned one without a verifiable rotation statement: nothing is sent to it; "+
			"tell the administrators: %w: %w: %w",
			envelope.Fingerprint(offered.PublicKey), envelope.Fingerprint(pinned.PublicKey), ErrRotationNotProven, ErrServerKeyMismatch, err)
	}
	rots, err := s.Client.KeyRotations(ctx)
	if err != nil {
		return notProven(fmt.Errorf("rotations: %w", err))
	}
	if err := translog.FollowRotations(pinned, offered, rots); err != nil {
		return notProven(err)
	}
	offered.Fingerprint = envelope.Fingerprint(offered.PublicKey) // computed here
	fresh, err := translog.NewVerifier(offered)
	if err != nil {
		return notProven(err)
	}
	cp, err := s.Client.Checkpoint(ctx)
	if err != nil {
		return fmt.Errorf("follow the server key: %w", err)
	}
	tree, err := fresh.OpenCheckpoint(cp)
	if err != nil {
		return notProven(err)
	}
	// The pinned key still verifies trees up to the first one the app
	// verifies under the new key (or the trusted one, if larger: the
	// keeper then sees a rollback).
	upTo := tree.N
	if trusted, err := s.Store.TrustedCheckpoint(); err == nil && trusted != "" {
		if t, err := s.Verifier.OpenCheckpoint(trusted); err == nil && t.N > upTo {
			upTo = t.N
		}
	}
	retired := append(slices.Clone(p.RetiredServerKeys), translog.RetiredKey{Key: pinned, UpTo: upTo, RetiredAt: s.Now().UTC()})
	next, err := translog.NewVerifier(offered, retired...)
	if err != nil {
		return notProven(err)
	}
	// The new checkpoint must extend the history the app trusted.
	check := newKeeper(s.Store, next, s.Client)
	if err := check.ObserveLatest(ctx, "rotation", cp); err != nil {
		return fmt.Errorf("follow the server key: %w", err)
	}
	p.ServerKey, p.RetiredServerKeys = offered, retired
	s.mu.Lock()
	if err := s.Store.SaveProfile(&p); err != nil {
		s.mu.Unlock()
		return fmt.Errorf("follow the server key: %w", err)
	}
	*s.Profile = p
	s.mu.Unlock()
	s.Client.BindServer(envelope.KeyID(offered.PublicKey))
	s.Outbox.Repin(offered, next) // s.Verifier and s.Keeper's are the outbox's

	if err := s.Store.AppendEvent(localstore.Event{Time: s.Now().UTC(),
		Text: fmt.Sprintf("%s (%s → %s)", RotationLogLine, envelope.Fingerprint(pinned.PublicKey), offered.Fingerprint)}); err != nil {
		return fmt.Errorf("follow the server key: %w", err)
	}
	return nil
}

// Events returns the app's log, oldest first.
func (s *Service) Events() ([]localstore.Event, error) { return s.Store.Events() }
