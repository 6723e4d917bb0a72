package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"appariement/desktop/internal/localstore"
	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/shared/translog"
)

// Reasons why a result is not verified (message keys).
const (
	ProblemSignature   = "result.problem.signature"     // not signed by the pinned server key
	ProblemDecode      = "result.problem.decode"        // unreadable payload
	ProblemOtherPerson = "result.problem.other_person"  // the result names someone else or another round
	ProblemMissing     = "result.problem.missing"       // we had an accepted list, the result ignores it
	ProblemDigest      = "result.problem.digest"        // the result's last submission is not ours
	ProblemInclusion   = "result.problem.inclusion"     // the inclusion proof does not verify
	ProblemCheckpoint  = "result.problem.checkpoint"    // the result's checkpoint differs from the round's
	ProblemNoLocalCopy = "result.problem.no_local_copy" // we have no copy of our last accepted list
	ProblemNotInInput  = "result.problem.not_in_input"  // the server does not say our list is in the round's frozen input
)

// FetchResult fetches and verifies the personal result of a published
// round, and stores it. The key must be unlocked (the request is signed).
func (s *Service) FetchResult(ctx context.Context, r *domain.Round) (*localstore.ResultRecord, error) {
	c, _, err := s.signed()
	if err != nil {
		return nil, err
	}
	env, err := c.Result(ctx, r.ID)
	if err != nil {
		return nil, fmt.Errorf("fetch result of %s: %w", r.ID, err)
	}
	last, err := s.LastAccepted(r.ID)
	if err != nil {
		return nil, err
	}
	rec := VerifyResult(s.Verifier, env, s.Profile.Person.ID, r, last)
	if err := s.observeResult(ctx, rec); err != nil {
		return nil, fmt.Errorf("fetch result of %s: %w", r.ID, err)
	}
	rec.FetchedAt = s.Now().UTC()
	if err := s.Store.SaveResult(rec); err != nil {
		return nil, err
	}
	return rec, nil
}

// VerifyResult checks a personal result: signed by the pinned server key,
// about me and this round, and, when I had a wish list accepted, naming
// exactly my last accepted envelope, proved included in the result's
// checkpoint. The record says "verified" only if every check passed, and
// otherwise which one failed.
func VerifyResult(v *translog.Verifier, env *envelope.Envelope, me string, r *domain.Round, last *localstore.Item) *localstore.ResultRecord {
	rec := &localstore.ResultRecord{Round: r.ID, Envelope: env.Encode()}
	fail := func(problem string, err error) *localstore.ResultRecord {
		rec.Problem = problem
		if err != nil {
			rec.Detail = err.Error()
		}
		return rec
	}
	payload, err := v.VerifyEnvelope(env, api.PersonalResultType)
	if err != nil {
		return fail(ProblemSignature, err)
	}
	var pr api.PersonalResult
	if err := json.Unmarshal(payload, &pr); err != nil {
		return fail(ProblemDecode, err)
	}
	rec.Result = &pr
	if pr.Person != me || pr.Round != r.ID {
		return fail(ProblemOtherPerson, fmt.Errorf("result of %s for round %s", pr.Person, pr.Round))
	}
	if _, err := v.OpenCheckpoint(pr.Checkpoint); err != nil {
		return fail(ProblemCheckpoint, err)
	}
	if r.Checkpoint != "" && r.Checkpoint != pr.Checkpoint {
		return fail(ProblemCheckpoint, errors.New("the result's checkpoint is not the round's"))
	}
	ls := pr.LastSubmission
	switch {
	case ls == nil && last == nil:
		// No list sent, none used: nothing to prove.
	case ls == nil:
		return fail(ProblemMissing, fmt.Errorf("my accepted list %s is not in the result", last.Digest))
	case last == nil:
		return fail(ProblemNoLocalCopy, fmt.Errorf("result names %s", ls.Digest))
	default:
		mine, err := envelope.Decode(last.Envelope)
		if err != nil {
			return fail(ProblemNoLocalCopy, err)
		}
		if ls.Digest != mine.Digest() {
			return fail(ProblemDigest, fmt.Errorf("result names %s, my last accepted list is %s", ls.Digest, mine.Digest()))
		}
		if err := v.VerifyInclusion(pr.Checkpoint, ls.Index, translog.LeafHash(ls.ServerTime, mine), ls.Proof); err != nil {
			return fail(ProblemInclusion, err)
		}
		if last.Receipt != nil && (last.Receipt.Index != ls.Index || !last.Receipt.ServerTime.Equal(ls.ServerTime)) {
			return fail(ProblemInclusion, errors.New("the result's log entry differs from my receipt"))
		}
		if pr.InputDigest != "" && !ls.InInput {
			return fail(ProblemNotInInput, fmt.Errorf("the frozen input %s does not name my list %s", pr.InputDigest, ls.Digest))
		}
	}
	rec.Verified = true
	return rec
}
