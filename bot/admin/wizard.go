package admin

// The announcement wizard: /announce and its steps. Each step offers its
// choices once, as the reply's choices (buttons on Telegram and Slack, a
// numbered list in the terminal), and its text never lists them again: a
// typed number n picks the n-th choice, the one every platform shows n-th.

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/flows"
)

// Draft steps.
const (
	stepMarkets  = "markets"
	stepCategory = "category"
	stepFilter   = "filter"
	stepText     = "text"
	stepConfirm  = "confirm"
)

// A draft button's value is its step and choice ("markets:tiktok-uk"), so
// a button of an earlier step is never taken for the current step's;
// cancel and restart mean the same at every step.
const (
	valueCancel  = "cancel"
	valueRestart = "restart"
	valueAll     = "*"    // every market, category or stage
	valueSend    = "send" // the confirm step's
)

// announce starts an announcement draft.
func announce(cv *bot.Conversation, args []string) error {
	cv.Sayf("开始写公告（随时可以 /cancel 取消）。", "New announcement (/cancel at any time).")
	return startDraft(cv)
}

// startDraft saves an empty draft and asks for its markets.
func startDraft(cv *bot.Conversation) error {
	d := bot.Draft{Step: stepMarkets}
	if err := cv.Tx().SaveDraft(cv.Ctx(), cv.Seller().ID, d, cv.Now()); err != nil {
		return fmt.Errorf("save draft: %w", err)
	}
	return prompt(cv, d, Preview{})
}

// cancel drops the admin's draft.
func cancel(cv *bot.Conversation, args []string) error {
	if _, err := cv.Tx().Draft(cv.Ctx(), cv.Seller().ID); errors.Is(err, bot.ErrNotFound) {
		cv.Sayf("没有需要取消的内容。", "There is nothing to cancel.")
		return nil
	}
	if err := cv.Tx().DeleteDraft(cv.Ctx(), cv.Seller().ID); err != nil {
		return fmt.Errorf("delete draft: %w", err)
	}
	cv.Sayf("公告草稿已取消，没有发送任何内容。", "Announcement draft cancelled; nothing was sent.")
	return nil
}

// draftInput takes the admin's text, or a draft button's value (button
// is true), as input to their draft. It reports false when the admin has
// no draft.
func (adm *Admin) draftInput(cv *bot.Conversation, input string, button bool) (bool, error) {
	if !adm.IsAdmin(cv.Seller()) {
		return false, nil
	}
	d, err := cv.Tx().Draft(cv.Ctx(), cv.Seller().ID)
	if errors.Is(err, bot.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("load draft: %w", err)
	}
	var p Preview
	var sel selection
	if d.Step == stepConfirm {
		if p, sel, err = previewIn(cv.Ctx(), cv.Tx(), cv.Catalog(), d.Announcement, cv.Now()); err != nil {
			return true, err
		}
	}
	choices := stepChoices(cv, d, p)
	value, ok := chosen(choices, d.Step, input, button)
	switch {
	case !ok:
		cv.Sayf("这是前面步骤的按钮，请用下面这一步的。", "That button is from an earlier step: use this step's.")
		return true, prompt(cv, d, p)
	case value == valueCancel:
		return true, cancel(cv, nil)
	case value == valueRestart:
		cv.Sayf("从头再来。", "Starting over.")
		return true, startDraft(cv)
	}
	var problem flows.Text
	switch d.Step {
	case stepMarkets:
		problem = takeMarkets(cv, &d, value, choices)
	case stepCategory:
		problem = takeCategory(cv, &d, value)
	case stepFilter:
		problem = takeFilter(cv, &d, value)
	case stepText:
		problem = takeText(&d, value)
	case stepConfirm:
		problem = flows.Text{ZH: "请选下面的一项：点按钮，或回复它的编号。", EN: "Pick one below: its button, or its number."}
		if value == valueSend || isOneOf(value, "confirm", "yes", "确认", "发送") {
			if p.Recipients > 0 {
				return true, confirm(cv, d, sel)
			}
			problem = flows.Text{ZH: "没有人会收到这条公告，所以不能发送。", EN: "Nobody would get this announcement, so it cannot be sent."}
		}
	}
	if !problem.IsZero() {
		cv.Say(problem)
		return true, prompt(cv, d, p)
	}
	if err := cv.Tx().SaveDraft(cv.Ctx(), cv.Seller().ID, d, cv.Now()); err != nil {
		return true, fmt.Errorf("save draft: %w", err)
	}
	if d.Step == stepConfirm {
		if p, _, err = previewIn(cv.Ctx(), cv.Tx(), cv.Catalog(), d.Announcement, cv.Now()); err != nil {
			return true, err
		}
	}
	return true, prompt(cv, d, p)
}

// chosen reads input as a choice of the step: a button's value (this
// step's, or cancel or restart), or typed text, where a number n picks the
// n-th choice, a choice's label picks it, and anything else is left for the
// step to read. It reports false for a button of another step.
func chosen(choices []bot.Choice, step, input string, button bool) (string, bool) {
	input = strings.TrimSpace(input)
	if !button {
		n, err := strconv.Atoi(input)
		switch {
		case err == nil && n >= 1 && n <= len(choices):
			input, button = choices[n-1].Ref.Choice, true
		case isOneOf(input, "从头再来", "重新开始", "start over"):
			return valueRestart, true
		default:
			for _, c := range choices {
				if strings.EqualFold(c.Label, input) {
					input, button = c.Ref.Choice, true
				}
			}
		}
	}
	if !button || input == valueCancel || input == valueRestart {
		return input, true
	}
	return strings.CutPrefix(input, step+":")
}

// isOneOf reports whether input is one of words, ignoring case.
func isOneOf(input string, words ...string) bool {
	return slices.ContainsFunc(words, func(w string) bool { return strings.EqualFold(input, w) })
}

// takeMarkets reads the markets: a button's market, or typed numbers of
// the choices, market ids or all, several separated by commas or spaces.
func takeMarkets(cv *bot.Conversation, d *bot.Draft, value string, choices []bot.Choice) flows.Text {
	var ids []string
	add := func(id string) {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	for _, tok := range strings.FieldsFunc(value, func(r rune) bool { return r == ',' || r == '，' || r == ' ' || r == '、' }) {
		id := strings.ToLower(tok)
		if n, err := strconv.Atoi(tok); err == nil && n >= 1 && n <= len(choices) {
			id = strings.TrimPrefix(choices[n-1].Ref.Choice, stepMarkets+":")
		}
		if isOneOf(id, valueAll, "all", "全部", "全部市场") {
			for _, m := range cv.Catalog().Markets() {
				add(m.ID)
			}
			continue
		}
		if _, ok := cv.Catalog().Market(id); !ok {
			return flows.Textf(flows.Text{ZH: "不认识的市场：%s", EN: "Unknown market: %s"}, tok)
		}
		add(id)
	}
	if len(ids) == 0 {
		return flows.Text{ZH: "请至少选一个市场。", EN: "Pick at least one market."}
	}
	d.Announcement.Markets, d.Step = ids, stepCategory
	return flows.Text{}
}

// takeCategory reads the category: one of the chosen markets', or all.
func takeCategory(cv *bot.Conversation, d *bot.Draft, value string) flows.Text {
	id := strings.ToLower(value)
	switch {
	case isOneOf(id, valueAll, "all", "全部", "全部类目"):
		id = ""
	case !slices.Contains(draftCategories(cv, d.Announcement.Markets), id):
		return flows.Text{ZH: "请选一个类目：点按钮，或回复它的编号。", EN: "Pick a category: its button, or its number."}
	}
	d.Announcement.Category, d.Step = id, stepFilter
	return flows.Text{}
}

// takeFilter reads the progress filter: a stage, every stage, or
// "item <id>" (in Chinese "清单项 <id>"), an item every chosen market has.
func takeFilter(cv *bot.Conversation, d *bot.Draft, value string) flows.Text {
	a := &d.Announcement
	lower := strings.ToLower(value)
	item, isItem := strings.CutPrefix(lower, "item ")
	if !isItem {
		item, isItem = strings.CutPrefix(lower, "清单项")
	}
	stage := flows.Stage(lower)
	switch {
	case isItem:
		item = strings.TrimSpace(item)
		if lack := marketsWithout(cv.Catalog(), a.Markets, item); len(lack) > 0 {
			return itemMissing(a.Markets, lack, item)
		}
		a.Stage, a.OpenItem = "", item
	case isOneOf(lower, valueAll, "all", "全部", "所有阶段"):
		a.Stage, a.OpenItem = "", ""
	case slices.Contains(filterStages(), stage):
		a.Stage, a.OpenItem = stage, ""
	default:
		return flows.Text{ZH: "请选一个阶段（点按钮或回复编号），或回复“清单项 <ID>”。", EN: "Pick a stage (its button or number), or reply item <id>."}
	}
	d.Step = stepText
	return flows.Text{}
}

// takeText reads the announcement's text.
func takeText(d *bot.Draft, value string) flows.Text {
	t, problem := ParseAnnouncementText(value)
	if problem.IsZero() {
		d.Announcement.Text, d.Step = t, stepConfirm
	}
	return problem
}

// draftCategories lists the category ids of the chosen markets.
func draftCategories(cv *bot.Conversation, markets []string) []string {
	var out []string
	for _, id := range markets {
		if m, ok := cv.Catalog().Market(id); ok {
			for _, c := range m.Categories {
				if !slices.Contains(out, c.ID) {
					out = append(out, c.ID)
				}
			}
		}
	}
	return out
}

func filterStages() []flows.Stage {
	return []flows.Stage{flows.StageEligibility, flows.StageLogistics, flows.StageCategories, flows.StageChecklist, flows.StageComplete, flows.StageIneligible}
}

// stepChoices are the choices a draft step offers, in the order every
// platform shows them; p is the preview at the confirm step.
func stepChoices(cv *bot.Conversation, d bot.Draft, p Preview) []bot.Choice {
	var choices []bot.Choice
	choice := func(label flows.Text, value string) {
		if value != valueCancel && value != valueRestart {
			value = d.Step + ":" + value
		}
		choices = append(choices, bot.Choice{Label: label.In(cv.Lang()), Ref: bot.ChoiceRef{Kind: bot.RefDraft, Question: d.Step, Choice: value}})
	}
	switch d.Step {
	case stepMarkets:
		for _, m := range cv.Catalog().Markets() {
			choice(flows.Textf(flows.Text{ZH: "%s · %s", EN: "%s · %s"}, m.Name, m.ID), m.ID)
		}
		choice(flows.Text{ZH: "全部市场", EN: "All markets"}, valueAll)
	case stepCategory:
		choice(flows.Text{ZH: "全部类目", EN: "Every category"}, valueAll)
		for _, id := range draftCategories(cv, d.Announcement.Markets) {
			choice(categoryName(cv.Catalog(), d.Announcement.Markets, id), id)
		}
	case stepFilter:
		choice(flows.Text{ZH: "所有阶段", EN: "Every stage"}, valueAll)
		for _, st := range filterStages() {
			choice(st.Name(), string(st))
		}
	case stepConfirm:
		if p.Recipients > 0 {
			choice(flows.Text{ZH: "确认发送", EN: "Confirm and send"}, valueSend)
		}
		choice(flows.Text{ZH: "从头再来", EN: "Start over"}, valueRestart)
	}
	choice(flows.Text{ZH: "取消", EN: "Cancel"}, valueCancel)
	return choices
}

// prompt asks for what the draft's step needs; p is the preview at the
// confirm step.
func prompt(cv *bot.Conversation, d bot.Draft, p Preview) error {
	a := d.Announcement
	switch d.Step {
	case stepMarkets:
		cv.Sayf("发给哪些市场的卖家？选一个，或回复编号；多个市场用逗号分开（例如 1,3），也可以回复市场 ID（例如 tiktok-uk）。",
			"Which markets' sellers? Pick one, or reply with its number; several separated by commas (1,3), or market ids (tiktok-uk).")
	case stepCategory:
		cv.Sayf("只发给卖某个类目的卖家吗？选一个，或回复编号。", "Only sellers of one product category? Pick one, or reply with its number.")
	case stepFilter:
		example := commonItem(cv.Catalog(), a.Markets)
		if example == "" {
			example = "<ID>"
		}
		cv.Sayf("按进度筛选吗？选一个阶段，或回复编号；回复“清单项 %s”只发给这一项还没完成的卖家。",
			"Narrow by progress? Pick a stage, or reply with its number; reply item %s for sellers who have not done that checklist item.", example)
	case stepText:
		cv.Sayf("请写公告内容。两种语言可以写在一行里：zh: 中文内容 en: English text（也可以分行写，每行以 zh: 或 en: 开头）。只写一种语言，所有人都收到这一种；不加 zh: 或 en: 的内容原样发给所有人。每种语言最多 %d 字。",
			"Write the announcement. Both languages fit on one line: zh: 中文内容 en: English text (or on lines of their own, each starting zh: or en:). With one language, everyone gets that one; text without zh: or en: goes to everyone as written. At most %d characters per language.",
			MaxAnnouncementRunes)
	case stepConfirm:
		cv.Write(PreviewText(p, cv.Catalog(), cv.Lang()))
		cv.Write(announcementBody(a.Text).In(cv.Lang()))
		if p.Recipients == 0 {
			cv.Sayf("没有人会收到这条公告，所以不能发送。点“从头再来”换市场或条件，或者取消。",
				"Nobody would get this announcement, so it cannot be sent. Start over to choose other markets or filters, or cancel.")
		} else {
			cv.Sayf("确认之前不会发出任何内容。", "Nothing is sent before you confirm.")
		}
	}
	cv.Offer(stepChoices(cv, d, p))
	return nil
}

// announcementBody shows the texts the sellers will read.
func announcementBody(t flows.Text) flows.Text {
	switch {
	case t.ZH == t.EN:
		return flows.Textf(flows.Text{ZH: "所有人收到：\n%s", EN: "Everyone gets:\n%s"}, t.ZH)
	case t.EN == "":
		return flows.Textf(flows.Text{ZH: "中文：\n%s\n\n（没有英文：英文卖家也收到中文。）", EN: "Chinese:\n%s\n\n(No English text: English-speaking sellers get the Chinese.)"}, t.ZH)
	case t.ZH == "":
		return flows.Textf(flows.Text{ZH: "英文：\n%s\n\n（没有中文：中文卖家也收到英文。）", EN: "English:\n%s\n\n(No Chinese text: Chinese-speaking sellers get the English.)"}, t.EN)
	}
	return flows.Textf(flows.Text{ZH: "中文：\n%s\n\n英文：\n%s", EN: "Chinese:\n%s\n\nEnglish:\n%s"}, t.ZH, t.EN)
}

// confirm queues the draft's announcement to the selected sellers and
// makes the reply the admin's progress message.
func confirm(cv *bot.Conversation, d bot.Draft, sel selection) error {
	a := d.Announcement
	a.CreatedBy, a.AdminSeller = cv.Seller().Key(), cv.Seller().ID
	counts, err := queueAnnouncement(cv.Ctx(), cv.Tx(), cv.Catalog(), &a, sel.recipients, cv.Now())
	if err != nil {
		return err
	}
	if err := cv.Tx().DeleteDraft(cv.Ctx(), cv.Seller().ID); err != nil {
		return fmt.Errorf("delete draft: %w", err)
	}
	cv.ReportOn(a.ID)
	cv.Notify()
	cv.Write(ProgressText(a, bot.DeliveryStats{Pending: counts.queued, Unreachable: counts.unreachable}, cv.Lang()))
	return nil
}
