package bot_test

import (
	"strings"
	"testing"

	"github.com/onboardbot/onboardbot/flows"
)

// TestDoneKeepsAndReadsEvidence marks items through the bot, each row on
// the state the rows before it left: the reply, and the number and expiry
// saved.
func TestDoneKeepsAndReadsEvidence(t *testing.T) {
	type row struct {
		in             string
		wants, notWant []string
		number, expiry string // saved afterwards for the item the row marks
	}
	tests := []struct {
		name    string
		market  string
		answers []string
		rows    []row
	}{
		{name: "uk-rp done again", market: "tiktok-uk", answers: []string{"1", "0", "1", "1", "1", "GB123456789", "2", "1"},
			rows: []row{
				{in: "/done uk-rp RP-1 2027-06-30", wants: []string{"Done", "no. RP-1", "expires 2027-06-30"}, number: "RP-1", expiry: "2027-06-30"},
				{in: "/done uk-rp", wants: []string{"Done", "no. RP-1", "expires 2027-06-30"}, notWant: []string{"Replaced"}, number: "RP-1", expiry: "2027-06-30"},
				{in: "/done uk-rp RP-2", wants: []string{"no. RP-2, expires 2027-06-30", "Replaced what was recorded before: no. RP-1."}, number: "RP-2", expiry: "2027-06-30"},
				{in: "/done uk-rp 2028/1/31", wants: []string{"no. RP-2, expires 2028-01-31", "Replaced what was recorded before: expires 2027-06-30."}, number: "RP-2", expiry: "2028-01-31"},
				{in: "/done uk-rp RP-3 2020-01-01", wants: []string{"already passed"}, notWant: []string{"Done"}, number: "RP-2", expiry: "2028-01-31"},
				{in: "/todo uk-rp", wants: []string{"Back to do", "Removed what was recorded before: no. RP-2, expires 2028-01-31", "/history"}},
				{in: "/done uk-rp", wants: []string{"Done"}, notWant: []string{"no. RP-2", "Removed", "Replaced"}},
				{in: "/lang zh", wants: []string{"中文"}},
				{in: "/done uk-rp RP-4 2027年6月30日", wants: []string{"已完成", "编号 RP-4", "有效期至 2027-06-30"}, number: "RP-4", expiry: "2027-06-30"},
				{in: "/na uk-rp", wants: []string{"不适用", "已删除之前记录的：编号 RP-4"}},
			}},
		{name: "WEEE and VAT ID numbers with spaces", market: "amazon-de", answers: []string{"cn-company", "2028-12-31", "ready", "germany", "yes", "electronics"},
			rows: []row{
				{in: "/done weee DE 12345678", wants: []string{"Done", "no. DE 12345678"}, number: "DE 12345678"},
				{in: "/done weee DE 12345678 2027-06-30", wants: []string{"no. DE 12345678, expires 2027-06-30"}, notWant: []string{"Replaced"}, number: "DE 12345678", expiry: "2027-06-30"},
				{in: "/done weee DE 12345678 30.06.2027", wants: []string{"no. DE 12345678, expires 2027-06-30"}, number: "DE 12345678", expiry: "2027-06-30"},
				{in: "/done weee DE 12345678 06.07.2027", wants: []string{"could be 6 July or 7 June"}, number: "DE 12345678", expiry: "2027-06-30"},
				{in: "/done weee 2027-06-30 DE 1 2027-07-01", wants: []string{"one expiry date"}, number: "DE 12345678", expiry: "2027-06-30"},
				{in: "/done de-vat-id DE 123 456 789", wants: []string{"no. DE123456789"}, number: "DE123456789"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.send("eve", "/onboard "+tt.market)
			for _, in := range tt.answers {
				h.send("eve", in)
			}
			for _, r := range tt.rows {
				has(t, r.in, h.send("eve", r.in).Text, r.wants, r.notWant)
				f := strings.Fields(r.in)
				if f[0] == "/lang" {
					continue
				}
				_, o := h.state("eve", tt.market)
				if st := o.State.Items[f[1]]; st.Number != r.number || st.Expiry != r.expiry {
					t.Errorf("%s: saved %q, %q; want %q, %q", r.in, st.Number, st.Expiry, r.number, r.expiry)
				}
			}
		})
	}
}

// A seller who started two markets and looks at the first one's checklist
// marks its items by number: the numbers on screen, not those of the
// market started last.
func TestBareNumbersFollowTheChecklistOnScreen(t *testing.T) {
	h := newHarness(t)
	h.onboardUK("eve", "en", "beauty")
	h.send("eve", "/onboard amazon-de")
	for _, in := range []string{"cn-company", "2028-12-31", "ready", "germany", "yes", "electronics"} {
		h.send("eve", in)
	}
	h.send("eve", "/checklist tiktok-uk")
	has(t, "done 3", h.send("eve", "done 3").Text, []string{"TikTok Shop UK"}, []string{"Amazon"})
	done := func(market string) int {
		_, o := h.state("eve", market)
		n := 0
		for _, st := range o.State.Items {
			if st.Status == flows.ItemDone {
				n++
			}
		}
		return n
	}
	if uk, de := done("tiktok-uk"), done("amazon-de"); uk != 1 || de != 0 {
		t.Errorf("items done: %d in tiktok-uk, %d in amazon-de; want 1 and 0", uk, de)
	}
}

// At the checklist, a typed number is that item, as pressing it would be;
// a seller stopped at eligibility is not offered a checklist there is not.
func TestTypedNumbersAtTheChecklist(t *testing.T) {
	h := newHarness(t)
	h.onboardUK("eve", "en", "beauty")
	r := h.send("eve", "3")
	if !strings.Contains(r.Text, "Source") || len(r.Choices) == 0 {
		t.Errorf("a typed 3 did not show item 3:\n%s", r.Text)
	}
	mustContain(t, h.send("eve", "99"), "99")
	h.send("max", "/lang en")
	h.send("max", "/onboard tiktok-uk")
	h.send("max", "individual")
	r = h.send("max", "hello")
	for _, c := range r.Choices {
		if strings.Contains(c.Label, "Checklist") {
			t.Errorf("a seller stopped at eligibility was offered the checklist: %+v", r.Choices)
		}
	}
}

// A misspelt market or item id gets the ids it nearly is, as buttons; a
// full-width id is the id.
func TestMisspeltIDsGetSuggestions(t *testing.T) {
	h := newHarness(t)
	h.send("kit", "/lang en")
	for _, in := range []string{"/onboard amazon-usa", "/onboard amazn-us", "/onboard Amazon-US "} {
		r := h.send("kit", in)
		if in == "/onboard Amazon-US " {
			mustContain(t, r, "Amazon")
			continue
		}
		if !strings.Contains(r.Text, "Did you mean") || len(r.Choices) != 1 || !strings.Contains(r.Choices[0].Ref.Choice+r.Choices[0].Label, "Amazon") {
			t.Errorf("%s: %s %+v", in, r.Text, r.Choices)
		}
	}
	if r := h.send("kit", "/onboard atlantis"); strings.Contains(r.Text, "Did you mean") {
		t.Errorf("a market nothing like any was given suggestions:\n%s", r.Text)
	}
	h.onboardUK("kit", "en", "beauty")
	r := h.send("kit", "/why scnp")
	if !strings.Contains(r.Text, "Did you mean") || len(r.Choices) == 0 || !strings.HasPrefix(r.Choices[0].Label, "scpn") {
		t.Errorf("/why scnp: %s %+v", r.Text, r.Choices)
	}
	mustContain(t, h.send("kit", "/why ＳＣＰＮ"), "SCPN", "Source")
	mustContain(t, h.send("kit", "/onboard ｔｉｋｔｏｋ-ｕｋ"), "already onboarding")
}
