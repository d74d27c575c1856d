package flows_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/onboardbot/onboardbot/data/datatest"
	"github.com/onboardbot/onboardbot/flows"
)

// hitID names a hit as market/item, market/q:question or market/summary.
func hitID(h flows.Hit) string {
	switch {
	case h.Item != nil:
		return h.Market.ID + "/" + h.Item.ID
	case h.Question != nil:
		return h.Market.ID + "/q:" + h.Question.ID
	}
	return h.Market.ID + "/summary"
}

func TestSearchFindsTheRulesSellersAskAbout(t *testing.T) {
	ix := flows.NewIndex(datatest.Rules(t))
	indonesia := []string{"tiktok-id", "shopee-id", "lazada-id"}
	tests := []struct {
		query string
		first []string // the first hits, in any order
		// the first n hits are all in these markets and, with category
		// set, all items for that category
		n        int
		markets  []string
		category string
	}{
		{query: "印尼能卖口红吗", n: 5, markets: indonesia, category: "beauty"},
		{query: "can I sell lipstick in Indonesia?", n: 5, markets: indonesia, category: "beauty"},
		{query: "Indonesia cosmetics", first: []string{"tiktok-id/bpom-cosmetics", "shopee-id/bpom-cosmetics", "lazada-id/bpom-cosmetics"}},
		{query: "英国卖玩具需要什么认证", first: []string{"tiktok-uk/toys-marking"}},
		{query: "do I need UKCA for toys?", first: []string{"tiktok-uk/toys-marking"}},
		{query: "do I need a VAT number for the UK", n: 3, markets: []string{"tiktok-uk"}},
		{query: "英国增值税", n: 3, markets: []string{"tiktok-uk"}},
		{query: "美国 de minimis", first: []string{"tiktok-us/de-minimis", "amazon-us/de-minimis"}},
		{query: "印尼能开跨境店吗", n: 5, markets: indonesia},
		{query: "WEEE", first: []string{"amazon-de/weee"}},
		{query: "德国包装法", n: 3, markets: []string{"amazon-de"}},
		{query: "虾皮 马来西亚 化妆品", first: []string{"shopee-my/npra-notification"}},
		{query: "bluetooth speaker Philippines", first: []string{"shopee-ph/ntc-type-approval"}},
		{query: "充电宝", first: []string{"shopee-my/st-coa"}},
		{query: "清真", n: 5, markets: indonesia},
		{query: "toys", n: 5, category: "toys"},
	}
	for _, tt := range tests {
		hits := ix.Search(tt.query, 8)
		var ids []string
		for _, h := range hits {
			ids = append(ids, hitID(h))
		}
		if len(hits) < max(len(tt.first), tt.n) {
			t.Errorf("%q: %d hits %v", tt.query, len(hits), ids)
			continue
		}
		if got := slices.Sorted(slices.Values(ids[:len(tt.first)])); !slices.Equal(got, slices.Sorted(slices.Values(tt.first))) {
			t.Errorf("%q: first hits %v, want %v", tt.query, ids, tt.first)
		}
		for _, h := range hits[:tt.n] {
			if tt.markets != nil && !slices.Contains(tt.markets, h.Market.ID) {
				t.Errorf("%q: hit %s is not in %v (hits %v)", tt.query, hitID(h), tt.markets, ids)
			}
			if tt.category != "" && (h.Item == nil || h.Item.When == nil || !slices.Contains(h.Item.When.Categories, tt.category)) {
				t.Errorf("%q: hit %s is not an item for %s (hits %v)", tt.query, hitID(h), tt.category, ids)
			}
		}
	}
}

func TestSearchLeavesOutWhatIsNotAboutTheRules(t *testing.T) {
	ix := flows.NewIndex(datatest.Rules(t))
	for _, q := range []string{"", "   ", "how are you?", "能卖吗", "？？？", "!!!", "吗", "can I?", "zzzzqqq", "\xff\xfe"} {
		if hits := ix.Search(q, 5); len(hits) > 0 {
			t.Errorf("%q: %d hits, the first %s", q, len(hits), hitID(hits[0]))
		}
	}
	if hits := ix.Search("印尼 化妆品", 0); hits != nil {
		t.Errorf("limit 0 gave %d hits", len(hits))
	}
}

func TestSearchRanksAndLimits(t *testing.T) {
	ix := flows.NewIndex(datatest.Rules(t))
	for _, q := range []string{"印尼 化妆品", "certificate", "税", "shop"} {
		for _, limit := range []int{1, 3, 12} {
			hits := ix.Search(q, limit)
			if len(hits) == 0 || len(hits) > limit {
				t.Errorf("%q limit %d: %d hits", q, limit, len(hits))
			}
			for i, h := range hits {
				if h.Score <= 0 || i > 0 && h.Score > hits[i-1].Score {
					t.Errorf("%q: hit %d (%s) scores %v after %v", q, i, hitID(h), h.Score, hits[max(i-1, 0)].Score)
				}
				if h.Title().ZH == "" || h.Title().EN == "" {
					t.Errorf("%q: hit %s has no title in both languages", q, hitID(h))
				}
			}
		}
	}
}

// A Chinese question is cut at the words that only ask (能, 卖, 吗), so
// the pairs across them are not searched; words sellers use and the rules
// do not stand for the rules' words, a little below the seller's own.
func TestQueryTerms(t *testing.T) {
	tests := []struct {
		query     string
		want, not []string
	}{
		{"印尼能卖口红吗", []string{"印尼", "口红", "indonesia", "cosmetic", "化妆"}, []string{"能卖", "红吗", "卖口", "吗"}},
		{"英国卖玩具需要什么认证", []string{"英国", "玩具", "认证", "uk"}, []string{"需要", "什么", "要什", "卖玩"}},
		{"Can I sell LIPSTICKS in the UK?", []string{"lipstick", "uk", "cosmetic"}, []string{"can", "sell", "the", "in", "i"}},
		{"batteries", []string{"battery", "electronic"}, nil},
		{"税", []string{"税"}, nil},
		{"SNI 玩具", []string{"sni", "玩具", "toy"}, []string{"玩", "具"}},
		{"shoes in the US", []string{"shoe", "us", "apparel", "united", "state"}, nil},
	}
	for _, tt := range tests {
		got := flows.QueryTerms(tt.query)
		for _, w := range tt.want {
			if got[w] == 0 {
				t.Errorf("%q: no term %q in %v", tt.query, w, got)
			}
		}
		for _, w := range tt.not {
			if _, ok := got[w]; ok {
				t.Errorf("%q: term %q in %v", tt.query, w, got)
			}
		}
	}
	if got := flows.QueryTerms("口红"); got["口红"] != 1 || got["cosmetic"] >= 1 || got["cosmetic"] == 0 {
		t.Errorf("口红: own word %v, synonym %v", got["口红"], got["cosmetic"])
	}
}

// FuzzSearch: any query, valid UTF-8 or not, gives at most the limit of
// hits, best first, each with its market.
func FuzzSearch(f *testing.F) {
	for _, q := range []string{"印尼能卖口红吗", "UKCA toys?", "", "\xff", "a", "口", "ｕｋ", strings.Repeat("化妆品", 500)} {
		f.Add(q)
	}
	ix := flows.NewIndex(datatest.Rules(f))
	f.Fuzz(func(t *testing.T, q string) {
		hits := ix.Search(q, 5)
		if len(hits) > 5 {
			t.Fatalf("%d hits", len(hits))
		}
		for i, h := range hits {
			if h.Market == nil || h.Score <= 0 || i > 0 && h.Score > hits[i-1].Score {
				t.Fatalf("hit %d: %+v", i, h)
			}
		}
	})
}
