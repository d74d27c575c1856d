package bot

// Everything a seller reads that is rendered from the rules and their
// progress (questions, verdicts, checklists, sources, rule changes), in
// both languages, in one place.

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/onboardbot/onboardbot/flows"
)

// marketList shows the markets grouped by platform, then which platforms
// each region has, and how to start.
func (cv *Conversation) marketList() {
	cv.parts = append(cv.parts, cv.core.views(cv.catalog).marketList.In(cv.lang()))
	first := cv.catalog.Markets()[0].ID
	cv.sayf("输入 /onboard <市场编号> 开始，例如 /onboard %s", "Type /onboard <market id> to start, for example /onboard %s", first)
}

// catalogViews holds texts rendered once per catalog: they change only when
// the rules do, and most messages from new sellers show one of them.
type catalogViews struct {
	catalog    *flows.Catalog
	marketList flows.Text
}

// views returns the texts rendered from catalog, rendering them the first
// time a catalog is seen (after start-up or a reload).
func (c *Core) views(catalog *flows.Catalog) *catalogViews {
	if v := c.rendered.Load(); v != nil && v.catalog == catalog {
		return v
	}
	v := &catalogViews{catalog: catalog,
		marketList: flows.Text{ZH: renderMarketList(catalog, flows.ZH), EN: renderMarketList(catalog, flows.EN)}}
	c.rendered.Store(v)
	return v
}

func renderMarketList(catalog *flows.Catalog, lang flows.Lang) string {
	markets := catalog.Markets()
	var b strings.Builder
	b.WriteString(flows.Text{ZH: "可以入驻的市场（按平台）:", EN: "Markets by platform:"}.In(lang))
	platform := ""
	for _, m := range markets {
		if m.Platform != platform {
			platform = m.Platform
			b.WriteString("\n" + platform)
		}
		fmt.Fprintf(&b, "\n  %s · %s", m.ID, m.Name.In(lang))
	}
	b.WriteString("\n\n" + flows.Text{ZH: "按地区：", EN: "By region:"}.In(lang))
	var regions []string
	byRegion := map[string][]string{}
	for _, m := range markets {
		r := m.Region.In(lang)
		if _, ok := byRegion[r]; !ok {
			regions = append(regions, r)
		}
		byRegion[r] = append(byRegion[r], m.ID)
	}
	sort.Strings(regions)
	for _, r := range regions {
		fmt.Fprintf(&b, "\n  %s: %s", r, strings.Join(byRegion[r], ", "))
	}
	return b.String()
}

// ask shows a question with its choices.
func (cv *Conversation) ask(m *flows.Market, step flows.Step) {
	q := step.Question
	lang := cv.lang()
	var b strings.Builder
	fmt.Fprintf(&b, "%s · %s · ", m.Name.In(lang), q.Stage.Name().In(lang))
	if lang == flows.ZH {
		fmt.Fprintf(&b, "第 %d 题", step.Asked+1)
	} else {
		fmt.Fprintf(&b, "question %d", step.Asked+1)
	}
	if step.Asked > 0 {
		b.WriteString(flows.Text{ZH: "（/back 改上一题）", EN: " (/back to change the last answer)"}.In(lang))
	}
	b.WriteString("\n")
	b.WriteString(q.Text.In(lang))
	if !q.Help.IsZero() {
		b.WriteString("\n" + q.Help.In(lang))
	}
	if !q.Expect.IsZero() {
		b.WriteString("\n" + flows.Textf(flows.Text{ZH: "格式：%s", EN: "Format: %s"}, q.Expect).In(lang))
	}
	if q.ID != flows.CategoryQuestionID {
		b.WriteString("\n" + cv.source(q.Sourced))
	}
	cv.parts = append(cv.parts, b.String())
	cv.choices, cv.multi = nil, q.Kind == flows.KindMulti
	for _, c := range q.Choices {
		cv.choices = append(cv.choices, Choice{Label: c.Label.In(lang), Ref: ChoiceRef{Market: m.ID, Question: q.ID, Choice: c.ID}})
	}
}

// verdict explains why the seller is not eligible and what would change that.
func (cv *Conversation) verdict(m *flows.Market, f *flows.Finding) {
	cv.sayf("❌ 目前还不能入驻 %s。", "❌ You cannot open a shop on %s yet.", m.Name)
	cv.sayf("原因：%s", "Why: %s", f.Reason)
	cv.sayf("依据的规则：“%s” 你的回答：%s", "The rule: \"%s\" You answered: %s", f.Question.Text, f.Answer)
	cv.parts = append(cv.parts, cv.source(f.Question.Sourced))
	cv.sayf("怎么做才能入驻：%s", "The way forward: %s", f.Remedy)
	cv.sayf("答错了？用 /back 修改上一个回答，或 /restart %s 重新开始。", "Answered wrongly? /back changes the last answer; /restart %s starts over.", m.ID)
}

// checklist shows the seller's checklist for a market, grouped.
func (cv *Conversation) checklist(m *flows.Market, o *Onboarding) {
	lang := cv.lang()
	entries := flows.Checklist(m, o.State, cv.now)
	done, na, total := counts(entries)
	var b strings.Builder
	b.WriteString(progress(m, done, na, total).In(lang))
	for _, g := range flows.Groups() {
		header := false
		for _, e := range entries {
			if e.Item.Group != g {
				continue
			}
			if !header {
				b.WriteString("\n\n【" + g.Name().In(lang) + "】")
				header = true
			}
			fmt.Fprintf(&b, "\n%s %s · %s", mark(e), e.Item.ID, e.Item.Title.In(lang))
			if e.State.Number != "" || e.State.Expiry != "" {
				b.WriteString(" (" + evidence(e.State, lang) + ")")
			}
			if e.Expired {
				b.WriteString(flows.Text{ZH: " ⚠️ 证书已过期，请续期", EN: " ⚠️ expired: renew it"}.In(lang))
			}
			b.WriteString("\n    " + e.Item.Detail.In(lang))
			b.WriteString("\n    " + cv.source(e.Item.Sourced))
		}
	}
	cv.parts = append(cv.parts, b.String())
	if done+na == total && total > 0 {
		cv.sayf("🎉 清单全部完成！", "🎉 Every item is done!")
	}
	cv.sayf("标记完成：/done <编号> [证书编号] [有效期 YYYY-MM-DD] · 不适用：/na <编号> · 规则详情：/why <编号>",
		"Mark an item: /done <id> [certificate number] [expiry YYYY-MM-DD] · not applicable: /na <id> · the rule: /why <id>")
}

// progress says how far a seller's checklist is.
func progress(m *flows.Market, done, na, total int) flows.Text {
	t := flows.Textf(flows.Text{ZH: "%s 入驻清单：已完成 %d/%d 项", EN: "%s checklist: %d of %d done"}, m.Name, done, total)
	if na > 0 {
		t = flows.Textf(flows.Text{ZH: "%s（%d 项不适用）", EN: "%s (%d not applicable)"}, t, na)
	}
	return t
}

func mark(e flows.Entry) string {
	switch {
	case e.Open() && e.Upcoming:
		return "⏳"
	case e.Open():
		return "⬜"
	case e.State.Status == flows.ItemNA:
		return "➖"
	}
	return "✅"
}

func evidence(s flows.ItemState, lang flows.Lang) string {
	var parts []string
	if s.Number != "" {
		parts = append(parts, flows.Textf(flows.Text{ZH: "编号 %s", EN: "no. %s"}, s.Number).In(lang))
	}
	if s.Expiry != "" {
		parts = append(parts, flows.Textf(flows.Text{ZH: "有效期至 %s", EN: "expires %s"}, s.Expiry).In(lang))
	}
	return strings.Join(parts, ", ")
}

// answerLabel shows a recorded answer with the choices' labels.
func answerLabel(m *flows.Market, question, value string, lang flows.Lang) string {
	q, ok := m.Question(question)
	if !ok || !q.IsChoice() {
		return value
	}
	var labels []string
	for _, id := range strings.Split(value, ",") {
		if c, ok := q.Choice(id); ok {
			labels = append(labels, c.Label.In(lang))
		} else {
			labels = append(labels, id)
		}
	}
	return strings.Join(labels, ", ")
}

// source says where a rule comes from and since when, with the flags a
// seller must see: not in force yet, or unconfirmed.
func (cv *Conversation) source(s flows.Sourced) string { return sourceText(s, cv.lang(), cv.now) }

func sourceText(s flows.Sourced, lang flows.Lang, now time.Time) string {
	t := flows.Textf(flows.Text{ZH: "来源：%s（%s 起生效）", EN: "Source: %s (in force since %s)"}, s.Source, s.Effective)
	if s.Effective == "" {
		t = flows.Textf(flows.Text{ZH: "来源：%s（来源未写明生效日期，%s 核对）", EN: "Source: %s (start date not given; checked %s)"}, s.Source, s.Checked)
	}
	if s.Upcoming(now) {
		t = flows.Textf(flows.Text{ZH: "来源：%s（即将生效：%s）", EN: "Source: %s (upcoming: in force from %s)"}, s.Source, s.Effective)
	}
	if s.LowConfidence() {
		t.ZH += " ⚠️ 未经核实：请向平台确认"
		t.EN += " ⚠️ unconfirmed: check with the platform"
	}
	return t.In(lang)
}

// message tells a seller what a rule change means for them, with sources.
func (d sellerDiff) message(m *flows.Market, version string, lang flows.Lang, now time.Time) string {
	var b strings.Builder
	b.WriteString(flows.Textf(flows.Text{ZH: "📋 %s 的规则更新了（%s 版），你的清单有这些变化：", EN: "📋 The rules for %s changed (version %s). For you this means:"}, m.Name, version).In(lang))
	item := func(mark string, it *flows.Item, why flows.Text) {
		fmt.Fprintf(&b, "\n\n%s %s · %s\n%s", mark, it.ID, it.Title.In(lang), it.Detail.In(lang))
		if !why.IsZero() {
			b.WriteString("\n" + why.In(lang))
		}
		b.WriteString("\n" + sourceText(it.Sourced, lang, now))
	}
	for _, it := range d.added {
		item("➕", it, flows.Text{ZH: "新增要求。", EN: "New requirement."})
	}
	for _, it := range d.reopened {
		item("🔄", it, flows.Text{ZH: "要求变了，已改回待办，请按新要求重新确认。", EN: "The requirement changed, so it is open again: check it against the new rule."})
	}
	for _, it := range d.changed {
		item("✏️", it, flows.Text{ZH: "要求有变化。", EN: "The requirement changed."})
	}
	for _, it := range d.removed {
		fmt.Fprintf(&b, "\n\n➖ %s · %s\n%s", it.ID, it.Title.In(lang), flows.Text{ZH: "不再需要。", EN: "No longer required."}.In(lang))
	}
	if q := d.newQuestion; q != nil {
		fmt.Fprintf(&b, "\n\n❓ %s\n%s", flows.Textf(flows.Text{ZH: "有新问题需要回答：输入 /onboard %s", EN: "A new question needs your answer: /onboard %s"}, m.ID).In(lang), q.Text.In(lang))
		b.WriteString("\n" + sourceText(q.Sourced, lang, now))
	}
	b.WriteString("\n\n" + flows.Textf(flows.Text{ZH: "查看清单：/checklist %s", EN: "Your checklist: /checklist %s"}, m.ID).In(lang))
	return b.String()
}
