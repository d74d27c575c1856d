package bot

import "testing"

func TestEditDistanceAndNearly(t *testing.T) {
	for _, c := range []struct {
		a, b   string
		d      int
		nearly bool
	}{
		{"scnp", "scpn", 1, true}, // two swapped
		{"scp", "scpn", 1, true},  // one dropped
		{"amazon-usa", "amazon-us", 1, true},
		{"amazn-us", "amazon-us", 1, true},
		{"amzn-usa", "amazon-us", 3, false}, // too far
		{"uk", "us", 1, false},              // too short to guess
		{"scpn", "scpn", 0, false},          // the id itself is found, not suggested
		{"证书", "证件", 1, true},               // by rune
		{"", "abc", 3, false},
	} {
		if d := editDistance(c.a, c.b); d != c.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, d, c.d)
		}
		if n := nearly(c.a, c.b); n != c.nearly {
			t.Errorf("nearly(%q, %q) = %t, want %t", c.a, c.b, n, c.nearly)
		}
	}
}
