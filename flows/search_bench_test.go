package flows_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/onboardbot/onboardbot/data/datatest"
	"github.com/onboardbot/onboardbot/flows"
)

// benchQueries are questions sellers ask, in both languages.
var benchQueries = []string{
	"印尼能卖口红吗", "can I sell lipstick in Indonesia?", "英国卖玩具需要什么认证", "do I need UKCA for toys?",
	"美国 de minimis", "印尼能开跨境店吗", "WEEE", "虾皮 马来西亚 化妆品", "bluetooth speaker Philippines", "充电宝",
	"德国包装法", "how many shops can I open on TikTok UK", "泰国 食品 FDA", "清真", "VAT number", "税",
}

// BenchmarkSearch measures one query over the whole shipped catalogue
// (ns/op is per query; the target is under 5 ms). "scan" is the baseline:
// the same terms looked for with strings.Contains in every rule's text,
// no index. "build" is building the index, once per catalog.
func BenchmarkSearch(b *testing.B) {
	catalog := datatest.Rules(b)
	b.Run("index", func(b *testing.B) {
		ix := flows.NewIndex(catalog)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if hits := ix.Search(benchQueries[i%len(benchQueries)], 20); len(hits) == 0 {
				b.Fatalf("no hits for %q", benchQueries[i%len(benchQueries)])
			}
		}
	})
	b.Run("scan", func(b *testing.B) {
		texts := ruleTexts(catalog)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if n := scan(texts, benchQueries[i%len(benchQueries)], 20); n == 0 {
				b.Fatalf("no hits for %q", benchQueries[i%len(benchQueries)])
			}
		}
	})
	b.Run("build", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			flows.NewIndex(catalog)
		}
	})
}

// ruleTexts is the text of every rule the index holds, lower-cased, one
// string per document.
func ruleTexts(c *flows.Catalog) []string {
	var out []string
	join := func(ts ...flows.Text) string {
		var b strings.Builder
		for _, t := range ts {
			b.WriteString(t.ZH + " " + t.EN + " ")
		}
		return strings.ToLower(b.String())
	}
	for _, m := range c.Markets() {
		market := join(m.Name, m.Region, flows.Text{EN: m.Platform + " " + m.ID})
		out = append(out, market+join(m.Summary))
		for _, q := range m.Questions {
			s := market + join(q.Text, q.Help, q.Expect)
			for _, ch := range q.Choices {
				s += join(ch.Label, ch.Reason, ch.Remedy)
			}
			out = append(out, s)
		}
		for _, it := range m.Items {
			out = append(out, market+join(flows.Text{EN: it.ID}, it.Title, it.Detail))
		}
	}
	return out
}

// scan scores every text by the weights of the query terms it contains and
// returns how many scored, after sorting the best limit first.
func scan(texts []string, query string, limit int) int {
	terms := flows.QueryTerms(query)
	type scored struct {
		doc   int
		score float64
	}
	var hits []scored
	for i, text := range texts {
		s := 0.0
		for t, w := range terms {
			if strings.Contains(text, t) {
				s += w
			}
		}
		if s > 0 {
			hits = append(hits, scored{i, s})
		}
	}
	sort.Slice(hits, func(i, j int) bool { return hits[i].score > hits[j].score })
	return min(len(hits), limit)
}
