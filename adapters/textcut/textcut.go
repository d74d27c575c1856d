// Package textcut cuts long replies into messages a platform accepts,
// measuring text the way that platform counts it.
package textcut

import "strings"

// Size is how much one rune counts towards a platform's limit.
type Size func(r rune) int

// Len is the length of s as size counts it.
func Len(s string, size Size) int {
	n := 0
	for _, r := range s {
		n += size(r)
	}
	return n
}

// Cut splits s after at most limit units, never inside a rune.
func Cut(s string, limit int, size Size) (head, rest string) {
	n := 0
	for i, r := range s {
		if n+size(r) > limit {
			return s[:i], s[i:]
		}
		n += size(r)
	}
	return s, ""
}

// Truncate shortens s to at most limit units, ending with "…" if it was cut.
func Truncate(s string, limit int, size Size) string {
	head, rest := Cut(s, limit, size)
	if rest == "" {
		return head
	}
	head, _ = Cut(head, limit-size('…'), size)
	return head + "…"
}

// Split cuts text into parts of at most limit units, at line boundaries
// where it can, inside a line only when one line is too long. It always
// returns at least one non-empty part.
func Split(text string, limit int, size Size) []string {
	limit = max(limit, 4) // no single rune counts more than 4 on any platform here
	if Len(text, size) <= limit {
		return []string{text}
	}
	var parts []string
	var cur strings.Builder
	curLen := 0
	flush := func() {
		if s := strings.TrimRight(cur.String(), "\n"); s != "" {
			parts = append(parts, s)
		}
		cur.Reset()
		curLen = 0
	}
	for _, line := range strings.SplitAfter(text, "\n") {
		n := Len(line, size)
		if curLen+n > limit {
			flush()
		}
		for n > limit { // one line longer than a message: cut it
			head, rest := Cut(line, limit, size)
			parts = append(parts, head)
			line, n = rest, Len(rest, size)
		}
		cur.WriteString(line)
		curLen += n
	}
	flush()
	if len(parts) == 0 { // only blank lines: one short part rather than none
		parts = []string{"…"}
	}
	return parts
}
