package admin

// The announcement wizard: /announce, its steps and its preview.

import (
	"errors"
	"fmt"
	"slices"
	"sort"
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

// announce starts an announcement draft.
func announce(cv *bot.Conversation, args []string) error {
	d := bot.Draft{Step: stepMarkets}
	if err := cv.Tx().SaveDraft(cv.Ctx(), cv.Seller().ID, d, cv.Now()); err != nil {
		return fmt.Errorf("save draft: %w", err)
	}
	cv.Sayf("开始写公告（随时可以 /cancel 取消）。", "New announcement (/cancel at any time).")
	draftPrompt(cv, d)
	return nil
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

// draftInput takes the admin's text (or button) as input to their draft. It
// reports false when the admin has no draft.
func (adm *Admin) draftInput(cv *bot.Conversation, input string) (bool, error) {
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
	input = strings.TrimSpace(input)
	a := &d.Announcement
	lower := strings.ToLower(input)
	switch d.Step {
	case stepMarkets:
		ids, bad := pickMarkets(cv, input)
		if bad != "" || len(ids) == 0 {
			cv.Sayf("不认识的市场：%s", "Unknown market: %s", bad)
			draftPrompt(cv, d)
			return true, nil
		}
		a.Markets, d.Step = ids, stepCategory
	case stepCategory:
		cats := draftCategories(cv, a.Markets)
		switch {
		case lower == "all" || lower == "0" || input == "全部":
			a.Category = ""
		case slices.Contains(cats, lower):
			a.Category = lower
		default:
			n, err := strconv.Atoi(input)
			if err != nil || n < 1 || n > len(cats) {
				cv.Sayf("请回复类目编号，或 0 表示全部类目。", "Reply with a category number, or 0 for every category.")
				draftPrompt(cv, d)
				return true, nil
			}
			a.Category = cats[n-1]
		}
		d.Step = stepFilter
	case stepFilter:
		stages := filterStages()
		if item, ok := strings.CutPrefix(lower, "item "); ok {
			item = strings.TrimSpace(item)
			if !itemInMarkets(cv, a.Markets, item) {
				cv.Sayf("所选市场里没有清单项“%s”。", "The chosen markets have no checklist item %q.", item)
				draftPrompt(cv, d)
				return true, nil
			}
			a.OpenItem, a.Stage = item, ""
		} else {
			n, err := strconv.Atoi(input)
			if err != nil || n < 1 || n > len(stages)+1 {
				cv.Sayf("请回复编号，或 item <清单项编号>。", "Reply with a number, or item <checklist item id>.")
				draftPrompt(cv, d)
				return true, nil
			}
			a.Stage, a.OpenItem = "", ""
			if n > 1 {
				a.Stage = stages[n-2]
			}
		}
		d.Step = stepText
	case stepText:
		t, problem := ParseAnnouncementText(input)
		if !problem.IsZero() {
			cv.Say(problem)
			draftPrompt(cv, d)
			return true, nil
		}
		a.Text, d.Step = t, stepConfirm
	case stepConfirm:
		switch lower {
		case "confirm", "yes", "确认", "发送":
			return true, confirm(cv, d)
		case "cancel", "no", "取消":
			return true, cancel(cv, nil)
		}
		cv.Sayf("请回复 confirm 发送，或 cancel 取消。", "Reply confirm to send, or cancel to drop it.")
	}
	if err := cv.Tx().SaveDraft(cv.Ctx(), cv.Seller().ID, d, cv.Now()); err != nil {
		return true, fmt.Errorf("save draft: %w", err)
	}
	draftPrompt(cv, d)
	return true, nil
}

// pickMarkets reads "1,3", "tiktok-uk tiktok-id" or "all".
func pickMarkets(cv *bot.Conversation, input string) (ids []string, bad string) {
	markets := cv.Catalog().Markets()
	if strings.EqualFold(input, "all") || input == "全部" {
		for _, m := range markets {
			ids = append(ids, m.ID)
		}
		return ids, ""
	}
	for _, tok := range strings.FieldsFunc(input, func(r rune) bool { return r == ',' || r == '，' || r == ' ' || r == '、' }) {
		id := strings.ToLower(tok)
		if n, err := strconv.Atoi(tok); err == nil && n >= 1 && n <= len(markets) {
			id = markets[n-1].ID
		}
		if _, ok := cv.Catalog().Market(id); !ok {
			return nil, tok
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, ""
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

func itemInMarkets(cv *bot.Conversation, markets []string, item string) bool {
	for _, id := range markets {
		if m, ok := cv.Catalog().Market(id); ok {
			if _, ok := m.Item(item); ok {
				return true
			}
		}
	}
	return false
}

func filterStages() []flows.Stage {
	return []flows.Stage{flows.StageEligibility, flows.StageLogistics, flows.StageCategories, flows.StageChecklist, flows.StageComplete, flows.StageIneligible}
}

// draftPrompt asks for what the draft's step needs.
func draftPrompt(cv *bot.Conversation, d bot.Draft) {
	lang := cv.Lang()
	var choices []bot.Choice
	choice := func(label, value string) {
		choices = append(choices, bot.Choice{Label: label, Ref: bot.ChoiceRef{Kind: bot.RefDraft, Question: d.Step, Choice: value}})
	}
	var b strings.Builder
	switch d.Step {
	case stepMarkets:
		b.WriteString(flows.Text{ZH: "发给哪个市场的卖家？回复编号或市场编号，多个用逗号分开，all 表示全部：", EN: "Which market's sellers? Reply with numbers or market ids, several separated by commas, or all:"}.In(lang))
		for i, m := range cv.Catalog().Markets() {
			fmt.Fprintf(&b, "\n%d) %s · %s", i+1, m.ID, m.Name.In(lang))
			choice(m.Name.In(lang), m.ID)
		}
	case stepCategory:
		b.WriteString(flows.Text{ZH: "只发给卖某个类目的卖家吗？回复编号，0 表示全部类目：", EN: "Only sellers of one product category? Reply with its number, or 0 for every category:"}.In(lang))
		b.WriteString("\n0) " + flows.Text{ZH: "全部类目", EN: "every category"}.In(lang))
		choice(flows.Text{ZH: "全部类目", EN: "Every category"}.In(lang), "0")
		for i, c := range draftCategories(cv, d.Announcement.Markets) {
			fmt.Fprintf(&b, "\n%d) %s", i+1, c)
			choice(c, c)
		}
	case stepFilter:
		b.WriteString(flows.Text{ZH: "按进度筛选吗？回复编号，或 item <清单项编号> 只发给这一项还没完成的卖家：", EN: "Narrow by progress? Reply with a number, or item <checklist item id> for sellers who have not done that item:"}.In(lang))
		b.WriteString("\n1) " + flows.Text{ZH: "所有阶段", EN: "every stage"}.In(lang))
		choice(flows.Text{ZH: "所有阶段", EN: "Every stage"}.In(lang), "1")
		for i, st := range filterStages() {
			fmt.Fprintf(&b, "\n%d) %s", i+2, st.Name().In(lang))
			choice(st.Name().In(lang), strconv.Itoa(i+2))
		}
	case stepText:
		b.WriteString(flows.Text{ZH: "请写公告内容。中英文分别写在以 zh：和 en：开头的行里；不加前缀的内容原样发给所有人。每种语言最多 3000 字。", EN: "Write the announcement. Put each language on lines starting zh: and en:; text without them goes to everyone as written. At most 3000 characters per language."}.In(lang))
	case stepConfirm:
		b.WriteString(preview(cv, d.Announcement))
		choice(flows.Text{ZH: "确认发送", EN: "Confirm and send"}.In(lang), "confirm")
		choice(flows.Text{ZH: "取消", EN: "Cancel"}.In(lang), "cancel")
	}
	cv.Write(b.String())
	cv.Offer(choices)
}

// preview shows what will be sent to whom.
func preview(cv *bot.Conversation, a bot.Announcement) string {
	lang := cv.Lang()
	subs, err := recipients(cv.Ctx(), cv.Tx(), cv.Catalog(), a, cv.Now())
	counts := map[string]int{}
	if err == nil {
		for _, s := range subs {
			counts[s.Seller.Platform]++
		}
	}
	var b strings.Builder
	b.WriteString(flows.Text{ZH: "预览：", EN: "Preview:"}.In(lang))
	fmt.Fprintf(&b, "\n%s %s", flows.Text{ZH: "市场：", EN: "Markets:"}.In(lang), strings.Join(a.Markets, ", "))
	if a.Category != "" {
		fmt.Fprintf(&b, "\n%s %s", flows.Text{ZH: "类目：", EN: "Category:"}.In(lang), a.Category)
	}
	if a.Stage != "" {
		fmt.Fprintf(&b, "\n%s %s", flows.Text{ZH: "阶段：", EN: "Stage:"}.In(lang), a.Stage.Name().In(lang))
	}
	if a.OpenItem != "" {
		fmt.Fprintf(&b, "\n%s %s", flows.Text{ZH: "未完成清单项：", EN: "Checklist item not done:"}.In(lang), a.OpenItem)
	}
	platforms := make([]string, 0, len(counts))
	for p := range counts {
		platforms = append(platforms, p)
	}
	sort.Strings(platforms)
	var per []string
	for _, p := range platforms {
		per = append(per, fmt.Sprintf("%s %d", p, counts[p]))
	}
	if len(per) == 0 {
		per = []string{"0"}
	}
	fmt.Fprintf(&b, "\n%s %d (%s)", flows.Text{ZH: "收件人：", EN: "Recipients:"}.In(lang), len(subs), strings.Join(per, ", "))
	if a.Text.ZH != "" {
		fmt.Fprintf(&b, "\n\n[zh]\n%s", a.Text.ZH)
	}
	if a.Text.EN != "" && a.Text.EN != a.Text.ZH {
		fmt.Fprintf(&b, "\n\n[en]\n%s", a.Text.EN)
	}
	b.WriteString("\n\n" + flows.Text{ZH: "回复 confirm 发送，cancel 取消。确认之前不会发出任何内容。", EN: "Reply confirm to send or cancel to drop it. Nothing is sent before you confirm."}.In(lang))
	return b.String()
}

// confirm queues the draft's announcement and makes the reply the admin's
// progress message.
func confirm(cv *bot.Conversation, d bot.Draft) error {
	a := d.Announcement
	a.CreatedBy, a.AdminSeller = cv.Seller().Key(), cv.Seller().ID
	counts, err := queueAnnouncement(cv.Ctx(), cv.Tx(), cv.Catalog(), &a, cv.Now())
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
