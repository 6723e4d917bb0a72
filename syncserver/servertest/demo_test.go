package servertest_test

import (
	"context"
	"testing"

	"appariement/shared/domain"
	"appariement/syncserver/demodata"
	"appariement/syncserver/servertest"
)

// TestDemoRoundOptions: the round seeded from the demo data set carries
// the options the test asked for (binômes for a choix au rang, ex aequo
// wishes for an appariement), as the small seed does.
func TestDemoRoundOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts servertest.Options
		want func(domain.Round) bool
	}{
		{"binômes", servertest.Options{Procedure: domain.ChoixAuRang, Binomes: true, NoCodes: true}, func(r domain.Round) bool { return r.Binomes }},
		{"ex aequo", servertest.Options{Procedure: domain.Appariement, WishTies: true, NoCodes: true}, func(r domain.Round) bool { return r.WishTies }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			demo := demodata.Small(1)
			tc.opts.Demo = &demo
			env := servertest.Start(t, tc.opts)
			rs, err := env.Admin.Rounds(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rs.Rounds {
				if r.ID == env.Round {
					if !tc.want(r) {
						t.Fatalf("round %s seeded from the demo lost the option: %+v", r.ID, r)
					}
					return
				}
			}
			t.Fatalf("round %s not found in %+v", env.Round, rs.Rounds)
		})
	}
}
