package markets

import (
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/onboardbot/onboardbot/flows"
)

// TestEmbeddedRules loads and validates every rule file built into the program.
func TestEmbeddedRules(t *testing.T) {
	fsys, dir := EmbeddedRules()
	c, err := LoadRules(fsys, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Markets()) == 0 {
		t.Fatal("no markets loaded")
	}
	for _, m := range c.Markets() {
		if m.File != dir+"/"+m.ID+".yaml" {
			t.Errorf("market %s: File = %q", m.ID, m.File)
		}
	}
}

// TestLoadRulesReportsFileAndLine breaks a valid rule file in several ways and
// checks that each problem is reported with the right file and line.
func TestLoadRulesReportsFileAndLine(t *testing.T) {
	good, err := embedded.ReadFile("tiktok-uk.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lineOfText := func(src, needle string) int {
		i := strings.Index(src, needle)
		if i < 0 {
			t.Fatalf("fixture lost %q", needle)
		}
		return strings.Count(src[:i], "\n") + 1
	}
	tests := []struct {
		name    string
		old     string // replaced once in the good file
		new     string
		at      string // text on the line the error must name (in the broken file)
		message string
	}{
		{"unknown field", "    stage: logistics\n", "    stage: logistics\n    colour: red\n", "colour: red", `unknown field "colour"`},
		{"missing translation", "      en: Food\n", "", "zh: 食品", "missing the English text"},
		{"unknown category", "categories: [toys]", "categories: [toyz]", "[toyz]", `unknown category "toyz"`},
		{"unknown choice", "vat: [yes]", "vat: [maybe]", "vat: [maybe]", `has no choice "maybe"`},
		{"duplicate item", "  - id: scpn\n", "  - id: uk-rp\n", "  - id: uk-rp\n    group: certification\n    title:\n      zh: 完成", `duplicate item id "uk-rp"`},
		{"no date at all", "    source: fieldfisher.com (UK to accept CE marking indefinitely, announced 2023-08-01)\n    effective: 2023-08-01\n", "    source: fieldfisher.com (UK to accept CE marking indefinitely, announced 2023-08-01)\n",
			"  - id: toys-marking", "missing effective date"},
		{"bad checked date", "    effective: 2025-08-25\n    confidence: low", "    checked: 2025-8-25\n    confidence: low", "checked: 2025-8-25", "is not YYYY-MM-DD"},
		{"bad date", "effective: 2023-08-01\n", "effective: 2023-13-01\n", "effective: 2023-13-01", "is not YYYY-MM-DD"},
		{"bad pattern", `pattern: 'GB(\d{9}|\d{12})'`, `pattern: 'GB(\d{9}'`, `pattern: 'GB(\d{9}'`, "invalid regular expression"},
		{"missing source", "    source: meetushop.com (TikTok Shop UK logistics rules from 2023-04-15)\n    effective: 2023-04-15\n\ncategories:",
			"    effective: 2023-04-15\n\ncategories:", "  - id: stock", "missing source"},
		{"unreachable question", "    when:\n      answers:\n        vat: [yes]\n", "    when:\n      answers:\n        entity: [individual]\n", "  - id: vat-number", "unreachable"},
		{"syntax error", "id: tiktok-uk\n", "id: [tiktok-uk\n", "", "must be specified"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := string(good)
			if !strings.Contains(src, tt.old) {
				t.Fatalf("fixture lost %q", tt.old)
			}
			src = strings.Replace(src, tt.old, tt.new, 1)
			_, err := LoadRules(fstest.MapFS{"tiktok-uk.yaml": {Data: []byte(src)}}, "rules")
			if err == nil {
				t.Fatal("broken rules loaded without error")
			}
			want := "rules/tiktok-uk.yaml:"
			if tt.at != "" {
				want += strconv.Itoa(lineOfText(src, tt.at)) + ": "
			}
			found := false
			for _, line := range strings.Split(err.Error(), "\n") {
				line = strings.TrimSpace(line)
				found = found || strings.HasPrefix(line, want) && strings.Contains(line, tt.message)
			}
			if !found {
				t.Errorf("no line starts %q and says %q:\n%v", want, tt.message, err)
			}
		})
	}
}

func TestLoadRulesRejectsMismatchedIDAndEmptyFolder(t *testing.T) {
	good, _ := embedded.ReadFile("tiktok-uk.yaml")
	_, err := LoadRules(fstest.MapFS{"other.yaml": {Data: good}}, "rules")
	if err == nil || !strings.Contains(err.Error(), `must match the file name "other"`) {
		t.Errorf("mismatched id: err = %v", err)
	}
	if _, err := LoadRules(fstest.MapFS{}, "rules"); err == nil {
		t.Error("an empty rules folder loaded without error")
	}
}

// TestEveryPathReachesAVerdictOrTheChecklist walks every answer path of every
// embedded market.
func TestEveryPathReachesAVerdictOrTheChecklist(t *testing.T) {
	fsys, dir := EmbeddedRules()
	c, err := LoadRules(fsys, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range c.Markets() {
		stops, oks := 0, 0
		flows.Walk(m, func(p flows.Path) bool {
			if p.Verdict != nil {
				stops++
			} else {
				oks++
			}
			return true
		})
		if oks == 0 {
			t.Errorf("%s: no eligible path", m.ID)
		}
		t.Logf("%s: %d eligible paths, %d stopping paths", m.ID, oks, stops)
	}
}
