package admin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/bot/schedule"
	"github.com/onboardbot/onboardbot/flows"
)

// Admin is the admins' side of the bot (it implements bot.Admins): who
// the admins are, their commands, the announcement wizard, recipient
// selection and delivery progress.
type Admin struct {
	store  bot.Store
	keys   map[string]bool
	list   []string
	now    func() time.Time
	log    *slog.Logger
	notify bot.Notifier
}

// Option configures an Admin.
type Option func(*Admin)

// WithClock sets the clock, so tests control dates.
func WithClock(now func() time.Time) Option { return func(a *Admin) { a.now = now } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(a *Admin) { a.log = l } }

// WithNotifier sets who is told when announcements are queued outside a
// chat (the shell) or progress summaries are.
func WithNotifier(n bot.Notifier) Option { return func(a *Admin) { a.notify = n } }

// New returns the admins' side over a store, for the admins given as
// "platform:user id" keys (ONBOARD_ADMINS).
func New(store bot.Store, keys []string, opts ...Option) *Admin {
	a := &Admin{store: store, keys: map[string]bool{}, now: time.Now, log: slog.New(slog.DiscardHandler)}
	for _, k := range keys {
		if !a.keys[k] {
			a.keys[k] = true
			a.list = append(a.list, k)
		}
	}
	for _, o := range opts {
		o(a)
	}
	return a
}

// IsAdmin is the one place admin rights are decided.
func (a *Admin) IsAdmin(s bot.Seller) bool { return a.keys[s.Key()] }

// Keys lists the admins as "platform:user id".
func (a *Admin) Keys() []string { return a.list }

// Commands are the admins' commands.
func (a *Admin) Commands() []bot.Command {
	return []bot.Command{
		{Admin: true, Name: "announce", Aliases: []string{"公告"}, Run: announce,
			Help: flows.Text{ZH: "（管理员）给卖家发公告", EN: "(admins) send an announcement to sellers"}},
		{Admin: true, Name: "announcements", Run: announcementsCmd,
			Help: flows.Text{ZH: "（管理员）最近的公告和发送情况", EN: "(admins) recent announcements and their delivery"}},
		{Admin: true, Name: "cancel", Aliases: []string{"取消"}, Run: cancel,
			Help: flows.Text{ZH: "（管理员）取消正在写的公告", EN: "(admins) drop the announcement being written"}},
	}
}

// Input takes an admin's text, or a draft button's choice, as input to
// their draft; it reports false when they have none.
func (a *Admin) Input(cv *bot.Conversation, input string, draft bool) (bool, error) {
	return a.draftInput(cv, input)
}

// MaxAnnouncementRunes bounds an announcement's text in each language, so
// it fits one message on every platform with its header.
const MaxAnnouncementRunes = 3000

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

// ParseAnnouncementText reads the admin's text: lines starting "zh:" and
// "en:" give each language; text without them goes to everyone as written.
// The second result, when set, says what is wrong.
func ParseAnnouncementText(input string) (flows.Text, flows.Text) {
	var t flows.Text
	var cur *string
	tagged := false
	for _, line := range strings.Split(input, "\n") {
		if lang, rest, ok := cutLangTag(line); ok {
			cur, tagged, line = &t.EN, true, rest
			if lang == flows.ZH {
				cur = &t.ZH
			}
		}
		if cur != nil {
			*cur += line + "\n"
		}
	}
	if !tagged {
		t = flows.Text{ZH: input, EN: input}
	}
	t.ZH, t.EN = strings.TrimSpace(t.ZH), strings.TrimSpace(t.EN)
	return t, textProblem(t)
}

// cutLangTag recognises "zh:", "en:" and their full-width-colon forms.
func cutLangTag(line string) (flows.Lang, string, bool) {
	l := strings.TrimSpace(line)
	for _, tag := range []string{"zh:", "zh\uff1a", "ZH:", "en:", "en\uff1a", "EN:"} {
		if rest, ok := strings.CutPrefix(l, tag); ok {
			return flows.ParseLang(tag), strings.TrimSpace(rest), true
		}
	}
	return "", "", false
}

// textProblem says what is wrong with an announcement's text, if anything.
func textProblem(t flows.Text) flows.Text {
	switch {
	case t.ZH == "" && t.EN == "":
		return flows.Text{ZH: "公告内容是空的。", EN: "The announcement text is empty."}
	case utf8.RuneCountInString(t.ZH) > MaxAnnouncementRunes || utf8.RuneCountInString(t.EN) > MaxAnnouncementRunes:
		return flows.Textf(flows.Text{ZH: "公告太长了：每种语言最多 %d 个字，请缩短。", EN: "The announcement is too long: at most %d characters per language. Please shorten it."}, MaxAnnouncementRunes)
	}
	return flows.Text{}
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

// ProgressText is an admin's progress message for an announcement.
func ProgressText(a bot.Announcement, st bot.DeliveryStats, lang flows.Lang) string {
	head := flows.Textf(flows.Text{ZH: "📢 公告 #%d(%s):%d 位收件人", EN: "📢 Announcement #%d (%s): %d recipients"}, a.ID, strings.Join(a.Markets, ", "), a.Recipients)
	line := flows.Textf(flows.Text{ZH: "已发送 %d · 待发送 %d · 无法送达 %d", EN: "sent %d · pending %d · unreachable %d"}, st.Sent, st.Pending, st.Unreachable)
	if st.Failed > 0 {
		line = flows.Textf(flows.Text{ZH: "%s · 失败 %d", EN: "%s · failed %d"}, line, st.Failed)
	}
	out := head.In(lang) + "\n" + line.In(lang)
	if st.Pending == 0 && !a.FinishedAt.IsZero() {
		out += "\n" + flows.Text{ZH: "✅ 发送完毕。", EN: "✅ Delivery finished."}.In(lang)
	}
	return out
}

type queued struct{ queued, unreachable int }

// recipients lists the subscribers an announcement reaches, one per seller.
func recipients(ctx context.Context, tx bot.Tx, catalog *flows.Catalog, a bot.Announcement, now time.Time) ([]bot.Subscriber, error) {
	subs, err := tx.Subscribers(ctx, a.Markets)
	if err != nil {
		return nil, fmt.Errorf("list subscribers: %w", err)
	}
	seen := map[int64]bool{}
	var out []bot.Subscriber
	for _, s := range subs {
		m, ok := catalog.Market(s.Onboarding.Market)
		if !ok || seen[s.Seller.ID] {
			continue
		}
		st := s.Onboarding.State
		if a.Category != "" && !slices.Contains(st.Categories(), a.Category) {
			continue
		}
		if a.Stage != "" && flows.Current(m, st, now).Stage != a.Stage {
			continue
		}
		if a.OpenItem != "" {
			open := false
			for _, e := range flows.Checklist(m, st, now) {
				open = open || (e.Item.ID == a.OpenItem && e.Open())
			}
			if !open {
				continue
			}
		}
		seen[s.Seller.ID] = true
		out = append(out, s)
	}
	return out, nil
}

// queueAnnouncement stores an announcement and one outbox row per
// recipient, in the caller's transaction: all of it or none.
func queueAnnouncement(ctx context.Context, tx bot.Tx, catalog *flows.Catalog, a *bot.Announcement, now time.Time) (queued, error) {
	var q queued
	if len(a.Markets) == 0 {
		return q, errors.New("announcement without a market")
	}
	for _, id := range a.Markets {
		if _, ok := catalog.Market(id); !ok {
			return q, fmt.Errorf("unknown market %q", id)
		}
	}
	subs, err := recipients(ctx, tx, catalog, *a, now)
	if err != nil {
		return q, err
	}
	a.CreatedAt, a.Recipients = now, len(subs)
	if err := tx.CreateAnnouncement(ctx, a); err != nil {
		return q, fmt.Errorf("create announcement: %w", err)
	}
	type textKey struct {
		market string
		lang   flows.Lang
	}
	texts := map[textKey]string{} // one text per market and language, not per recipient
	for _, s := range subs {
		k := textKey{s.Onboarding.Market, s.Seller.Lang}
		text, ok := texts[k]
		if !ok {
			text = announcementText(catalog, *a, k.market, k.lang)
			texts[k] = text
		}
		r := bot.Reply{
			Platform: s.Seller.Platform, ChatID: s.Seller.ChatID, SellerID: s.Seller.ID, Kind: bot.KindAnnouncement,
			Announcement: a.ID, Text: text,
		}
		if s.Seller.Unreachable {
			r.Undeliverable = "unreachable: the seller blocked the bot"
			q.unreachable++
		} else {
			q.queued++
		}
		if err := tx.Enqueue(ctx, &r, now); err != nil {
			return q, fmt.Errorf("queue announcement to seller %d: %w", s.Seller.ID, err)
		}
	}
	return q, nil
}

// announcementText is what one seller reads: which market it is about, the
// text in their language, and how to mute it.
func announcementText(catalog *flows.Catalog, a bot.Announcement, market string, lang flows.Lang) string {
	name := market
	if m, ok := catalog.Market(market); ok {
		name = m.Name.In(lang)
	}
	head := flows.Textf(flows.Text{ZH: "📢 %s 公告", EN: "📢 %s announcement"}, name).In(lang)
	foot := flows.Textf(flows.Text{ZH: "不想再收到这个市场的公告？/mute %s", EN: "No more announcements for this market: /mute %s"}, market).In(lang)
	return head + "\n\n" + a.Text.In(lang) + "\n\n" + foot
}

// AnnounceResult is what queueing an announcement did.
type AnnounceResult struct {
	Announcement bot.Announcement
	Queued       int
	Unreachable  int
}

// Announce queues an announcement from outside a chat (the shell), under
// the rules in catalog.
func (c *Admin) Announce(ctx context.Context, catalog *flows.Catalog, a bot.Announcement) (AnnounceResult, error) {
	var res AnnounceResult
	if problem := validAnnouncement(catalog, a); problem != "" {
		return res, errors.New(problem)
	}
	err := c.store.Update(ctx, func(tx bot.Tx) error {
		q, err := queueAnnouncement(ctx, tx, catalog, &a, c.now().UTC())
		res = AnnounceResult{Announcement: a, Queued: q.queued, Unreachable: q.unreachable}
		return err
	})
	if err != nil {
		return AnnounceResult{}, fmt.Errorf("queue announcement: %w", err)
	}
	c.notifyAll()
	return res, nil
}

// validAnnouncement checks markets, category, item and text; it returns
// what is wrong, or "".
func validAnnouncement(catalog *flows.Catalog, a bot.Announcement) string {
	if len(a.Markets) == 0 {
		return "give a market (--market ID)"
	}
	categoryFound, itemFound := a.Category == "", a.OpenItem == ""
	for _, id := range a.Markets {
		m, ok := catalog.Market(id)
		if !ok {
			return fmt.Sprintf("unknown market %q", id)
		}
		_, hasCat := m.Category(a.Category)
		_, hasItem := m.Item(a.OpenItem)
		categoryFound = categoryFound || hasCat
		itemFound = itemFound || hasItem
	}
	if !categoryFound {
		return fmt.Sprintf("unknown category %q in %s", a.Category, strings.Join(a.Markets, ", "))
	}
	if !itemFound {
		return fmt.Sprintf("unknown checklist item %q in %s", a.OpenItem, strings.Join(a.Markets, ", "))
	}
	if problem := textProblem(a.Text); !problem.IsZero() {
		return problem.EN
	}
	return ""
}

// announcementsCmd lists recent announcements with their counts.
func announcementsCmd(cv *bot.Conversation, args []string) error {
	list, err := cv.Tx().Announcements(cv.Ctx(), bot.RecentAnnouncements)
	if err != nil {
		return fmt.Errorf("list announcements: %w", err)
	}
	if len(list) == 0 {
		cv.Sayf("还没有发过公告。用 /announce 发一条。", "No announcements yet. /announce writes one.")
		return nil
	}
	var b strings.Builder
	b.WriteString(flows.Text{ZH: "最近的公告：", EN: "Recent announcements:"}.In(cv.Lang()))
	for _, a := range list {
		st, err := cv.Tx().Stats(cv.Ctx(), a.ID)
		if err != nil {
			return fmt.Errorf("announcement %d: %w", a.ID, err)
		}
		fmt.Fprintf(&b, "\n\n%s · %s\n%s", a.CreatedAt.UTC().Format("2006-01-02 15:04"), a.CreatedBy, ProgressText(a, st, cv.Lang()))
	}
	cv.Write(b.String())
	return nil
}

// ProgressJob keeps admins informed while announcements are delivered:
// every interval it edits each admin's progress message when the counts
// changed, and when nothing is pending any more it marks the announcement
// finished and queues a final summary to the admin.
func (c *Admin) ProgressJob(editors map[string]bot.Editor, every time.Duration) schedule.Job {
	last := map[int64]bot.DeliveryStats{} // only this job's goroutine touches it
	return schedule.Job{Name: "announcement progress", Every: every, Run: func(ctx context.Context) error {
		return c.progressOnce(ctx, editors, last)
	}}
}

type progressEdit struct {
	announcement bot.Announcement
	stats        bot.DeliveryStats
	status       bot.Reply
	lang         flows.Lang
}

func (c *Admin) progressOnce(ctx context.Context, editors map[string]bot.Editor, last map[int64]bot.DeliveryStats) error {
	var edits []progressEdit
	queued := false
	now := c.now().UTC()
	err := c.store.Update(ctx, func(tx bot.Tx) error {
		edits, queued = nil, false
		active, err := tx.ActiveAnnouncements(ctx)
		if err != nil {
			return fmt.Errorf("active announcements: %w", err)
		}
		for _, a := range active {
			st, err := tx.Stats(ctx, a.ID)
			if err != nil {
				return fmt.Errorf("announcement %d: %w", a.ID, err)
			}
			status, err := tx.StatusMessage(ctx, a.ID)
			if err != nil && !errors.Is(err, bot.ErrNotFound) {
				return fmt.Errorf("announcement %d status: %w", a.ID, err)
			}
			lang := flows.EN
			if admins, err := tx.SellersByKey(ctx, []string{a.CreatedBy}); err == nil && len(admins) == 1 {
				lang = admins[0].Lang
			}
			if st.Pending == 0 {
				if err := tx.FinishAnnouncement(ctx, a.ID, now); err != nil {
					return fmt.Errorf("finish announcement %d: %w", a.ID, err)
				}
				a.FinishedAt = now
				if status.ID != 0 {
					summary := bot.Reply{Platform: status.Platform, ChatID: status.ChatID, SellerID: status.SellerID, Kind: bot.KindReply,
						Text: ProgressText(a, st, lang)}
					if err := tx.Enqueue(ctx, &summary, now); err != nil {
						return fmt.Errorf("queue summary: %w", err)
					}
					queued = true
				}
			}
			if status.Ref != "" {
				edits = append(edits, progressEdit{announcement: a, stats: st, status: status, lang: lang})
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if queued {
		c.notifyAll()
	}
	for _, e := range edits {
		id := e.announcement.ID
		if prev, ok := last[id]; ok && prev == e.stats && e.announcement.FinishedAt.IsZero() {
			continue
		}
		ed, ok := editors[e.status.Platform]
		if !ok {
			continue
		}
		// An edit is a courtesy: the counts are in /announcements anyway.
		if err := ed.Edit(ctx, e.status.ChatID, e.status.Ref, ProgressText(e.announcement, e.stats, e.lang)); err != nil {
			c.log.Warn("edit announcement progress", "announcement", id, "err", err)
			continue
		}
		last[id] = e.stats
		if !e.announcement.FinishedAt.IsZero() {
			delete(last, id)
		}
	}
	return nil
}

func (c *Admin) notifyAll() {
	if c.notify != nil {
		c.notify.Notify("")
	}
}
