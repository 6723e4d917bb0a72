package plural

import "testing"

// TestForms: the forms of 0, 1 and 2 (and a negative difference) in both
// languages.
func TestForms(t *testing.T) {
	for _, tc := range []struct {
		n      int
		fr, en string
	}{
		{0, "erreur", "errors"},
		{1, "erreur", "error"},
		{2, "erreurs", "errors"},
		{-1, "erreur", "error"},
		{-2, "erreurs", "errors"},
		{1000, "erreurs", "errors"},
	} {
		if got := FR(tc.n, "erreur", "erreurs"); got != tc.fr {
			t.Errorf("FR(%d) = %q, want %q", tc.n, got, tc.fr)
		}
		if got := EN(tc.n, "error", "errors"); got != tc.en {
			t.Errorf("EN(%d) = %q, want %q", tc.n, got, tc.en)
		}
	}
	if One("de", 0) != One("fr", 0) {
		t.Error("another language does not follow French")
	}
}
