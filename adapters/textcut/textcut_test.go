package textcut

import (
	"slices"
	"testing"
)

func TestSplitAndTruncate(t *testing.T) {
	double := func(r rune) int {
		if r == '&' {
			return 5 // as Slack counts "&amp;"
		}
		return 1
	}
	tests := []struct {
		text  string
		limit int
		want  []string
	}{
		{"ab\ncd", 10, []string{"ab\ncd"}},
		{"abcd\nefgh\nij", 9, []string{"abcd", "efgh\nij"}},
		{"&&&", 10, []string{"&&", "&"}},
		{"abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"\n\n\n\n\n\n", 4, []string{"…"}},
	}
	for _, tt := range tests {
		if got := Split(tt.text, tt.limit, double); !slices.Equal(got, tt.want) {
			t.Errorf("Split(%q, %d) = %q, want %q", tt.text, tt.limit, got, tt.want)
		}
		for _, p := range Split(tt.text, tt.limit, double) {
			if Len(p, double) > max(tt.limit, 4) {
				t.Errorf("part %q is longer than %d", p, tt.limit)
			}
		}
	}
	if got := Truncate("abcdefgh", 5, double); got != "abcd…" {
		t.Errorf("Truncate = %q", got)
	}
	if got := Truncate("abc", 5, double); got != "abc" {
		t.Errorf("Truncate short = %q", got)
	}
}
