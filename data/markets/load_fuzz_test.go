package markets_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/onboardbot/onboardbot/data/markets"
	"github.com/onboardbot/onboardbot/flows"
)

// loadDeadline is how long one rule file may take to load. The real files
// load in milliseconds; this only catches hangs and runaway expansion.
const loadDeadline = 10 * time.Second

// ruleSeeds are the embedded rule files (each as it is, and renamed to
// tiktok-uk so that it loads under that file name), small breakages of
// them, YAML alias bombs, tags, deep nesting, and a valid file with many
// answer paths.
func ruleSeeds(tb testing.TB) [][]byte {
	fsys, _ := markets.EmbeddedRules()
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil || len(names) == 0 {
		tb.Fatalf("embedded rules: %v %v", names, err)
	}
	var seeds [][]byte
	var uk string
	for _, name := range names {
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			tb.Fatal(err)
		}
		seeds = append(seeds, src)
		id := strings.TrimSuffix(name, ".yaml")
		if id == "tiktok-uk" {
			uk = string(src)
			continue
		}
		seeds = append(seeds, []byte(strings.Replace(string(src), "\nid: "+id+"\n", "\nid: tiktok-uk\n", 1)))
	}
	if uk == "" {
		tb.Fatal("no embedded tiktok-uk.yaml")
	}
	lines := strings.SplitAfter(uk, "\n")
	deleteLine := func(n int) string { // 1-based
		return strings.Join(append(append([]string{}, lines[:n-1]...), lines[n:]...), "")
	}
	for _, n := range []int{1, 7, 15, 16, 22, 23, 56, 60, 147, 191, 213, 301, len(lines) - 1} {
		if n >= 1 && n <= len(lines) {
			seeds = append(seeds, []byte(deleteLine(n)))
		}
	}
	mutations := []string{
		strings.Replace(uk, "  - id: shops\n", "  - id: entity\n", 1),                  // duplicate question id
		strings.Replace(uk, "  - id: food\n", "  - id: beauty\n", 1),                   // duplicate category id
		strings.Replace(uk, "  - id: scpn\n", "  - id: uk-rp\n", 1),                    // duplicate item id
		strings.Replace(uk, "      - id: uk-company\n", "      - id: cn-company\n", 1), // duplicate choice id
		strings.ReplaceAll(uk, "\n", "\r\n"),
		strings.ReplaceAll(uk, "\n", "\r"),
		"\ufeff" + uk,
		strings.Replace(uk, "version: \"2026.11.1\"", "version: &v \"2026.11.1\"\nplatform: *v", 1),
		uk + "\n---\n" + uk,
		strings.Replace(uk, "    max: 1000\n", "    max: -1\n", 1),
		strings.Replace(uk, "    max: 1000\n", "    max: .nan\n", 1),
		strings.Replace(uk, "    min: 0\n", "    min: .inf\n", 1),
		strings.Replace(uk, "'GB(\\d{9}|\\d{12})'", "'(a*)*b'", 1),
		strings.Replace(uk, "'GB(\\d{9}|\\d{12})'", "'GB\\d{1000}'", 1),
	}
	bombs := []string{
		"a: &a [*a,*a]\n",
		"id: &a [*a,*a]\n",
		"id: *a\n",
		"a: &a\n  b: *a\n",
		"<<: *a\n",
		"questions: !q\n",
		"questions:\n  - id: a\n    choices: !!seq\n",
		laughs("lol", "id"),
		laughs("lol", "platform"),
		laughs("{zh: x, en: y}", "questions"),
		"questions: &q\n  - id: a\n    choices: *q\n",
		"id: " + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + "\n",
		"id: " + strings.Repeat("{a: ", 5000) + "b" + strings.Repeat("}", 5000) + "\n",
		strings.Repeat("- ", 5000) + "x\n",
	}
	bombs = append(bombs, manyPaths(13, 600))
	for _, s := range append(mutations, bombs...) {
		seeds = append(seeds, []byte(s))
	}
	return append(seeds, nil, []byte("\n"), []byte("---\n"), []byte("id: tiktok-uk\n"), []byte("\t"), []byte("\xff"), []byte("id: \"\\xff\"\n"))
}

// laughs is a billion-laughs document: nine levels of nine aliases each,
// the last of them the value of field.
func laughs(leaf, field string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "x0: &a0 [%s]\n", strings.TrimSuffix(strings.Repeat(leaf+",", 9), ","))
	for i := 1; i < 10; i++ {
		fmt.Fprintf(&b, "x%d: &a%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d,", i-1), 9), ","))
	}
	fmt.Fprintf(&b, "%s: *a9\n", field)
	return b.String()
}

// manyPaths is a valid rule file with n yes/no questions (2^n answer paths)
// and items checklist items, all open to a seller who answers the last
// question "b".
func manyPaths(n, items int) string {
	var b strings.Builder
	b.WriteString("id: tiktok-uk\nplatform: TikTok Shop\nname: {zh: 英国, en: UK}\nregion: {zh: 英国, en: UK}\n" +
		"version: \"1\"\neffective: 2025-08-25\nsummary: {zh: 摘要, en: Summary}\nquestions:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - {id: q%d, stage: eligibility, text: {zh: 问, en: Q}, source: s, effective: 2025-01-01,\n"+
			"     choices: [{id: a, label: {zh: 甲, en: A}}, {id: b, label: {zh: 乙, en: B}}]}\n", i)
	}
	b.WriteString("categories:\n  - {id: beauty, name: {zh: 美妆, en: Beauty}}\nitems:\n")
	for i := range items {
		fmt.Fprintf(&b, "  - {id: i%d, group: tax, title: {zh: 标, en: T}, detail: {zh: 详, en: D}, source: s, effective: 2025-01-01,\n"+
			"     when: {answers: {q%d: [b]}}}\n", i, n-1)
	}
	return b.String()
}

var problemLine = regexp.MustCompile(`^rules/tiktok-uk\.yaml:([0-9]+): `)

// FuzzLoadRules feeds arbitrary bytes to the rule loader as tiktok-uk.yaml.
// It must not panic or hang; a failure lists problems that each name the
// file and a line of it; a success is a market that validates cleanly and
// whose answer paths can all be walked.
func FuzzLoadRules(f *testing.F) {
	for _, s := range ruleSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		c, err := loadInTime(t, input)
		if err != nil {
			checkRuleError(t, input, err)
			return
		}
		if c == nil || len(c.Markets()) != 1 {
			t.Fatalf("LoadRules succeeded with %v", c)
		}
		m := c.Markets()[0]
		if m.ID != "tiktok-uk" {
			t.Fatalf("tiktok-uk.yaml loaded as market %q", m.ID)
		}
		if ps := flows.Validate(m); len(ps) > 0 {
			t.Fatalf("a loaded market has problems: %v", ps)
		}
		paths := 0
		flows.Walk(m, func(flows.Path) bool {
			paths++
			return paths <= 1_000_000
		})
		if paths > 1_000_000 {
			t.Fatalf("a loaded market has more than a million answer paths")
		}
	})
}

// loadInTime loads input as rules/tiktok-uk.yaml, failing the test if
// that takes longer than loadDeadline.
func loadInTime(t *testing.T, input []byte) (*flows.Catalog, error) {
	t.Helper()
	return loadFSInTime(t, context.Background(), fstest.MapFS{"tiktok-uk.yaml": {Data: input}})
}

// loadFSInTime loads the rules in fsys as the folder "rules", failing the
// test if that takes longer than loadDeadline.
func loadFSInTime(t *testing.T, ctx context.Context, fsys fs.FS) (*flows.Catalog, error) {
	t.Helper()
	type result struct {
		c     *flows.Catalog
		err   error
		panic string
	}
	done := make(chan result, 1)
	go func() {
		// A panic here would end the test binary without naming the test;
		// report it instead.
		defer func() {
			if r := recover(); r != nil {
				done <- result{panic: fmt.Sprintf("%v\n%s", r, debug.Stack())}
			}
		}()
		c, err := markets.LoadRulesContext(ctx, fsys, "rules")
		done <- result{c: c, err: err}
	}()
	select {
	case r := <-done:
		if r.panic != "" {
			t.Fatalf("LoadRules panicked: %s", r.panic)
		}
		return r.c, r.err
	case <-time.After(loadDeadline):
		t.Fatalf("LoadRules still running after %v", loadDeadline)
		return nil, nil
	}
}

// TestLoadRulesFuzzFindings keeps what fuzzing the loader found, by name
// (most of these inputs are also in testdata/fuzz/FuzzLoadRules).
func TestLoadRulesFuzzFindings(t *testing.T) {
	fsys, _ := markets.EmbeddedRules()
	uk, err := fs.ReadFile(fsys, "tiktok-uk.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// An unknown field after the five comment lines that open the file.
	broken := strings.Replace(string(uk), "    stage: logistics\n", "    stage: logistics\n    colour: red\n", 1)
	brokenLine := strings.Count(broken[:strings.Index(broken, "colour: red")], "\n") + 1
	tests := []struct {
		name  string
		input string
		want  string // a problem must start with this
	}{
		{"billion laughs", laughs("lol", "id"), "rules/tiktok-uk.yaml:2: YAML alias \"*a0\": aliases are not supported"},
		{"alias of itself", "a: &a [*a,*a]\n", "rules/tiktok-uk.yaml:1: YAML alias \"*a\": "},
		{"alias never defined", "id: *a\n", "rules/tiktok-uk.yaml:1: YAML alias \"*a\": "},
		{"alias that prints over two lines", "*>", "rules/tiktok-uk.yaml:1: YAML alias "},
		{"tag without a value on a list", "questions: !q\n", "rules/tiktok-uk.yaml:1: YAML tag \"!q\": "},
		{"tag without a value on a nested list", "questions: &q\n  - id: a\n    choices: !q\n", "rules/tiktok-uk.yaml:3: YAML tag \"!q\": "},
		{"standard tag", "id: !!str tiktok-uk\n", "rules/tiktok-uk.yaml:1: YAML tag \"!!str\": "},
		{"merge key", "base: &b {zh: x, en: y}\nname:\n  <<: *b\n", "rules/tiktok-uk.yaml:3: YAML alias \"*b\": "},
		{"10,000 nested flow sequences", "id: " + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + "\n", "rules/tiktok-uk.yaml:1: nested too deeply"},
		{"5,000 nested flow mappings", "id: " + strings.Repeat("{a: ", 5000) + "b" + strings.Repeat("}", 5000) + "\n", "rules/tiktok-uk.yaml:1: nested too deeply"},
		{"5,000 nested block sequences", strings.Repeat("- ", 5000) + "x\n", "rules/tiktok-uk.yaml:1: nested too deeply"},
		{"CRLF line ends after comments", strings.ReplaceAll(broken, "\n", "\r\n"), fmt.Sprintf("rules/tiktok-uk.yaml:%d: unknown field \"colour\"", brokenLine)},
		{"CR line ends", strings.ReplaceAll(broken, "\n", "\r"), fmt.Sprintf("rules/tiktok-uk.yaml:%d: unknown field \"colour\"", brokenLine)},
		{"a comment, CRLF, then not a mapping", "#\r\n0", "rules/tiktok-uk.yaml:2: "},
		{"2^13 answer paths and 600 items", manyPaths(13, 600), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadInTime(t, []byte(tt.input))
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("loaded without error")
			}
			checkRuleError(t, []byte(tt.input), err)
			if !strings.Contains(err.Error(), "\n  "+tt.want) {
				t.Errorf("no problem starts %q:\n%v", tt.want, err)
			}
		})
	}
}

// checkRuleError checks that every problem names the file and a line that
// exists in it.
func checkRuleError(t *testing.T, input []byte, err error) {
	t.Helper()
	var rerr *markets.RuleError
	if !errors.As(err, &rerr) {
		t.Fatalf("error is not a *markets.RuleError: %T %v", err, err)
	}
	if len(rerr.Problems) == 0 {
		t.Fatal("a RuleError without problems")
	}
	// YAML ends a line at "\r\n", "\n" or a lone "\r", and so do editors.
	text := strings.ReplaceAll(string(input), "\r\n", "\n")
	lines := strings.Count(text, "\n") + strings.Count(text, "\r") + 1
	for _, p := range rerr.Problems {
		if len(input) > markets.MaxFileSize && strings.HasPrefix(p, "rules/tiktok-uk.yaml: larger than ") {
			continue // a problem with the whole file names no line
		}
		m := problemLine.FindStringSubmatch(p)
		if m == nil {
			t.Fatalf("problem does not start with rules/tiktok-uk.yaml:LINE: %q", p)
		}
		if n, err := strconv.Atoi(m[1]); err != nil || n < 1 || n > lines {
			t.Fatalf("problem names line %s of a %d-line file: %q", m[1], lines, p)
		}
		if strings.Contains(p, "\n") {
			t.Fatalf("problem spans several lines: %q", p)
		}
	}
}
