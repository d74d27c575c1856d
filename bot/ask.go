package bot

// Free questions: /ask, and a plain question when no question is open,
// answered from the rules of every market, with a button to start each
// market found.

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/onboardbot/onboardbot/flows"
)

// What an answer shows at most, so it reads on a phone: a few markets,
// a couple of rules each.
const (
	askMarkets   = 3
	askPerMarket = 2
	askHits      = 5
	// askRunes bounds the rules shown, in characters (the whole answer
	// stays under the 1,500 of a checklist message).
	askRunes = 1200
)

func (cv *Conversation) askCmd(args []string) error {
	if len(args) == 0 {
		cv.sayf("用法：/ask <问题>，例如 /ask 印尼能卖口红吗。我会在所有市场的规则里找答案，不用先开始入驻。",
			"Usage: /ask <question>, for example /ask can I sell lipstick in Indonesia. I search the rules of every market; you need not start one first.")
		return nil
	}
	if !cv.answerFromRules(strings.Join(args, " ")) {
		cv.sayf("规则里没找到相关的内容。换个说法试试，写上地区和商品，例如 /ask 英国 玩具；/markets 查看所有市场。",
			"I found nothing about that in the rules. Try other words, naming the country and the product, for example /ask UK toys; /markets lists every market.")
	}
	return nil
}

// freeQuestion answers a plain text that asks something (rather than
// answering) from the rules; it reports whether it did. Button clicks are
// never questions.
func (cv *Conversation) freeQuestion(text string, ref *ChoiceRef) bool {
	if ref == nil && asksForHelp(text) {
		// "怎么用？" is about the bot, not the rules: a search would find
		// some rule that has "use" in it.
		return cv.help(nil) == nil
	}
	return ref == nil && looksLikeQuestion(text) && cv.answerFromRules(text)
}

// helpPhrases are what sellers type to ask how the bot works.
var helpPhrases = []string{"怎么用", "如何用", "如何使用", "怎么使用", "怎样使用", "使用说明", "使用方法", "怎么开始", "如何开始", "从哪开始", "从哪里开始",
	"怎么操作", "如何操作", "有哪些命令", "有什么命令", "命令列表", "你能做什么", "你会什么",
	"how do i start", "how do i use", "how to use", "how does this work", "how does it work", "what can you do", "what can i do", "what are the commands", "list of commands"}

// asksForHelp says whether a message asks how to use the bot, rather than
// about a market's rules.
func asksForHelp(text string) bool {
	t := strings.ToLower(strings.TrimSpace(text))
	if utf8.RuneCountInString(t) > 40 {
		return false // a long question that mentions "how to use" is about something else
	}
	for _, p := range helpPhrases {
		if strings.Contains(t, p) {
			return true
		}
	}
	return false
}

// answerFromRules searches every market's rules and shows the best rules
// found, grouped by market, each market with a button to start it. It
// says nothing and reports false when nothing matches.
func (cv *Conversation) answerFromRules(question string) bool {
	groups := pickHits(cv.core.rulesIndex(cv.catalog).Search(question, 4*askHits))
	if len(groups) == 0 {
		return false
	}
	lang := cv.lang()
	var b strings.Builder
	b.WriteString(flows.Text{ZH: "🔎 规则里和你的问题有关的：", EN: "🔎 What the rules say about that:"}.In(lang))
	var choices []Choice
	room := askRunes
	for _, g := range groups {
		m := g[0].Market
		header := fmt.Sprintf("\n\n【%s】/onboard %s", m.Name.In(lang), m.ID)
		var shown []string
		for _, h := range g {
			entry := cv.hitText(h)
			n := utf8.RuneCountInString(entry)
			if len(shown) == 0 {
				n += utf8.RuneCountInString(header)
			}
			if n > room && len(choices)+len(shown) > 0 {
				continue // the best hit is always shown, however long
			}
			room -= n
			shown = append(shown, entry)
		}
		if len(shown) == 0 {
			continue
		}
		b.WriteString(header + strings.Join(shown, ""))
		label := flows.Textf(flows.Text{ZH: "开始入驻 %s", EN: "Start %s"}, m.Name)
		choices = append(choices, Choice{Label: label.In(lang), Ref: ChoiceRef{Kind: RefCommand, Market: m.ID, Choice: "onboard " + m.ID}})
	}
	cv.text(b.String())
	cv.sayf("开始入驻后，我会按你的情况和类目列出全部要求。", "Start a market and I will list everything it needs from you, for your product categories.")
	cv.choices, cv.multi = choices, false
	return true
}

// hitText is one rule found: its title, a question's help, and the source.
func (cv *Conversation) hitText(h flows.Hit) string {
	lang := cv.lang()
	t := "\n· " + h.Title().In(lang)
	switch {
	case h.Item != nil:
		t += "\n  " + cv.source(firstSource(h.Item.Sourced))
	case h.Question != nil:
		if !h.Question.Help.IsZero() {
			t += "\n  " + h.Question.Help.In(lang)
		}
		t += "\n  " + cv.source(firstSource(h.Question.Sourced))
	}
	return t
}

// firstSource keeps the first of a rule's sources, so an answer naming
// several rules stays short; /why shows them all once the market is started.
func firstSource(s flows.Sourced) flows.Sourced {
	if i := strings.Index(s.Source, "; "); i > 0 {
		s.Source = s.Source[:i] + "…"
	}
	return s
}

// pickHits groups the best hits by market, in the order of each market's
// best hit, within the answer's limits.
func pickHits(hits []flows.Hit) [][]flows.Hit {
	var groups [][]flows.Hit
	n := 0
next:
	for _, h := range hits {
		if n == askHits {
			break
		}
		for i, g := range groups {
			if g[0].Market == h.Market {
				if len(g) < askPerMarket {
					groups[i] = append(g, h)
					n++
				}
				continue next
			}
		}
		if len(groups) < askMarkets {
			groups = append(groups, []flows.Hit{h})
			n++
		}
	}
	return groups
}

// looksLikeQuestion reports whether a plain text asks rather than answers:
// it ends with a question mark or 吗, or starts with a question word.
func looksLikeQuestion(text string) bool {
	t := strings.TrimSpace(text)
	for _, end := range []string{"?", "？", "吗"} {
		if strings.HasSuffix(t, end) {
			return true
		}
	}
	for _, start := range []string{"能", "可以", "需要", "怎么", "如何", "什么", "哪", "是否", "要不要", "有没有"} {
		if strings.HasPrefix(t, start) {
			return true
		}
	}
	fields := strings.Fields(strings.ToLower(t))
	if len(fields) < 2 {
		return false // "can" alone asks nothing
	}
	switch fields[0] {
	case "what", "how", "can", "could", "do", "does", "is", "are", "which", "where", "when", "should", "must":
		return true
	}
	return false
}

// rulesIndex returns the search index of catalog, building it the first
// time a catalog is searched (after start-up or a reload of the rules).
func (c *Core) rulesIndex(catalog *flows.Catalog) *flows.Index {
	if ix := c.index.Load(); ix != nil && ix.Catalog() == catalog {
		return ix
	}
	ix := flows.NewIndex(catalog)
	c.index.Store(ix)
	return ix
}
