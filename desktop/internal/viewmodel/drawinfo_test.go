package viewmodel

import (
	"encoding/hex"
	"strings"
	"testing"

	"appariement/desktop/internal/i18n"
	"appariement/shared/domain"
	"appariement/shared/draw"
)

// TestDrawInfo: no draw, a committed draw, a revealed secret that matches
// its commitment, and one that does not (or is not hexadecimal), which the
// app itself checks with shared/draw.
func TestDrawInfo(t *testing.T) {
	i18n.SetLanguage("fr")
	secret := []byte("the round's secret, 32 bytes long")
	commitment := draw.Commit(secret)
	for _, tc := range []struct {
		name  string
		round *domain.Round
		want  string
	}{
		{"none", nil, ""},
		{"no commitment", &domain.Round{ID: "R1"}, ""},
		{"committed", &domain.Round{TieBreakCommitment: commitment}, "Tirage au sort engagé avant la clôture des vœux : engagement " + commitment[:16] + "…"},
		{"revealed", &domain.Round{TieBreakCommitment: commitment, TieBreakSecret: hex.EncodeToString(secret)}, "Tirage au sort révélé au calcul : son secret correspond bien à l'engagement " + commitment[:16] + "… publié"},
		{"another secret", &domain.Round{TieBreakCommitment: commitment, TieBreakSecret: hex.EncodeToString([]byte("another secret of 32 bytes, yes!"))}, "Attention : le secret révélé ne correspond pas"},
		{"not hexadecimal", &domain.Round{TieBreakCommitment: commitment, TieBreakSecret: "zz"}, "Attention : le secret révélé ne correspond pas"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := DrawInfo(tc.round)
			if (tc.want == "" && got != "") || !strings.HasPrefix(got, tc.want) {
				t.Errorf("DrawInfo = %q, want %q", got, tc.want)
			}
		})
	}
}
