package flows_test

import (
	"strings"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/data/datatest"
	"github.com/onboardbot/onboardbot/flows"
)

var today = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

func market(t *testing.T, id string) *flows.Market {
	t.Helper()
	c := datatest.Rules(t)
	m, ok := c.Market(id)
	if !ok {
		t.Fatalf("no market %s", id)
	}
	return m
}

// play answers inputs in order and fails on any rejection.
func play(t *testing.T, m *flows.Market, inputs ...string) flows.State {
	t.Helper()
	var s flows.State
	for _, in := range inputs {
		next, rej := flows.Apply(m, s, in, today)
		if rej != nil {
			q := flows.Current(m, s, today).Question
			t.Fatalf("input %q to question %v rejected: %s", in, q.ID, rej.Message.EN)
		}
		s = next
	}
	return s
}

func itemIDs(entries []flows.Entry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Item.ID)
	}
	return out
}

func TestFlows(t *testing.T) {
	tests := []struct {
		name     string
		market   string
		inputs   []string
		stage    flows.Stage
		question string   // the current question after the inputs
		verdictQ string   // the question whose answer stopped onboarding
		remedy   string   // text the way forward must contain
		items    []string // checklist items that must be there
		notItems []string // and must not
		warnings int
	}{
		{name: "uk chinese company selling cosmetics from a UK warehouse", market: "tiktok-uk",
			inputs:   []string{"1", "0", "1", "1", "1", "GB123456789", "2", "1"},
			stage:    flows.StageChecklist,
			items:    []string{"uk-rp", "scpn", "uk-vat", "uk-warehouse", "company-cert"},
			notItems: []string{"prestock", "toys-marking", "food-approval"}},
		{name: "uk answer by a Chinese label typed with ASCII brackets", market: "tiktok-uk",
			inputs: []string{"中国内地或香港注册的公司(有营业执照)"}, stage: flows.StageEligibility, question: "shops"},
		{name: "uk answers by label and id, several categories", market: "tiktok-uk",
			inputs: []string{"A company registered in mainland China or Hong Kong", "2", "ready", "有", "no", "cn-prestock", "toys, electronics 5"},
			stage:  flows.StageChecklist, warnings: 1,
			items:    []string{"prestock", "toys-marking", "electronics-marking", "apparel-ppe"},
			notItems: []string{"uk-rp", "uk-vat", "uk-warehouse"}},
		{name: "uk individual is not eligible", market: "tiktok-uk",
			inputs: []string{"3"}, stage: flows.StageIneligible, verdictQ: "entity", remedy: "Register a company"},
		{name: "uk five shops already is not eligible", market: "tiktok-uk",
			inputs: []string{"1", "5"}, stage: flows.StageIneligible, verdictQ: "shops", remedy: "another"},
		{name: "uk direct shipping from china is not eligible", market: "tiktok-uk",
			inputs: []string{"1", "0", "1", "1", "2", "4"}, stage: flows.StageIneligible, verdictQ: "stock", remedy: "pre-stock warehouse", warnings: 1},
		{name: "uk vat number asked only with a vat number", market: "tiktok-uk",
			inputs: []string{"1", "0", "1", "1", "2"}, stage: flows.StageLogistics, question: "stock", warnings: 1},
		{name: "uk uk company is warned, not stopped", market: "tiktok-uk",
			inputs: []string{"2", "0"}, stage: flows.StageEligibility, question: "documents", warnings: 1},
		{name: "indonesia without an indonesian company", market: "tiktok-id",
			inputs: []string{"cn-company"}, stage: flows.StageIneligible, verdictQ: "entity", remedy: "PT PMA"},
		{name: "indonesia without local stock", market: "tiktok-id",
			inputs: []string{"pt-pma", "no"}, stage: flows.StageIneligible, verdictQ: "local-stock", remedy: "Indonesia"},
		{name: "indonesia with a PT PMA selling cosmetics and food", market: "tiktok-id",
			inputs: []string{"pt-pma", "yes", "ready", "overseas-3pl", "beauty\uff0cfood"},
			stage:  flows.StageChecklist,
			items:  []string{"bpom-cosmetics", "bpom-food", "halal-food", "overseas-3pl"}, notItems: []string{"sni-toys", "own-warehouse"}},
		{name: "shopee indonesia with a PT PMA selling cosmetics", market: "shopee-id",
			inputs:   []string{"pt-pma", "yes", "ready", "overseas-3pl", "beauty"},
			stage:    flows.StageChecklist,
			items:    []string{"indonesian-entity", "company-documents", "pph22-withholding", "bpom-cosmetics", "halal-2026", "overseas-3pl"},
			notItems: []string{"ktp-seller", "pph22-small-seller", "sni-toys", "own-warehouse"}},
		{name: "shopee indonesia without an indonesian company", market: "shopee-id",
			inputs: []string{"cn-company"}, stage: flows.StageIneligible, verdictQ: "entity", remedy: "PT PMA"},
		{name: "lazada indonesia individual with a KTP selling toys and electronics", market: "lazada-id",
			inputs:   []string{"ktp-individual", "yes", "own-warehouse", "toys, electronics"},
			stage:    flows.StageChecklist,
			items:    []string{"ktp-seller", "bank-account", "pph22-small-seller", "sni-toys", "sdppi-radio", "own-warehouse"},
			notItems: []string{"indonesian-entity", "company-documents", "bpom-cosmetics", "halal-2026"}},
		{name: "lazada indonesia without local stock", market: "lazada-id",
			inputs: []string{"pt-pma", "no"}, stage: flows.StageIneligible, verdictQ: "local-stock", remedy: "Indonesia"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := market(t, tt.market)
			s := play(t, m, tt.inputs...)
			step := flows.Current(m, s, today)
			if step.Stage != tt.stage {
				t.Fatalf("stage = %s, want %s", step.Stage, tt.stage)
			}
			if tt.question != "" && (step.Question == nil || step.Question.ID != tt.question) {
				t.Errorf("question = %v, want %s", step.Question, tt.question)
			}
			if len(step.Warnings) != tt.warnings {
				t.Errorf("%d warnings, want %d", len(step.Warnings), tt.warnings)
			}
			if tt.verdictQ != "" {
				v := step.Verdict
				if v == nil || v.Question.ID != tt.verdictQ {
					t.Fatalf("verdict = %+v, want one on %s", v, tt.verdictQ)
				}
				if v.Reason.ZH == "" || v.Reason.EN == "" || v.Answer.EN == "" || v.Question.Source == "" {
					t.Errorf("verdict does not explain itself: %+v", v)
				}
				if !strings.Contains(v.Remedy.EN, tt.remedy) {
					t.Errorf("remedy %q does not mention %q", v.Remedy.EN, tt.remedy)
				}
				if flows.Checklist(m, s, today) != nil {
					t.Error("an ineligible seller got a checklist")
				}
			}
			got := itemIDs(flows.Checklist(m, s, today))
			for _, id := range tt.items {
				if !contains(got, id) {
					t.Errorf("checklist %v lacks %s", got, id)
				}
			}
			for _, id := range tt.notItems {
				if contains(got, id) {
					t.Errorf("checklist %v has %s", got, id)
				}
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestRejectsSayWhatIsExpected(t *testing.T) {
	uk := market(t, "tiktok-uk")
	tests := []struct {
		name   string
		before []string
		input  string
		want   string // in the English message
		wantZH string
	}{
		{"empty", nil, "   ", "number of an option (1-3)", "编号"},
		{"out of range choice", nil, "4", "number of an option (1-3)", "1-3"},
		{"unknown choice", nil, "a sole trader", "number of an option", "编号"},
		{"not a number", []string{"1"}, "some", "number from 0 to 1000", "0 到 1000"},
		{"negative number", []string{"1"}, "-1", "number from 0 to 1000", "数字"},
		{"VAT number pattern", []string{"1", "0", "1", "1", "1"}, "12345", "GB followed by 9 digits", "GB 加 9 位数字"},
		{"unknown category", []string{"1", "0", "1", "1", "2", "1"}, "1, jewels", `"jewels" is not one of the options`, "jewels"},
		{"too long", nil, strings.Repeat("x", flows.MaxAnswerRunes+1), "too long", "太长"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := play(t, uk, tt.before...)
			next, rej := flows.Apply(uk, s, tt.input, today)
			if rej == nil {
				t.Fatalf("input %q accepted", tt.input)
			}
			if !strings.Contains(rej.Message.EN, tt.want) || !strings.Contains(rej.Message.ZH, tt.wantZH) {
				t.Errorf("message %q / %q lacks %q / %q", rej.Message.EN, rej.Message.ZH, tt.want, tt.wantZH)
			}
			if len(next.Answers) != len(s.Answers) {
				t.Error("a rejected input changed the state")
			}
		})
	}
}

// dateMarket is a small rule set with number and date questions, to test
// what the embedded markets do not use.
func dateMarket() *flows.Market {
	thirty, sixty := 30.0, 60
	return &flows.Market{
		ID: "test", Platform: "Test", Version: "1", Effective: "2026-01-01",
		Questions: []flows.Question{
			{ID: "licence", Stage: flows.StageEligibility, Kind: flows.KindDate,
				Checks: []flows.Check{{WithinDays: &sixty, Outcome: flows.OutcomeStop,
					Reason: flows.Text{ZH: "执照快到期", EN: "licence expires too soon"}, Remedy: flows.Text{ZH: "续期", EN: "renew"}}}},
			{ID: "staff", Stage: flows.StageEligibility, Kind: flows.KindNumber,
				Checks: []flows.Check{{Max: &thirty, Outcome: flows.OutcomeWarn, Reason: flows.Text{ZH: "人少", EN: "small team"}}}},
		},
	}
}

func TestDateAndNumberAnswers(t *testing.T) {
	m := dateMarket()
	tests := []struct {
		name    string
		inputs  []string
		stage   flows.Stage
		reject  string
		warning bool
	}{
		{"licence far from expiry", []string{"2027-12-31", "100"}, flows.StageComplete, "", false},
		{"chinese date format", []string{"2027年12月31日", "100"}, flows.StageComplete, "", false},
		{"licence expiring in 59 days", []string{"2027-01-23"}, flows.StageIneligible, "", false},
		{"licence expired", []string{"2020/01/01"}, flows.StageIneligible, "", false},
		{"impossible date", []string{"2027-02-30"}, "", "2027-03-31", false},
		{"not a date", []string{"next year"}, "", "year-month-day", false},
		{"small team warns", []string{"2028-01-01", "15"}, flows.StageComplete, "", true},
		{"thousands separators", []string{"2028-01-01", "1,500"}, flows.StageComplete, "", false},
		{"a list is not a number", []string{"2028-01-01", "1,3"}, "", "Please enter a number", false},
		{"hex is not a number", []string{"2028-01-01", "0x10"}, "", "Please enter a number", false},
		{"exponent is not a number", []string{"2028-01-01", "1e-300"}, "", "Please enter a number", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s flows.State
			for i, in := range tt.inputs {
				next, rej := flows.Apply(m, s, in, today)
				if rej != nil {
					if tt.reject == "" || i != len(tt.inputs)-1 {
						t.Fatalf("input %q rejected: %s", in, rej.Message.EN)
					}
					if !strings.Contains(rej.Message.EN, tt.reject) {
						t.Errorf("message %q lacks %q", rej.Message.EN, tt.reject)
					}
					return
				}
				s = next
			}
			if tt.reject != "" {
				t.Fatal("bad input accepted")
			}
			step := flows.Current(m, s, today)
			if step.Stage != tt.stage {
				t.Errorf("stage = %s, want %s", step.Stage, tt.stage)
			}
			if got := len(step.Warnings) > 0; got != tt.warning {
				t.Errorf("warning = %v, want %v", got, tt.warning)
			}
		})
	}
}

func TestBackAndRestart(t *testing.T) {
	uk := market(t, "tiktok-uk")
	s := play(t, uk, "3")
	if flows.Current(uk, s, today).Stage != flows.StageIneligible {
		t.Fatal("individual should stop")
	}
	s, ok := flows.Back(s)
	if !ok {
		t.Fatal("back refused")
	}
	if q := flows.Current(uk, s, today).Question; q == nil || q.ID != "entity" {
		t.Fatalf("after back the question is %v, want entity", q)
	}
	if _, ok := flows.Back(s); ok {
		t.Error("back from the first question succeeded")
	}
	s = play(t, uk, "1", "0", "1", "1", "1", "GB123456789")
	if q := flows.Current(uk, s, today).Question; q.ID != "stock" {
		t.Fatalf("question = %s, want stock", q.ID)
	}
	// Going back from the VAT number and changing "have VAT" to no skips the number.
	s, _ = flows.Back(s)
	s, _ = flows.Back(s)
	s, rej := flows.Apply(uk, s, "2", today)
	if rej != nil {
		t.Fatal(rej)
	}
	if q := flows.Current(uk, s, today).Question; q.ID != "stock" {
		t.Fatalf("question = %s, want stock", q.ID)
	}
	// Restarting is the empty state.
	if q := flows.Current(uk, flows.State{}, today).Question; q.ID != "entity" {
		t.Errorf("restart question = %s", q.ID)
	}
}

func TestMarkChecklistItems(t *testing.T) {
	uk := market(t, "tiktok-uk")
	s := play(t, uk, "1", "0", "1", "1", "1", "GB123456789", "2", "beauty")
	tests := []struct {
		name     string
		item     string
		status   flows.ItemStatus
		evidence []string
		reject   string
	}{
		{"unknown item", "bpom", flows.ItemDone, nil, "no checklist item"},
		{"item for another category", "toys-marking", flows.ItemDone, nil, "does not apply"},
		{"expired certificate", "scpn", flows.ItemDone, []string{"REF1", "2025-01-01"}, "already passed"},
		{"bad VAT number", "uk-vat", flows.ItemDone, []string{"GB1"}, "GB followed by 9 digits"},
		{"two dates", "scpn", flows.ItemDone, []string{"A", "2027-06-30", "2027/7/1"}, "one expiry date"},
		{"done with evidence", "scpn", flows.ItemDone, []string{"2027-06-30", "REF-1"}, ""},
		{"vat lower case", "uk-vat", flows.ItemDone, []string{"gb123456789"}, ""},
		{"not applicable", "company-cert", flows.ItemNA, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next, rej := flows.Mark(uk, s, tt.item, tt.status, tt.evidence, today)
			if tt.reject != "" {
				if rej == nil || !strings.Contains(rej.Message.EN, tt.reject) {
					t.Fatalf("rej = %v, want %q", rej, tt.reject)
				}
				if len(next.Items) != len(s.Items) {
					t.Error("a rejected mark changed the state")
				}
				return
			}
			if rej != nil {
				t.Fatal(rej)
			}
			if next.Items[tt.item].Status != tt.status {
				t.Errorf("status = %q", next.Items[tt.item].Status)
			}
			s = next
		})
	}
	if st := s.Items["scpn"]; st.Number != "REF-1" || st.Expiry != "2027-06-30" {
		t.Errorf("scpn evidence = %+v", st)
	}
	// The certificate expires: the item is open again.
	later := time.Date(2027, 7, 1, 0, 0, 0, 0, time.UTC)
	for _, e := range flows.Checklist(uk, s, later) {
		if e.Item.ID == "scpn" && (!e.Expired || !e.Open()) {
			t.Errorf("scpn after expiry: %+v", e)
		}
	}
	s, _ = flows.Mark(uk, s, "scpn", flows.ItemTodo, nil, today)
	if _, ok := s.Items["scpn"]; ok {
		t.Error("todo did not reopen the item")
	}
}

// A certificate expires on its expiry date: it is open again from that
// day, and a date of today is refused as one that has passed.
func TestExpiresOnItsDate(t *testing.T) {
	uk := market(t, "tiktok-uk")
	s := play(t, uk, "1", "0", "1", "1", "1", "GB123456789", "2", "beauty")
	if _, rej := flows.Mark(uk, s, "scpn", flows.ItemDone, []string{"REF1", today.Format(flows.DateLayout)}, today); rej == nil || !strings.Contains(rej.Message.EN, "is today") {
		t.Errorf("an expiry of today was taken: %v", rej)
	}
	s, rej := flows.Mark(uk, s, "scpn", flows.ItemDone, []string{"REF1", "2026-12-10"}, today)
	if rej != nil {
		t.Fatal(rej)
	}
	for _, tt := range []struct {
		at      time.Time
		expired bool
	}{
		{time.Date(2026, 12, 9, 23, 59, 0, 0, time.UTC), false},
		{time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC), true},
		{time.Date(2026, 12, 11, 0, 0, 0, 0, time.UTC), true},
	} {
		for _, e := range flows.Checklist(uk, s, tt.at) {
			if e.Item.ID == "scpn" && (e.Expired != tt.expired || e.Open() != tt.expired) {
				t.Errorf("at %s: expired %v, open %v; want %v", tt.at, e.Expired, e.Open(), tt.expired)
			}
		}
	}
}

// TestMarkEvidence marks items one after the other, each row on the state
// the rows before it left, and checks the number and expiry recorded.
func TestMarkEvidence(t *testing.T) {
	type row struct {
		name     string
		item     string
		status   flows.ItemStatus
		evidence string // split into words, as the bot splits a message
		now      time.Time
		reject   string // in the English message; the state is unchanged
		number   string // what is recorded after the row
		expiry   string
	}
	later := time.Date(2027, 7, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		market string
		inputs []string
		rows   []row
	}{
		{name: "marking done again keeps the evidence", market: "tiktok-uk",
			inputs: []string{"1", "0", "1", "1", "1", "GB123456789", "2", "beauty"},
			rows: []row{
				{name: "first with both", item: "uk-rp", status: flows.ItemDone, evidence: "RP-1 2027-06-30", number: "RP-1", expiry: "2027-06-30"},
				{name: "again without evidence", item: "uk-rp", status: flows.ItemDone, number: "RP-1", expiry: "2027-06-30"},
				{name: "a new number keeps the expiry", item: "uk-rp", status: flows.ItemDone, evidence: "RP-2", number: "RP-2", expiry: "2027-06-30"},
				{name: "a new expiry keeps the number", item: "uk-rp", status: flows.ItemDone, evidence: "2028年1月31日", number: "RP-2", expiry: "2028-01-31"},
				{name: "a refused expiry changes nothing", item: "uk-rp", status: flows.ItemDone, evidence: "RP-3 2025-01-01", reject: "already passed", number: "RP-2", expiry: "2028-01-31"},
				{name: "not applicable drops it", item: "uk-rp", status: flows.ItemNA},
				{name: "done after n/a starts clean", item: "uk-rp", status: flows.ItemDone},
				{name: "scpn with an expiry", item: "scpn", status: flows.ItemDone, evidence: "REF-1 2027-06-30", number: "REF-1", expiry: "2027-06-30"},
				{name: "the kept expiry passed", item: "scpn", status: flows.ItemDone, now: later, reject: "has passed", number: "REF-1", expiry: "2027-06-30"},
				{name: "renewed", item: "scpn", status: flows.ItemDone, evidence: "2029-06-30", now: later, number: "REF-1", expiry: "2029-06-30"},
				{name: "reopening drops it", item: "scpn", status: flows.ItemTodo},
				{name: "done after reopening starts clean", item: "scpn", status: flows.ItemDone},
			}},
		{name: "numbers with spaces, dates anywhere", market: "amazon-de",
			inputs: []string{"cn-company", "2028-12-31", "ready", "germany", "yes", "electronics"},
			rows: []row{
				{name: "a WEEE number with a space", item: "weee", status: flows.ItemDone, evidence: "DE 12345678", number: "DE 12345678"},
				{name: "expiry last", item: "weee", status: flows.ItemDone, evidence: "DE 12345679 2027-06-30", number: "DE 12345679", expiry: "2027-06-30"},
				{name: "expiry first, slashes", item: "weee", status: flows.ItemDone, evidence: "2027/6/29 DE 1234", number: "DE 1234", expiry: "2027-06-29"},
				{name: "expiry between, Chinese with spaces", item: "weee", status: flows.ItemDone, evidence: "DE 2027 年 6 月 28 日 5678", number: "DE 5678", expiry: "2027-06-28"},
				{name: "expiry in full-width digits", item: "weee", status: flows.ItemDone, evidence: "２０２７年６月２７日", number: "DE 5678", expiry: "2027-06-27"},
				{name: "two dates", item: "weee", status: flows.ItemDone, evidence: "DE 1 2027-06-30 2027-07-30", reject: "one expiry date", number: "DE 5678", expiry: "2027-06-27"},
				{name: "a day that does not exist", item: "weee", status: flows.ItemDone, evidence: "DE 1 2027-02-30", reject: "not a date", number: "DE 5678", expiry: "2027-06-27"},
				{name: "day or month first", item: "weee", status: flows.ItemDone, evidence: "DE 1 06.07.2027", reject: "could be 6 July or 7 June", number: "DE 5678", expiry: "2027-06-27"},
				{name: "day first", item: "weee", status: flows.ItemDone, evidence: "DE 1 30.06.2027", number: "DE 1", expiry: "2027-06-30"},
				{name: "VAT ID typed with a space", item: "de-vat-id", status: flows.ItemDone, evidence: "DE 123456789", number: "DE123456789"},
				{name: "VAT ID in groups, lower case", item: "de-vat-id", status: flows.ItemDone, evidence: "de 123 456 789", number: "DE123456789"},
				{name: "VAT ID in full width", item: "de-vat-id", status: flows.ItemDone, evidence: "ＤＥ１２３４５６７８８", number: "DE123456788"},
				{name: "VAT ID too short", item: "de-vat-id", status: flows.ItemDone, evidence: "DE 12345678", reject: "DE followed by 9 digits", number: "DE123456788"},
				{name: "VAT ID with an expiry", item: "de-vat-id", status: flows.ItemDone, evidence: "DE 123 456 787 2030-01-01", number: "DE123456787", expiry: "2030-01-01"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := market(t, tt.market)
			s := play(t, m, tt.inputs...)
			for _, r := range tt.rows {
				now := today
				if !r.now.IsZero() {
					now = r.now
				}
				next, rej := flows.Mark(m, s, r.item, r.status, strings.Fields(r.evidence), now)
				switch {
				case r.reject != "" && rej == nil:
					t.Fatalf("%s: accepted, want %q", r.name, r.reject)
				case r.reject != "" && !strings.Contains(rej.Message.EN, r.reject):
					t.Fatalf("%s: %q, want %q", r.name, rej.Message.EN, r.reject)
				case r.reject == "" && rej != nil:
					t.Fatalf("%s: %s", r.name, rej.Message.EN)
				}
				if rej != nil && (rej.Message.ZH == "" || rej.Message.ZH == rej.Message.EN) {
					t.Errorf("%s: no Chinese message: %+v", r.name, rej.Message)
				}
				s = next
				st := s.Items[r.item]
				if st.Number != r.number || st.Expiry != r.expiry {
					t.Errorf("%s: recorded %q, %q; want %q, %q", r.name, st.Number, st.Expiry, r.number, r.expiry)
				}
				if r.reject == "" && r.status != flows.ItemTodo && st.Status != r.status {
					t.Errorf("%s: status %q, want %q", r.name, st.Status, r.status)
				}
			}
		})
	}
}

func TestCompleteWhenEveryItemIsSettled(t *testing.T) {
	uk := market(t, "tiktok-uk")
	s := play(t, uk, "1", "0", "1", "1", "2", "cn-prestock", "apparel")
	for _, e := range flows.Checklist(uk, s, today) {
		var rej *flows.Reject
		s, rej = flows.Mark(uk, s, e.Item.ID, flows.ItemDone, nil, today)
		if rej != nil {
			t.Fatal(rej)
		}
	}
	if st := flows.Current(uk, s, today).Stage; st != flows.StageComplete {
		t.Errorf("stage = %s, want complete", st)
	}
}

func TestUpcomingRules(t *testing.T) {
	id := market(t, "tiktok-id")
	s := play(t, id, "pt-pma", "yes", "ready", "own-warehouse", "food")
	before := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	upcoming := func(now time.Time) []string {
		var out []string
		for _, e := range flows.Checklist(id, s, now) {
			if e.Upcoming {
				out = append(out, e.Item.ID)
			}
		}
		return out
	}
	if got := upcoming(before); !contains(got, "halal-import") {
		t.Errorf("before 2026-10-17 upcoming = %v, want halal-import", got)
	}
	if got := upcoming(today); contains(got, "halal-import") {
		t.Errorf("after 2026-10-17 halal-import is still upcoming")
	}
}
