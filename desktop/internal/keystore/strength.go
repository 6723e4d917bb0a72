package keystore

import (
	"math"
	"strings"
	"unicode"
)

// MinLength is the shortest passphrase accepted.
const MinLength = 12

// MinBits is the least estimated entropy accepted.
const MinBits = 50

// Strength is an estimate of how hard a passphrase is to guess.
type Strength struct {
	Bits  float64 // estimated entropy
	Score int     // 0 (very weak) to 4 (very strong)
	// Problems lists what is wrong, as message keys for the user:
	// "pass.too_short", "pass.common", "pass.repeated", "pass.sequence",
	// "pass.few_kinds".
	Problems []string
}

// Acceptable reports whether the passphrase may be used.
func (s Strength) Acceptable() bool {
	return s.Score >= 2 && !containsAny(s.Problems, "pass.too_short", "pass.common")
}

func containsAny(list []string, keys ...string) bool {
	for _, l := range list {
		for _, k := range keys {
			if l == k {
				return true
			}
		}
	}
	return false
}

// common are passwords and words found first by any guessing tool.
var common = []string{
	"password", "motdepasse", "azerty", "qwerty", "123456", "soleil", "bonjour",
	"doudou", "loulou", "chouchou", "marseille", "medecin", "medecine", "interne",
	"internat", "hopital", "appariement", "letmein", "iloveyou", "admin", "welcome",
	"secret", "passe", "abc123", "000000", "111111",
}

// Estimate rates a passphrase. The estimate is deliberately simple and
// conservative: the size of the alphabet used times the length, discounted
// for repeated characters, runs such as "abcd" or "1234" and well-known
// words.
func Estimate(pass string) Strength {
	var s Strength
	runes := []rune(pass)
	n := len(runes)
	if n < MinLength {
		s.Problems = append(s.Problems, "pass.too_short")
	}
	var lower, upper, digit, space, other bool
	for _, r := range runes {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		case unicode.IsSpace(r):
			space = true
		default:
			other = true
		}
	}
	alphabet, kinds := 0, 0
	for _, k := range []struct {
		on   bool
		size int
	}{{lower, 26}, {upper, 26}, {digit, 10}, {space, 1}, {other, 33}} {
		if k.on {
			alphabet += k.size
			kinds++
		}
	}
	if alphabet < 2 {
		alphabet = 2
	}
	// Effective length: repeated or sequential characters count for little.
	eff := 0.0
	repeats, seqs := 0, 0
	for i, r := range runes {
		switch {
		case i > 0 && r == runes[i-1]:
			eff += 0.25
			repeats++
		case i > 0 && (r == runes[i-1]+1 || r == runes[i-1]-1):
			eff += 0.25
			seqs++
		default:
			eff++
		}
	}
	low := strings.ToLower(pass)
	for _, w := range common {
		if strings.Contains(low, w) {
			eff -= float64(len(w)) * 0.9
			if float64(len(w)) >= float64(n)*0.6 {
				s.Problems = append(s.Problems, "pass.common")
			}
		}
	}
	if eff < 0 {
		eff = 0
	}
	if n > 0 && repeats*3 >= n {
		s.Problems = append(s.Problems, "pass.repeated")
	}
	if n > 0 && seqs*2 >= n {
		s.Problems = append(s.Problems, "pass.sequence")
	}
	s.Bits = eff * math.Log2(float64(alphabet))
	if kinds < 2 && s.Bits < 70 {
		s.Problems = append(s.Problems, "pass.few_kinds")
	}
	switch {
	case s.Bits < 35:
		s.Score = 0
	case s.Bits < MinBits:
		s.Score = 1
	case s.Bits < 70:
		s.Score = 2
	case s.Bits < 100:
		s.Score = 3
	default:
		s.Score = 4
	}
	if n < MinLength && s.Score > 1 {
		s.Score = 1
	}
	return s
}
