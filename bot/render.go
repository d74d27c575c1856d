package bot

// Everything a seller reads that is rendered from the rules and their
// progress (questions, verdicts, checklists, sources, rule changes), in
// both languages, in one place.

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/onboardbot/onboardbot/flows"
)

// marketList shows the markets grouped by platform, then which platforms
// each region has, and how to start.
func (cv *Conversation) marketList() {
	cv.text(cv.core.views(cv.catalog).marketList.In(cv.lang()))
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
	b.WriteString(flows.Text{ZH: "可以入驻的市场（按平台）：", EN: "Markets by platform:"}.In(lang))
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
		if lang == flows.ZH {
			fmt.Fprintf(&b, "\n  %s：%s", r, strings.Join(byRegion[r], "、"))
		} else {
			fmt.Fprintf(&b, "\n  %s: %s", r, strings.Join(byRegion[r], ", "))
		}
	}
	return b.String()
}

// ask shows a question with its choices as buttons, and the way back. A
// multi-choice question offers its choices to tick, with what is ticked
// marked, and a button to say the seller is done.
func (cv *Conversation) ask(m *flows.Market, o *Onboarding, step flows.Step) {
	q := step.Question
	lang := cv.lang()
	cv.asked = m.ID + "/" + q.ID
	cv.head(flows.Textf(flows.Text{ZH: "%s · %s · 第 %d 题", EN: "%s · %s · question %d"}, m.Name, q.Stage.Name(), step.Asked+1).In(lang))
	var b strings.Builder
	b.WriteString(q.Text.In(lang))
	if !q.Help.IsZero() {
		b.WriteString("\n" + q.Help.In(lang))
	}
	if !q.Expect.IsZero() {
		b.WriteString("\n" + flows.Textf(flows.Text{ZH: "格式：%s", EN: "Format: %s"}, q.Expect).In(lang))
	}
	multi := q.Kind == flows.KindMulti
	if multi {
		b.WriteString("\n" + flows.Text{ZH: "点选所有适用的，再点“完成选择”；也可以直接输入编号，用逗号分开（例如 1,3）。",
			EN: "Tick each, then press Done; or type their numbers, separated by commas (for example 1,3)."}.In(lang))
	}
	cv.text(b.String())
	if q.ID != flows.CategoryQuestionID {
		// Shortened: a question is read on a phone; /why gives sources whole.
		short := q.Sourced
		short.Source = shorten(short.Source, 60)
		cv.note(cv.source(short))
	}
	cv.choices, cv.multi = nil, multi
	for _, c := range q.Choices {
		ref := ChoiceRef{Market: m.ID, Question: q.ID, Choice: c.ID}
		label := c.Label.In(lang)
		if multi {
			ref.Kind = RefToggle
			if slices.Contains(o.State.Picked, c.ID) {
				label = "✅ " + label
			}
		}
		cv.choices = append(cv.choices, Choice{Label: label, Ref: ref})
	}
	if multi {
		done := flows.Text{ZH: "完成选择", EN: "Done"}
		if n := len(o.State.Picked); n > 0 {
			done = flows.Textf(flows.Text{ZH: "完成选择（%d）", EN: "Done (%d)"}, n)
		}
		cv.choices = append(cv.choices, Choice{Label: "☑️ " + done.In(lang), Ref: ChoiceRef{Kind: RefSubmit, Market: m.ID, Question: q.ID}})
	}
	if step.Asked > 0 {
		cv.offer(flows.Text{ZH: "⬅️ 改上一题", EN: "⬅️ Back"}, "back", m, q.ID)
	}
}

// verdict says plainly that the seller cannot open a shop yet, which
// answer stopped them, why, and the way forward, with the way back.
func (cv *Conversation) verdict(m *flows.Market, f *flows.Finding) {
	cv.head(flows.Textf(flows.Text{ZH: "❌ 暂时不能入驻 %s", EN: "❌ You cannot open a shop on %s yet"}, m.Name).In(cv.lang()))
	cv.sayf("原因：%s", "Why: %s", f.Reason)
	cv.sayf("卡在这一题：%s\n你的回答：%s", "The question: %s\nYou answered: %s", f.Question.Text, f.Answer)
	cv.sayf("怎么做才能入驻：%s", "The way forward: %s", f.Remedy)
	cv.note(cv.source(f.Question.Sourced))
	cv.offer(flows.Text{ZH: "⬅️ 改这个回答", EN: "⬅️ Change that answer"}, "back", m, f.Question.ID)
	cv.offer(flows.Text{ZH: "🔄 重新开始", EN: "🔄 Start over"}, "restart "+m.ID+" ?", m, "")
}

// outcome says plainly that the questions are done and the seller can
// open a shop, with the warnings they collected, then shows the checklist.
func (cv *Conversation) outcome(m *flows.Market, o *Onboarding, step flows.Step) {
	cv.head(flows.Textf(flows.Text{ZH: "✅ 可以入驻 %s", EN: "✅ You can open a shop on %s"}, m.Name).In(cv.lang()))
	cv.warnings(step)
	cv.sayf("下一步：按下面的清单逐项准备，每完成一项就点它标记。", "Next: work through the checklist below, and mark each item as you finish it.")
	cv.newMessage()
	cv.checklist(m, o)
}

// warnings lists the warnings a seller's answers collected, one line each.
func (cv *Conversation) warnings(step flows.Step) {
	if len(step.Warnings) == 0 {
		return
	}
	lines := make([]string, len(step.Warnings))
	for i, w := range step.Warnings {
		lines[i] = "⚠️ " + w.Reason.In(cv.lang())
	}
	cv.text(strings.Join(lines, "\n"))
}

// checklist shows a seller's checklist compactly: each item's number,
// status and title, with any certificate number and expiry, by group;
// the details and sources are behind each item's button (or /why).
func (cv *Conversation) checklist(m *flows.Market, o *Onboarding) {
	lang := cv.lang()
	list := numbered(m, o.State, cv)
	done, na, total := counts(list)
	cv.head(progress(m, done, na, total).In(lang))
	// The warnings stay in view, counted; their text is a button away.
	if n := len(flows.Current(m, o.State, cv.now).Warnings); n > 0 {
		cv.text(flows.Textf(flows.Text{ZH: "⚠️ 你的回答有 %[1]d 条提醒", EN: "⚠️ %[1]d %[2]s from your answers"}, n, flows.Text{EN: Plural(n, "warning", "warnings")}).In(lang))
		defer cv.offer(flows.Text{ZH: "⚠️ 查看提醒", EN: "⚠️ Warnings"}, "warnings "+m.ID, m, "")
	}
	files, err := cv.fileCounts(m.ID)
	if err != nil {
		cv.fail(fmt.Errorf("checklist files: %w", err))
	}
	var b strings.Builder
	group := flows.Group("")
	for i, e := range list {
		if e.Item.Group != group {
			if group != "" {
				cv.text(b.String())
				b.Reset()
			}
			group = e.Item.Group
			b.WriteString("【" + group.Name().In(lang) + "】")
		}
		fmt.Fprintf(&b, "\n%s %d. %s", mark(e), i+1, shorten(e.Item.Title.In(lang), titleRunes(lang)))
		if ev := evidence(e.State, lang); ev != "" {
			b.WriteString(flows.Textf(flows.Text{ZH: "（%s）", EN: " (%s)"}, ev).In(lang))
		}
		b.WriteString(paperclip(files[e.Item.ID]))
		if e.Expired {
			b.WriteString(flows.Text{ZH: " ⚠️ 已过期", EN: " ⚠️ expired"}.In(lang))
		}
		if soon := cv.expiringIn(e); soon != "" {
			b.WriteString(" " + soon)
		}
		if e.Upcoming {
			b.WriteString(flows.Textf(flows.Text{ZH: "（%s 起）", EN: " (from %s)"}, e.Item.Effective).In(lang))
		}
	}
	if b.Len() > 0 {
		cv.text(b.String())
	}
	if done+na == total && total > 0 {
		cv.sayf("🎉 清单全部完成！", "🎉 Every item is done!")
	}
	cv.note(flows.Text{ZH: "点编号查看规则和来源，并标记完成；也可以输入 done 3、na 3、why 3。",
		EN: "Press a number for the rule and its source, and to mark it; or type done 3, na 3, why 3."}.In(lang))
	for i, e := range list {
		if e.Open() {
			cv.offer(flows.Textf(flows.Text{ZH: "%d %s", EN: "%d %s"}, i+1, shorten(e.Item.Title.In(lang), 14)), "why "+m.ID+":"+e.Item.ID, m, "")
		}
	}
}

// shorten cuts s to n characters, marking the cut.
// titleRunes is how much of an item's title a checklist line shows: a
// Chinese title says in 40 characters what an English one needs more for
// ("Duty-free parcels of GBP 135 or less are ending"); the longest
// checklist must still fit a phone (length_test.go).
func titleRunes(lang flows.Lang) int {
	if lang == flows.ZH {
		return 40
	}
	return 50
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
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
	return strings.Join(parts, flows.Text{ZH: "，", EN: ", "}.In(lang))
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
