package bot_test

import (
	"context"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/onboardbot/onboardbot/data/markets"
	"github.com/onboardbot/onboardbot/flows"
)

// catalogWith is the shipped rules with one market's file replaced.
func catalogWith(t *testing.T, file, path string) *flows.Catalog {
	t.Helper()
	fsys, _ := markets.EmbeddedRules()
	files := fstest.MapFS{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		files[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	old, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	files[file] = &fstest.MapFile{Data: old}
	catalog, err := markets.LoadRules(files, "rules")
	if err != nil {
		t.Fatal(err)
	}
	return catalog
}

// The 2026-11 review of amazon-de withdrew the §22f certificate (abolished
// on 2021-07-01) and asks for the German VAT ID instead. A seller onboarded
// on the old rules with stock in Germany hears exactly that; a seller
// shipping from China hears of neither; a seller of another market hears
// nothing.
func TestAmazonDEVATIDReplacesThe22fCertificate(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.core.SetCatalog(catalogWith(t, "amazon-de.yaml", "testdata/amazon-de-2025.08.1.yaml"))
	if _, err := h.core.SyncRules(ctx); err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{"/lang en", "/onboard amazon-de", "cn-company", "2099-12-31", "ready", "germany", "yes", "yes", "apparel"} {
		h.send("dee", in)
	}
	mustContain(t, h.send("dee", "/done de-tax-cert"), "§22f")
	for _, in := range []string{"/lang en", "/onboard amazon-de", "cn-company", "2099-12-31", "ready", "china", "apparel"} {
		h.send("chen", in)
	}
	h.onboardUK("uma", "en", "apparel")
	if _, o := h.state("dee", "amazon-de"); o.RulesVersion != "2025.08.1" || o.State.Items["de-tax-cert"].Status != "done" {
		t.Fatalf("dee before: version %s, items %+v", o.RulesVersion, o.State.Items)
	}
	before := map[string]int{}
	for _, u := range []string{"dee", "chen", "uma"} {
		before[u] = len(h.pending(u))
	}

	h.core.SetCatalog(catalogWith(t, "tiktok-uk.yaml", "../data/markets/tiktok-uk.yaml")) // the shipped rules
	if _, err := h.core.SyncRules(ctx); err != nil {
		t.Fatal(err)
	}
	told := func(u string) string {
		var b strings.Builder
		for _, r := range h.pending(u)[before[u]:] {
			b.WriteString(r.Text + "\n")
		}
		return b.String()
	}
	dee := told("dee")
	for _, want := range []string{"de-vat-id", "de-tax-cert", "USt-IdNr"} {
		if !strings.Contains(dee, want) {
			t.Errorf("the seller with stock in Germany was not told %q:\n%s", want, dee)
		}
	}
	chen := told("chen")
	if chen == "" {
		t.Error("the seller shipping from China heard nothing of the new rules")
	}
	for _, unwanted := range []string{"de-vat-id", "de-tax-cert"} {
		if strings.Contains(chen, unwanted) {
			t.Errorf("the seller shipping from China was told of %q:\n%s", unwanted, chen)
		}
	}
	if uma := told("uma"); uma != "" {
		t.Errorf("a tiktok-uk seller was told of amazon-de's change:\n%s", uma)
	}
	if _, o := h.state("dee", "amazon-de"); o.RulesVersion == "2025.08.1" {
		t.Errorf("dee is still on version %s", o.RulesVersion)
	}
	list := h.send("dee", "/checklist amazon-de")
	mustContain(t, list, "German VAT ID")
	mustOffer(t, list, "why amazon-de:de-vat-id")
	if strings.Contains(list.Text, "de-tax-cert") || strings.Contains(list.Text, "Bescheinigung") {
		t.Errorf("the withdrawn §22f item is still on the checklist:\n%s", list.Text)
	}
}

// versionLine is a rule file's version line: tests release a new version
// of a real file, whatever version it has now.
var versionLine = regexp.MustCompile(`(?m)^version: .*$`)

// A new rule version that only rewords an item in Chinese, or re-dates the
// check of its source, does not reopen it; a change of what it says in
// English does.
func TestRewordingDoesNotReopenADoneItem(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	if _, err := h.core.SyncRules(ctx); err != nil {
		t.Fatal(err)
	}
	h.onboardUK("ann", "en", "beauty")
	mustContain(t, h.send("ann", "/done scpn REF-1"), "SCPN")
	src, err := os.ReadFile("../data/markets/tiktok-uk.yaml")
	if err != nil {
		t.Fatal(err)
	}
	release := func(version string, edits ...string) []string {
		t.Helper()
		next := versionLine.ReplaceAllString(string(src), `version: "`+version+`"`)
		for i := 0; i < len(edits); i += 2 {
			if !strings.Contains(next, edits[i]) {
				t.Fatalf("the rule file no longer has %q", edits[i])
			}
			next = strings.Replace(next, edits[i], edits[i+1], 1)
		}
		catalog, err := markets.LoadRules(fstest.MapFS{"tiktok-uk.yaml": {Data: []byte(next)}}, "rules")
		if err != nil {
			t.Fatal(err)
		}
		before := len(h.pending("ann"))
		h.core.SetCatalog(catalog)
		if _, err := h.core.SyncRules(ctx); err != nil {
			t.Fatal(err)
		}
		var told []string
		for _, r := range h.pending("ann")[before:] {
			told = append(told, r.Text)
		}
		return told
	}
	if told := release("2099.1.1", "zh: 完成 SCPN 化妆品通报", "zh: 做好 SCPN 化妆品通报", "checked: 2026-11-29\n\n", "checked: 2026-12-01\n\n"); len(told) != 0 {
		t.Errorf("a rewording was announced: %q", told)
	}
	if _, o := h.state("ann", "tiktok-uk"); o.State.Items["scpn"].Status != flows.ItemDone {
		t.Errorf("a rewording reopened scpn: %+v", o.State.Items["scpn"])
	}
	told := release("2099.2.1", "en: Notify each cosmetic on SCPN", "en: Notify each cosmetic and each shade on SCPN")
	if len(told) != 1 || !strings.Contains(told[0], "scpn") || !strings.Contains(told[0], "open again") {
		t.Errorf("a changed requirement was not announced: %q", told)
	}
}
