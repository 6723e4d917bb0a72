package clustertest

import (
	"context"
	"fmt"
	"time"

	"appariement/shared/api"
	"appariement/shared/client"
	"appariement/shared/envelope"
	"appariement/shared/translog"
)

// Ack is one acknowledged submission: the envelope, its receipt, when
// the client got it and when it sent the attempt that got it (zero: At).
type Ack struct {
	Env     *envelope.Envelope
	Receipt *api.Receipt
	At      time.Time
	Sent    time.Time
}

// Verdict is what Check found in the final log.
type Verdict struct {
	FinalN   int64         // leaves in the final log
	Distinct int           // distinct receipt indexes
	Lost     int           // receipts not in the final log
	RTO      time.Duration // killed → first acknowledgement of an attempt sent after it (0 if none)
	Problems []string      // every broken invariant, empty when all hold
}

// Check verifies the invariants of a failover against the final log read
// through cl (any surviving node): every receipt in acks is in the final
// log, every checkpoint a receipt carried is consistent with the final
// one, no index was acknowledged for two envelopes, the log holds exactly
// want leaves, and the first acknowledged envelope sent again gets its
// first receipt back. killed is when the primary died (for the RTO). An
// error means the final log could not be read at all.
func Check(ctx context.Context, cl *client.Client, v *translog.Verifier, acks []Ack, killed time.Time, want int64) (*Verdict, error) {
	cp, err := cl.Checkpoint(ctx)
	if err != nil {
		return nil, fmt.Errorf("clustertest: final checkpoint: %w", err)
	}
	final, err := v.OpenCheckpoint(cp)
	if err != nil {
		return nil, fmt.Errorf("clustertest: final checkpoint: %w", err)
	}
	out := &Verdict{FinalN: final.N}
	bad := func(format string, args ...any) { out.Problems = append(out.Problems, fmt.Sprintf(format, args...)) }
	index := map[int64]string{}
	consistent := map[string]bool{}
	for _, a := range acks {
		if d, dup := index[a.Receipt.Index]; dup && d != a.Receipt.Digest {
			bad("index %d acknowledged for %s and %s", a.Receipt.Index, d, a.Receipt.Digest)
		}
		index[a.Receipt.Index] = a.Receipt.Digest
		// A submission in flight when the primary died may have committed
		// before: only attempts sent after the death measure the recovery.
		sent := a.Sent
		if sent.IsZero() {
			sent = a.At
		}
		if !killed.IsZero() && sent.After(killed) && (out.RTO == 0 || a.At.Sub(killed) < out.RTO) {
			out.RTO = a.At.Sub(killed)
		}
		proof, err := cl.InclusionProof(ctx, a.Receipt.Index, final.N)
		if err == nil {
			err = v.VerifyInclusion(cp, a.Receipt.Index, translog.LeafHash(a.Receipt.ServerTime, a.Env), proof)
		}
		if err != nil {
			out.Lost++
			bad("receipt %d not in the final log: %v", a.Receipt.Index, err)
			continue
		}
		if consistent[a.Receipt.Checkpoint] {
			continue
		}
		old, err := v.OpenCheckpoint(a.Receipt.Checkpoint)
		if err != nil {
			bad("checkpoint of receipt %d: %v", a.Receipt.Index, err)
			continue
		}
		cproof, err := cl.ConsistencyProof(ctx, old.N, final.N)
		if err == nil {
			err = v.VerifyConsistency(a.Receipt.Checkpoint, cp, cproof)
		}
		if err != nil {
			bad("checkpoint of size %d inconsistent with the final one: %v", old.N, err)
		}
		consistent[a.Receipt.Checkpoint] = true
	}
	out.Distinct = len(index)
	if int64(len(index)) != want || final.N != want {
		bad("%d distinct receipts, final log of %d leaves; want %d", len(index), final.N, want)
	}
	if len(acks) > 0 {
		first := acks[0]
		again, err := cl.Submit(ctx, first.Env)
		if err != nil || again.Index != first.Receipt.Index || !again.ServerTime.Equal(first.Receipt.ServerTime) {
			bad("first acknowledged envelope sent again: %+v, %v; want its first receipt at %d", again, err, first.Receipt.Index)
		}
	}
	return out, nil
}
