package bot

// Reminders as sellers meet them: the dates a seller records planned as
// reminders, what a due reminder says (or why it no longer applies),
// /reminders and /tz.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/onboardbot/onboardbot/flows"
)

// expiryDates lists the certificates a state has recorded with an
// expiry date, "item=date" in item order: when it changes, the seller's
// certificate reminders are planned again.
func expiryDates(s flows.State) string {
	var dates []string
	for id, st := range s.Items {
		if st.Status == flows.ItemDone && st.Expiry != "" {
			dates = append(dates, id+"="+st.Expiry)
		}
	}
	slices.Sort(dates)
	return strings.Join(dates, ";")
}

// loaded records the certificate dates of a market's state as it was read.
func (cv *Conversation) loaded(market string, s flows.State) {
	if cv.dates == nil {
		cv.dates = map[string]string{}
	}
	if _, ok := cv.dates[market]; !ok {
		cv.dates[market] = expiryDates(s)
	}
}

// planExpiries plans the certificate reminders of the items of a market
// whose dates changed since the state was read: a new date gets its
// reminders, a changed or removed one loses those still pending.
func (cv *Conversation) planExpiries(o *Onboarding) error {
	now := expiryDates(o.State)
	before, ok := cv.dates[o.Market]
	if now == before || (!ok && now == "") {
		return nil
	}
	cv.loaded(o.Market, flows.State{})
	cv.dates[o.Market] = now
	was, is := datesByItem(before), datesByItem(now)
	changed := map[string]bool{}
	for id, date := range was {
		changed[id] = is[id] != date
	}
	for id, date := range is {
		changed[id] = changed[id] || was[id] != date
	}
	r, loc := cv.core.reminding, cv.zone()
	for id, ok := range changed {
		if !ok {
			continue
		}
		var want []Reminder
		if st := o.State.Items[id]; st.Status == flows.ItemDone && st.Expiry != "" {
			want = r.ExpiryReminders(cv.seller.ID, o.Market, id, st.Expiry, cv.now, loc, false)
		}
		if err := cv.tx.PlanReminders(cv.ctx, cv.seller.ID, o.Market, id, ExpiryKinds, want); err != nil {
			return fmt.Errorf("plan reminders: %w", err)
		}
	}
	cv.planned = true
	return nil
}

// datesByItem reads expiryDates back, by item.
func datesByItem(dates string) map[string]string {
	out := map[string]string{}
	for _, d := range strings.Split(dates, ";") {
		if id, date, ok := strings.Cut(d, "="); ok {
			out[id] = date
		}
	}
	return out
}

// zone is the seller's time zone.
func (cv *Conversation) zone() *time.Location { return cv.core.Zone(*cv.seller) }

// ExpiringSoon is how many days ahead a certificate counts as expiring
// soon: the checklist and /status mark it, and its first reminder comes.
const ExpiringSoon = 30

// expiringIn says how soon a certificate expires, for the checklist and
// /status ("即将到期 · 12 天后"), when it is done and expires within
// ExpiringSoon days; else empty.
func (cv *Conversation) expiringIn(e flows.Entry) string {
	if e.State.Status != flows.ItemDone || e.Expired || e.State.Expiry == "" {
		return ""
	}
	days := daysUntil(e.State.Expiry, cv.now, cv.zone())
	switch {
	case days > ExpiringSoon:
		return ""
	case days <= 1:
		return flows.Text{ZH: "⏰ 即将到期 · 明天", EN: "⏰ expires tomorrow"}.In(cv.lang())
	}
	return flows.Textf(flows.Text{ZH: "⏰ 即将到期 · %[1]d 天后", EN: "⏰ expires in %[1]d %[2]s"}, days, daysWord(days)).In(cv.lang())
}

// expiryNote answers a certificate date as soon as it is recorded: how
// many days are left when it is close, and the reminders to come.
func (cv *Conversation) expiryNote(market, item string, st flows.ItemState) {
	if st.Status != flows.ItemDone || st.Expiry == "" {
		return
	}
	days := daysUntil(st.Expiry, cv.now, cv.zone())
	if days <= ExpiringSoon {
		cv.sayf("⏰ 这张证书 %[1]d 天后到期（%[3]s），请尽快续期。", "⏰ This certificate expires in %[1]d %[2]s (%[3]s): renew it soon.", days, daysWord(days), st.Expiry)
	}
	if cv.seller.RemindersOff&TopicExpiry != 0 {
		cv.sayf("证书到期提醒已关闭（打开：/reminders on expiry）。", "Certificate reminders are off (to turn them on: /reminders on expiry).")
		return
	}
	var before []string
	for _, r := range cv.core.reminding.ExpiryReminders(cv.seller.ID, market, item, st.Expiry, cv.now, cv.zone(), false) {
		if r.Kind != RemindExpired {
			before = append(before, fmt.Sprint(r.Kind.Days()))
		}
	}
	if len(before) == 0 {
		cv.sayf("到期当天我会提醒你（/reminders 查看）。", "I will remind you on the day it expires (/reminders lists what is planned).")
		return
	}
	cv.sayf("到期前 %s 天和到期当天我会提醒你（/reminders 查看）。", "I will remind you %s days before it expires, and on the day (/reminders lists what is planned).",
		flows.Text{ZH: strings.Join(before, "、"), EN: strings.Join(before, ", ")})
}

// RemindOutcome is what RemindAll did with a due reminder.
type RemindOutcome int

// What RemindAll did: queued its message; finished it without a message (it
// no longer applies, or the seller does not want it); moved it past the
// seller's quiet hours.
const (
	RemindQueued RemindOutcome = iota
	RemindDropped
	RemindMoved
)

// StallGrace is how late a nudge about a stalled onboarding may still
// come: one that waited longer (the bot was stopped) is dropped.
const StallGrace = 2 * 24 * time.Hour

// RemindAll handles a batch of due reminders in tx at now. Outside the
// seller's quiet hours, when a reminder still applies and they want it,
// its message is queued and the reminder finished in the same
// transaction; one that no longer applies (the date changed, the
// question was answered) is finished without a word; one in the quiet
// hours is moved to their end. A certificate's "expired" also reopens the
// item in the seller's projection and history, whether or not the seller
// wants the message. The reminders are finished, and their messages
// queued, in one call to the store at the end (FinishReminders), in the
// batch's order. It reports what it did with each.
func (c *Core) RemindAll(ctx context.Context, tx Tx, due []DueReminder, now time.Time) ([]RemindOutcome, error) {
	b := remindBatch{core: c, catalog: c.catalog.Load(), ctx: ctx, tx: tx, now: now, zones: map[string]*time.Location{}}
	out := make([]RemindOutcome, len(due))
	finished := make([]FinishedReminder, 0, len(due))
	for i, d := range due {
		f, outcome, err := b.remind(d)
		if err != nil {
			return nil, fmt.Errorf("reminder %s of %s for seller %d: %w", d.Kind, d.Item, d.SellerID, err)
		}
		out[i] = outcome
		if outcome != RemindMoved {
			finished = append(finished, f)
		}
	}
	if err := tx.FinishReminders(ctx, finished, now); err != nil {
		return nil, fmt.Errorf("finish reminders: %w", err)
	}
	return out, nil
}

// remindBatch is what the reminders of one batch share: the rules, and
// the zones met so far by name.
type remindBatch struct {
	core    *Core
	catalog *flows.Catalog
	ctx     context.Context
	tx      Tx
	now     time.Time
	zones   map[string]*time.Location
}

// zone is a seller's time zone, looked up once per batch and name.
func (b *remindBatch) zone(s Seller) *time.Location {
	loc, ok := b.zones[s.TZ]
	if !ok {
		loc = b.core.Zone(s)
		b.zones[s.TZ] = loc
	}
	return loc
}

// remind decides one due reminder: how it is finished and with which
// message, or that it moved past the quiet hours (done here: moves are
// few, the bot was stopped or the seller changed zone).
func (b *remindBatch) remind(d DueReminder) (FinishedReminder, RemindOutcome, error) {
	c, now := b.core, b.now
	f := FinishedReminder{Reminder: d.Reminder}
	loc := b.zone(d.Seller)
	drop := func(why ReminderOutcome) (FinishedReminder, RemindOutcome, error) {
		f.Outcome = why
		return f, RemindDropped, nil
	}
	// What is dropped whatever the hour is dropped first: after a stop,
	// a reminder that would only be moved past the quiet hours to be
	// dropped then is not written twice.
	m, ok := b.catalog.Market(d.Market)
	if !ok || !stillApplies(m, d, now) {
		return drop(ReminderCancelled)
	}
	// After a stop, only the latest of a date's reminders that fell due
	// is sent; a nudge is worth sending only near its time.
	var kinds []ReminderKind
	switch d.Kind.Topic() {
	case TopicExpiry:
		kinds = ExpiryKinds
	case TopicRules:
		kinds = RuleKinds
	default:
		kinds = StallKinds
		if due, _ := c.reminding.Due(d.Kind, d.Target, loc); now.Sub(due) > StallGrace {
			return drop(ReminderSkipped)
		}
	}
	for _, later := range kinds[slices.Index(kinds, d.Kind)+1:] {
		if due, ok := c.reminding.Due(later, d.Target, loc); ok && !due.After(now) {
			return drop(ReminderSkipped)
		}
	}
	// A seller who turned these off gets none; an expiry still reopens
	// its item, below, at its time.
	off := d.Seller.RemindersOff&d.Kind.Topic() != 0
	if off && d.Kind != RemindExpired {
		return drop(ReminderSkipped)
	}
	if c.reminding.Quiet.Within(now.In(loc)) {
		if err := b.tx.MoveReminder(b.ctx, d.Reminder, c.reminding.Quiet.Next(now.In(loc)).UTC()); err != nil {
			return f, 0, fmt.Errorf("move reminder: %w", err)
		}
		return f, RemindMoved, nil
	}
	seller := d.Seller
	cv := &Conversation{core: c, catalog: b.catalog, ctx: b.ctx, tx: b.tx, seller: &seller, now: now}
	if d.Kind == RemindExpired {
		if ok, err := cv.reopen(m, d); err != nil || !ok {
			if err != nil {
				return f, 0, err
			}
			return drop(ReminderCancelled)
		}
	}
	if off {
		return drop(ReminderSkipped)
	}
	switch d.Kind.Topic() {
	case TopicNudges:
		cv.nudge(m, d.Question, d.Kind == RemindStall14)
	case TopicRules:
		it, _ := m.Item(d.Item)
		cv.ruleReminder(m, it, d.Target)
	default:
		it, _ := m.Item(d.Item)
		cv.expiryReminder(m, it, flows.ItemState{Status: flows.ItemDone, Number: d.Row.Number, Expiry: d.Row.Expiry}, d.Kind)
	}
	r := cv.replies()[0]
	r.Platform, r.ChatID, r.SellerID, r.Kind = seller.Platform, seller.ChatID, seller.ID, KindAnnouncement
	if seller.Unreachable || seller.ChatID == "" {
		r.Undeliverable = "unreachable"
	}
	f.Outcome, f.Message = ReminderSent, &r
	return f, RemindQueued, nil
}

// stillApplies says whether a due reminder still applies to where the
// seller stands: the stall is the same one (no answer since, a question
// open), the rule's item is on their checklist, open and not in force
// yet, the certificate is the one recorded (done with that date; from its
// date on, its row may say it is open again).
func stillApplies(m *flows.Market, d DueReminder, now time.Time) bool {
	switch d.Kind.Topic() {
	case TopicNudges:
		at, err := time.Parse(time.RFC3339Nano, d.Target)
		_, asked := m.Question(d.Question)
		return err == nil && asked && d.LastActivity.Equal(at)
	case TopicRules:
		it, ok := m.Item(d.Item)
		return ok && d.Row.Item == d.Item && d.Row.Status == flows.ItemTodo && it.Effective == d.Target && it.Upcoming(now)
	}
	_, ok := m.Item(d.Item)
	done := d.Row.Status == flows.ItemDone || (d.Kind == RemindExpired && d.Row.Status == flows.ItemTodo)
	return ok && d.Row.Item == d.Item && d.Row.Expiry == d.Target && done
}

// reopen records that a certificate expired: its item is open again in
// the seller's projection (the checklist shows it so from its date) and
// history. Last activity stays the seller's own. The row d came with
// says where the item stands (DueReminders read it in this
// transaction): done with that date, it is reopened; already open (the
// seller's own message re-projected it on the day), only the history
// says so. It reports false when it is neither (a clock moved back: not
// expired after all).
func (cv *Conversation) reopen(m *flows.Market, d DueReminder) (bool, error) {
	if !flows.Expired(d.Target, cv.now) {
		return false, nil
	}
	if d.Row.Status == flows.ItemDone {
		ok, err := cv.tx.ExpireItem(cv.ctx, d.SellerID, d.Market, d.Row)
		if err != nil || !ok {
			return false, err
		}
	}
	if err := cv.history(m.ID, ActionExpired, d.Item, d.Target); err != nil {
		return false, err
	}
	return true, nil
}

// expiryReminder tells a seller their certificate expires soon, or today.
func (cv *Conversation) expiryReminder(m *flows.Market, it *flows.Item, st flows.ItemState, kind ReminderKind) {
	lang := cv.lang()
	title := flows.Textf(flows.Text{ZH: "%s（%s）", EN: "%s (%s)"}, it.Title, m.Name).In(lang)
	if st.Number != "" {
		title += flows.Textf(flows.Text{ZH: "，编号 %s", EN: ", no. %s"}, st.Number).In(lang)
	}
	days := daysUntil(st.Expiry, cv.now, cv.zone())
	switch {
	case kind == RemindExpired && days == 0:
		cv.head(flows.Text{ZH: "⚠️ 证书今天到期", EN: "⚠️ A certificate expires today"}.In(lang))
		cv.sayf("%s：有效期到今天（%s）为止，这一项已改回待办。", "%s: it expires today (%s), so the item is open again.", title, st.Expiry)
	case kind == RemindExpired:
		cv.head(flows.Text{ZH: "⚠️ 证书已经到期", EN: "⚠️ A certificate has expired"}.In(lang))
		cv.sayf("%s：有效期到 %s 为止，这一项已改回待办。", "%s: it expired on %s, so the item is open again.", title, st.Expiry)
	default:
		cv.head(flows.Text{ZH: "⏰ 证书即将到期", EN: "⏰ A certificate expires soon"}.In(lang))
		cv.sayf("%[1]s：还有 %[2]d 天到期（%[4]s）。", "%[1]s: expires in %[2]d %[3]s (%[4]s).", title, days, daysWord(days), st.Expiry)
	}
	ref := m.ID + ":" + it.ID
	renewed, _ := flows.ParseDate(st.Expiry)
	cv.sayf("续期后记录新的有效期：done %s 编号 %s", "Once renewed, record the new expiry: done %s NUMBER %s", ref,
		renewed.AddDate(1, 0, 0).Format(flows.DateLayout))
	cv.note(flows.Text{ZH: "不想收到证书到期提醒：/reminders off expiry", EN: "To stop certificate reminders: /reminders off expiry"}.In(lang))
	cv.offer(flows.Text{ZH: "📄 查看这一项", EN: "📄 This item"}, "why "+ref, m, "")
	cv.offer(flows.Text{ZH: "📋 查看清单", EN: "📋 Checklist"}, "checklist "+m.ID, m, "")
}

// ruleReminder tells a seller a rule on their checklist takes effect soon.
func (cv *Conversation) ruleReminder(m *flows.Market, it *flows.Item, effective string) {
	lang := cv.lang()
	days := daysUntil(effective, cv.now, cv.zone())
	cv.head(flows.Text{ZH: "📅 新规即将生效", EN: "📅 A rule takes effect soon"}.In(lang))
	cv.sayf("%[1]s（%[2]s）：%[3]s 起生效，还有 %[4]d 天。", "%[1]s (%[2]s): in force from %[3]s, in %[4]d %[5]s.", it.Title, m.Name, effective, days, daysWord(days))
	cv.text(shorten(it.Detail.In(lang), 300))
	cv.note(cv.source(it.Sourced) + "\n" + flows.Text{ZH: "不想收到新规提醒：/reminders off rules", EN: "To stop reminders of new rules: /reminders off rules"}.In(lang))
	ref := m.ID + ":" + it.ID
	cv.offer(flows.Text{ZH: "📄 查看这一项", EN: "📄 This item"}, "why "+ref, m, "")
	cv.offer(flows.Text{ZH: "📋 查看清单", EN: "📋 Checklist"}, "checklist "+m.ID, m, "")
}

// nudge reminds a seller of the question they stopped at, with a button
// to go on.
func (cv *Conversation) nudge(m *flows.Market, question string, last bool) {
	lang := cv.lang()
	q, _ := m.Question(question)
	cv.head(flows.Textf(flows.Text{ZH: "👋 %s 的入驻还没完成", EN: "👋 Your %s onboarding is waiting"}, m.Name).In(lang))
	cv.sayf("你停在这一题：%s", "You stopped at this question: %s", flows.Text{ZH: shorten(q.Text.ZH, 200), EN: shorten(q.Text.EN, 200)})
	cv.sayf("进度都保存着，点下面的按钮接着答。", "Everything so far is saved: press the button to go on where you left off.")
	if last {
		cv.note(flows.Text{ZH: "这是关于它的最后一次提醒。", EN: "This is the last reminder about it."}.In(lang))
	}
	cv.note(flows.Text{ZH: "不想再收到这类提醒：/reminders off", EN: "To stop these reminders: /reminders off"}.In(lang))
	cv.offer(flows.Textf(flows.Text{ZH: "▶️ 继续 %s", EN: "▶️ Continue %s"}, m.Name), "onboard "+m.ID, m, "")
}

// topicNames are the words that name a kind of reminder after /reminders
// on or off.
var topicNames = map[string]Topic{
	"nudges": TopicNudges, "nudge": TopicNudges, "催办": TopicNudges, "继续": TopicNudges,
	"rules": TopicRules, "rule": TopicRules, "新规": TopicRules, "规则": TopicRules,
	"expiry": TopicExpiry, "certificates": TopicExpiry, "证书": TopicExpiry, "到期": TopicExpiry,
	"all": TopicAll, "全部": TopicAll, "所有": TopicAll,
}

// topicText names each kind of reminder a seller turns on or off.
var topicText = []struct {
	topic Topic
	word  string
	name  flows.Text
}{
	{TopicNudges, "nudges", flows.Text{ZH: "继续入驻提醒", EN: "onboarding nudges"}},
	{TopicRules, "rules", flows.Text{ZH: "新规生效提醒", EN: "new-rule reminders"}},
	{TopicExpiry, "expiry", flows.Text{ZH: "证书到期提醒", EN: "expiry reminders"}},
}

// remindersCmd lists what is planned for the seller, each with its local
// date, and turns kinds of reminder on or off: "off" alone stops the
// nudges; a certificate's reminders stop only when named.
func (cv *Conversation) remindersCmd(args []string) error {
	if len(args) == 0 {
		return cv.listReminders()
	}
	var on bool
	switch strings.ToLower(args[0]) {
	case "on", "开", "开启", "打开":
		on = true
	case "off", "关", "关闭", "关掉":
	default:
		cv.sayf("用法：/reminders 查看提醒；/reminders off 不再提醒继续入驻；/reminders off rules、/reminders off expiry、/reminders off all；打开用 on。",
			"Usage: /reminders lists your reminders; /reminders off stops the nudges to continue; /reminders off rules, /reminders off expiry, /reminders off all; on turns them back on.")
		return nil
	}
	topic := TopicNudges
	if len(args) > 1 {
		t, ok := topicNames[strings.ToLower(args[1])]
		if !ok {
			cv.sayf("没有这类提醒：%s。可以写 nudges（继续入驻）、rules（新规）、expiry（证书到期）或 all。",
				"There is no such kind of reminder: %q. Write nudges, rules, expiry or all.", args[1])
			return nil
		}
		topic = t
	}
	if on {
		cv.seller.RemindersOff &^= topic
	} else {
		cv.seller.RemindersOff |= topic
	}
	var zh, en []string
	for _, t := range topicText {
		if topic&t.topic != 0 {
			zh, en = append(zh, t.name.ZH), append(en, t.name.EN)
		}
	}
	joined := flows.Text{ZH: strings.Join(zh, "、"), EN: strings.Join(en, ", ")}
	if on {
		cv.sayf("🔔 已打开：%s。", "🔔 On: %s.", joined)
	} else {
		cv.sayf("🔕 已关闭：%s。", "🔕 Off: %s.", joined)
		if topic&TopicExpiry == 0 && cv.seller.RemindersOff&TopicExpiry == 0 {
			cv.sayf("证书到期提醒照常（关闭：/reminders off expiry）。", "Certificate reminders stay on (to stop them: /reminders off expiry).")
		}
	}
	cv.topicSettings()
	return nil
}

// topicSettings says which kinds of reminder are on, with a button to
// turn each the other way.
func (cv *Conversation) topicSettings() {
	var parts []string
	for _, t := range topicText {
		state, cmd, label := flows.Text{ZH: "开", EN: "on"}, "reminders off "+t.word, flows.Textf(flows.Text{ZH: "🔕 关闭%s", EN: "🔕 Stop %s"}, t.name)
		if cv.seller.RemindersOff&t.topic != 0 {
			state, cmd, label = flows.Text{ZH: "关", EN: "off"}, "reminders on "+t.word, flows.Textf(flows.Text{ZH: "🔔 打开%s", EN: "🔔 Start %s"}, t.name)
		}
		parts = append(parts, flows.Textf(flows.Text{ZH: "%s：%s", EN: "%s: %s"}, t.name, state).In(cv.lang()))
		cv.offer(label, cmd, nil, "")
	}
	cv.note(strings.Join(parts, flows.Text{ZH: " · ", EN: " · "}.In(cv.lang())))
}

// maxListed is how many planned reminders /reminders shows.
const maxListed = 15

// listReminders shows the seller's planned reminders, soonest first, in
// their zone, and the kinds turned on and off.
func (cv *Conversation) listReminders() error {
	planned, err := cv.tx.SellerReminders(cv.ctx, cv.seller.ID)
	if err != nil {
		return fmt.Errorf("list reminders: %w", err)
	}
	lang, loc := cv.lang(), cv.zone()
	markets := map[string]bool{}
	for _, r := range planned {
		markets[r.Market] = true
	}
	var lines []string
	for _, r := range planned {
		if cv.seller.RemindersOff&r.Kind.Topic() != 0 {
			continue
		}
		lines = append(lines, r.Due.In(loc).Format("2006-01-02 15:04")+"  "+cv.reminderName(r, len(markets) > 1).In(lang))
	}
	quiet := flows.Textf(flows.Text{ZH: "，%s 不发送", EN: "; nothing is sent %s"}, cv.core.reminding.Quiet.String())
	if !cv.core.reminding.Quiet.On {
		quiet = flows.Text{}
	}
	cv.head(flows.Text{ZH: "⏰ 你的提醒", EN: "⏰ Your reminders"}.In(lang))
	switch {
	case len(lines) == 0:
		cv.sayf("现在没有安排提醒。记录证书有效期（done 编号 有效期）后，到期前会提醒你。",
			"Nothing is planned. Record a certificate's expiry (done ITEM NUMBER DATE) and you will be reminded before it expires.")
	case len(lines) > maxListed:
		rest := len(lines) - maxListed
		lines = append(lines[:maxListed], flows.Textf(flows.Text{ZH: "……还有 %d 条", EN: "... and %d more"}, rest).In(lang))
		fallthrough
	default:
		cv.text(strings.Join(lines, "\n"))
	}
	cv.sayf("时间按 %s（改时区：/tz 地区/城市）%s。", "Times are in %s (to change it: /tz Area/City)%s.", loc.String(), quiet)
	cv.topicSettings()
	return nil
}

// reminderName says what a planned reminder is about; withMarket names
// the item's market too (the seller has reminders in several: a business
// licence may be on more than one checklist).
func (cv *Conversation) reminderName(r Reminder, withMarket bool) flows.Text {
	market := flows.Text{ZH: r.Market, EN: r.Market}
	item := flows.Text{ZH: r.Item, EN: r.Item}
	if m, ok := cv.catalog.Market(r.Market); ok {
		market = m.Name
		if it, ok := m.Item(r.Item); ok {
			item = it.Title
		}
	}
	if withMarket {
		item = flows.Textf(flows.Text{ZH: "%s · %s", EN: "%s · %s"}, market, item)
	}
	switch {
	case r.Kind == RemindExpired:
		return flows.Textf(flows.Text{ZH: "%s 到期当天（%s）", EN: "%s: the day it expires (%s)"}, item, r.Target)
	case r.Kind == RemindExpiry1:
		return flows.Textf(flows.Text{ZH: "%s 到期前 1 天（%s）", EN: "%s: the day before it expires (%s)"}, item, r.Target)
	case r.Kind.Topic() == TopicExpiry:
		return flows.Textf(flows.Text{ZH: "%s 到期前 %d 天（%s）", EN: "%s: %d days before it expires (%s)"}, item, r.Kind.Days(), r.Target)
	case r.Kind.Topic() == TopicRules:
		return flows.Textf(flows.Text{ZH: "%s 生效前 %d 天（%s）", EN: "%s: %d days before it takes effect (%s)"}, item, r.Kind.Days(), r.Target)
	}
	return flows.Textf(flows.Text{ZH: "提醒继续 %s 的入驻", EN: "a nudge to continue %s"}, market)
}

// tzCmd shows or sets the seller's time zone; setting it moves their
// planned reminders to the new zone's hours.
func (cv *Conversation) tzCmd(args []string) error {
	loc := cv.zone()
	if len(args) == 0 {
		how := flows.Text{ZH: "默认", EN: "the default"}
		switch {
		case cv.seller.TZSet:
			how = flows.Text{ZH: "你设置的", EN: "set by you"}
		case cv.seller.TZ != "":
			how = flows.Text{ZH: "来自平台", EN: "from the platform"}
		}
		cv.sayf("你的时区：%s（%s），现在当地时间 %s。改时区：/tz 地区/城市，例如 /tz Europe/London。",
			"Your time zone: %s (%s); it is %s there now. To change it: /tz Area/City, for example /tz Europe/London.",
			loc.String(), how, cv.now.In(loc).Format("15:04"))
		return nil
	}
	name, err := zoneName(args[0])
	if err != nil {
		cv.sayf("不认识这个时区：%s。请写 地区/城市，例如 Asia/Shanghai、Europe/London、America/New_York。",
			"I do not know the time zone %q. Write it as Area/City, for example Asia/Shanghai, Europe/London, America/New_York.", args[0])
		return nil
	}
	cv.seller.TZ, cv.seller.TZSet = name, true
	loc = cv.zone()
	planned, err := cv.tx.SellerReminders(cv.ctx, cv.seller.ID)
	if err != nil {
		return fmt.Errorf("list reminders: %w", err)
	}
	moved := 0
	for _, r := range planned {
		due, ok := cv.core.reminding.Due(r.Kind, r.Target, loc)
		if !ok || due.Equal(r.Due) || (r.Due.Before(cv.now) && due.Before(cv.now)) {
			continue
		}
		if err := cv.tx.MoveReminder(cv.ctx, r, due); err != nil {
			return fmt.Errorf("move reminder: %w", err)
		}
		moved++
	}
	if moved > 0 {
		cv.planned = true
	}
	cv.sayf("🕘 时区改为 %s，现在当地时间 %s。提醒按这个时区发送。", "🕘 Your time zone is now %s; it is %s there. Reminders follow it.",
		name, cv.now.In(loc).Format("15:04"))
	return nil
}

// zoneName finds a zone as typed: "Europe/London", or in other case
// ("europe/london", "america/new_york").
func zoneName(typed string) (string, error) {
	if _, err := LoadZone(typed); err == nil {
		return typed, nil
	}
	parts := strings.Split(typed, "/")
	for i, p := range parts {
		words := strings.Split(strings.ToLower(p), "_")
		for j, w := range words {
			if w != "" {
				words[j] = strings.ToUpper(w[:1]) + w[1:]
			}
		}
		parts[i] = strings.Join(words, "_")
	}
	name := strings.Join(parts, "/")
	_, err := LoadZone(name)
	return name, err
}
