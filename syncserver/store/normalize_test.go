package store

import "testing"

// TestNormalizeCode: a code is read as typed, from an e-mail or by hand:
// case, spaces (no-break ones too), invisible characters and dashes
// (any kind) ignored, O as 0, I and L as 1.
func TestNormalizeCode(t *testing.T) {
	tests := []struct{ typed, want string }{
		{"ABCD-EFGH-JKMN-PQRS", "ABCDEFGHJKMNPQRS"},
		{" abcd efgh jkmn pqrs ", "ABCDEFGHJKMNPQRS"},
		{"abcd\u00a0efgh\u202fjkmn\tpqrs\n", "ABCDEFGHJKMNPQRS"},
		{"\u200babcd–efgh—jkmn−pqrs\ufeff", "ABCDEFGHJKMN−PQRS"}, // en and em dashes; the minus sign is not a dash
		{"OoIiLl", "001111"},
		{"ＡＢＣＤ", "ABCD"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := NormalizeCode(tt.typed); got != tt.want {
			t.Errorf("NormalizeCode(%q) = %q, want %q", tt.typed, got, tt.want)
		}
	}
	for range 20 {
		code := NewCode()
		if NormalizeCode(FormatCode(code)) != code || NormalizeCode(" "+FormatCode(code)+" ") != code {
			t.Errorf("code %s formatted %s does not read back", code, FormatCode(code))
		}
	}
}
