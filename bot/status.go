package bot

// What a seller has done so far: /status and /history, read from the
// store's read side.

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/onboardbot/onboardbot/flows"
)

func (cv *Conversation) status(args []string) error {
	all, err := cv.core.store.Onboardings(cv.ctx, cv.seller.ID)
	if err != nil {
		return fmt.Errorf("list onboardings: %w", err)
	}
	if len(all) == 0 {
		cv.sayf("你还没有开始任何市场的入驻。", "You have not started onboarding any market yet.")
		cv.marketList()
		return nil
	}
	lang := cv.lang()
	var b strings.Builder
	b.WriteString(flows.Text{ZH: "你的入驻进度：", EN: "Your markets:"}.In(lang))
	for _, o := range all {
		m, ok := cv.catalog.Market(o.Market)
		if !ok {
			fmt.Fprintf(&b, "\n  %s%s%s", o.Market, flows.Text{ZH: "：", EN: ": "}.In(lang), flows.Text{ZH: "这个市场已下线", EN: "no longer offered"}.In(lang))
			continue
		}
		step := flows.Current(m, o.State, cv.now)
		marker := "  "
		if o.Market == cv.seller.Market {
			marker = "▶ "
		}
		fmt.Fprintf(&b, "\n%s%s (%s): %s", marker, m.Name.In(lang), m.ID, step.Stage.Name().In(lang))
		switch {
		case step.Question != nil:
			fmt.Fprint(&b, flows.Textf(flows.Text{ZH: "，第 %d 题", EN: ", question %d"}, step.Asked+1).In(lang))
		case step.Verdict == nil:
			done, na, total := counts(flows.Checklist(m, o.State, cv.now))
			fmt.Fprint(&b, flows.Textf(flows.Text{ZH: "，清单已完成 %d/%d 项", EN: ", %d of %d done"}, done, total).In(lang))
			if na > 0 {
				fmt.Fprint(&b, flows.Textf(flows.Text{ZH: "（%d 项不适用）", EN: " (%d not applicable)"}, na).In(lang))
			}
		}
		if n := len(step.Warnings); n > 0 {
			fmt.Fprint(&b, flows.Textf(flows.Text{ZH: "，⚠️ %[1]d 条提醒", EN: ", ⚠️ %[1]d %[2]s"}, n, flows.Text{EN: Plural(n, "warning", "warnings")}).In(lang))
		}
		for _, e := range flows.Checklist(m, o.State, cv.now) {
			if soon := cv.expiringIn(e); soon != "" {
				fmt.Fprintf(&b, "\n    %s %s", shorten(e.Item.Title.In(lang), 24), soon)
			}
		}
	}
	cv.text(b.String())
	cv.sayf("继续某个市场：/onboard <市场编号>；查看清单：/checklist", "Continue a market: /onboard <market id>; see the checklist: /checklist")
	return nil
}

// warningsCmd shows the warnings a seller's answers collected in a
// market, each with the rule's source.
func (cv *Conversation) warningsCmd(args []string) error {
	m, o, err := cv.namedOnboarding(args, "/warnings tiktok-uk")
	if m == nil || err != nil {
		return err
	}
	if o == nil {
		cv.sayf("你还没有开始 %s 的入驻。", "You have not started %s yet.", m.Name)
		return nil
	}
	step := flows.Current(m, o.State, cv.now)
	if len(step.Warnings) == 0 {
		cv.sayf("%s：你的回答没有需要注意的地方。", "%s: nothing in your answers needs attention.", m.Name)
	} else {
		cv.head(flows.Textf(flows.Text{ZH: "⚠️ %s：需要注意", EN: "⚠️ %s: to keep in mind"}, m.Name).In(cv.lang()))
		for _, w := range step.Warnings {
			cv.say(w.Reason)
			cv.note(cv.source(w.Question.Sourced))
		}
	}
	cv.offer(flows.Text{ZH: "📋 查看清单", EN: "📋 Checklist"}, "checklist "+m.ID, m, "")
	return nil
}

// HistoryPageSize is how many entries /history shows at a time, the
// latest first: a history grows with every answer and is never pruned.
const HistoryPageSize = 20

// historyValueRunes bounds how much of one recorded value /history shows,
// so that a page stays one message whatever was typed.
const historyValueRunes = 200

// historyScope is what a /history shows: a market's entries, or those of
// the company's accounts and team (stored without a market).
type historyScope struct {
	market string     // as the store keeps it: "" for accounts and team
	arg    string     // as /history is given it again
	name   flows.Text // as the heading names it
	m      *flows.Market
}

// accountHistoryWords name the company's accounts and team to /history.
var accountHistoryWords = []string{"account", "accounts", "team", "账号", "团队"}

func (cv *Conversation) historyScope(rest []string) *historyScope {
	if len(rest) == 1 && slices.Contains(accountHistoryWords, strings.ToLower(rest[0])) {
		return &historyScope{arg: "account", name: flows.Text{ZH: "账号和团队", EN: "your accounts and team"}}
	}
	m := cv.marketArg(rest, "/history tiktok-uk")
	if m == nil {
		return nil
	}
	return &historyScope{market: m.ID, arg: m.ID, name: m.Name, m: m}
}

func (cv *Conversation) historyCmd(args []string) error {
	page, rest, ok := historyPage(args)
	if !ok {
		cv.sayf("用法：/history [市场编号] [页码]，例如 /history tiktok-uk 2（第 2 页是更早的 %d 条；也可以写「更多」）。账号和团队的记录：/history account",
			"Usage: /history [market] [page], for example /history tiktok-uk 2 (page 2 is the %d before the latest; \"more\" works too). Your accounts and team: /history account", HistoryPageSize)
		return nil
	}
	sc := cv.historyScope(rest)
	if sc == nil {
		return nil
	}
	hs, total, err := cv.core.store.History(cv.ctx, cv.seller.ID, sc.market, (page-1)*HistoryPageSize, HistoryPageSize)
	if err != nil {
		return fmt.Errorf("load history: %w", err)
	}
	if total == 0 {
		cv.sayf("%s 还没有记录。", "Nothing recorded for %s yet.", sc.name)
		return nil
	}
	pages := (total + HistoryPageSize - 1) / HistoryPageSize
	switch {
	case len(hs) == 0 && pages == 1:
		cv.sayf("%s 的记录只有一页：/history %s", "Your whole history for %s fits on one page: /history %s", sc.name, sc.arg)
		return nil
	case len(hs) == 0:
		cv.sayf("%s 的记录只有 %d 页。最早的一页：/history %s %d", "Your history for %s has %d pages. The earliest: /history %s %d", sc.name, pages, sc.arg, pages)
		return nil
	}
	lang := cv.lang()
	var b strings.Builder
	if pages == 1 {
		b.WriteString(flows.Textf(flows.Text{ZH: "%s 的记录（时间按 %s）：", EN: "Your history for %s (times in %s):"}, sc.name, cv.zone().String()).In(lang))
	} else {
		last := total - (page-1)*HistoryPageSize
		b.WriteString(flows.Textf(flows.Text{ZH: "%s 的记录（时间按 %s），第 %d-%d 条，共 %d 条：", EN: "Your history for %s (times in %s), entries %d-%d of %d:"},
			sc.name, cv.zone().String(), last-len(hs)+1, last, total).In(lang))
	}
	for _, h := range hs {
		fmt.Fprintf(&b, "\n%s  ", cv.localTime(h.At))
		b.WriteString(historyLine(sc.m, h, lang))
		if cv.showsBy(h) {
			b.WriteString(" · " + h.By)
		}
	}
	cv.text(b.String())
	if page < pages {
		cv.sayf("更早的 %d 条：/history %s %d（也可以输入：记录 %s %d）", "The %d before these: /history %s %d (or type: history %s %d)",
			min(HistoryPageSize, total-page*HistoryPageSize), sc.arg, page+1, sc.arg, page+1)
	}
	if page > 1 {
		cv.sayf("最新的记录：/history %s", "The latest: /history %s", sc.arg)
	}
	return nil
}

// showsBy says whether /history names the member who wrote h: in a team,
// always; alone, only someone else's (a member since removed, or an account
// since linked).
func (cv *Conversation) showsBy(h HistoryEntry) bool {
	if h.By == "" || cv.who == nil || h.Action == ActionLink && h.Question == h.By { // "李雷 joined the team" says who
		return false
	}
	return cv.who.Members > 1 || h.By != memberName(cv.who.Member)
}

// historyLine is one history entry as the seller reads it (m is nil for
// the entries of accounts and team, which have no market).
func historyLine(m *flows.Market, h HistoryEntry, lang flows.Lang) string {
	switch h.Action {
	case ActionStart:
		return flows.Textf(flows.Text{ZH: "开始（规则版本 %s）", EN: "started (rules version %s)"}, h.Value).In(lang)
	case ActionRestart:
		return flows.Textf(flows.Text{ZH: "重新开始（规则版本 %s）", EN: "started over (rules version %s)"}, h.Value).In(lang)
	case ActionRules:
		return flows.Textf(flows.Text{ZH: "规则更新到 %s 版", EN: "rules updated to version %s"}, h.Value).In(lang)
	case ActionLink:
		return LinkLine(h, lang)
	}
	if m == nil {
		return string(h.Action) + " " + h.Question
	}
	switch h.Action {
	case ActionBack:
		return flows.Textf(flows.Text{ZH: "撤回了“%s”的回答", EN: "took back the answer to “%s”"}, questionName(m, h.Question, lang)).In(lang)
	case ActionAnswer:
		return fmt.Sprintf("%s → %s", questionName(m, h.Question, lang), clip(answerLabel(m, h.Question, h.Value, lang), historyValueRunes))
	case ActionMark:
		return itemName(m, h.Question, lang) + flows.Text{ZH: "：", EN: ": "}.In(lang) + clip(markValue(h.Value, lang), historyValueRunes)
	case ActionExpired:
		return itemName(m, h.Question, lang) + flows.Text{ZH: "：", EN: ": "}.In(lang) +
			flows.Textf(flows.Text{ZH: "证书到期（%s），改回待办", EN: "certificate expired (%s), open again"}, h.Value).In(lang)
	}
	return ""
}

// actionNames are the history's actions as a table's column reads them.
var actionNames = map[Action]flows.Text{
	ActionStart:   {ZH: "开始", EN: "started"},
	ActionAnswer:  {ZH: "回答", EN: "answered"},
	ActionBack:    {ZH: "撤回", EN: "took back"},
	ActionRestart: {ZH: "重新开始", EN: "started over"},
	ActionMark:    {ZH: "标记", EN: "marked"},
	ActionRules:   {ZH: "规则更新", EN: "rules updated"},
	ActionExpired: {ZH: "证书到期", EN: "expired"},
	ActionLink:    {ZH: "账号和团队", EN: "accounts and team"},
}

// HistoryCells is one history entry as a table's cells (the admin's
// seller page): the action, the question or item it is about, and the
// value, each in lang, with choices by their labels and marks in words
// (the history stores ids, and a mark's value in English). m is nil for
// the entries of accounts and team, or a market the rules no longer have:
// its ids are shown as stored.
func HistoryCells(m *flows.Market, h HistoryEntry, lang flows.Lang) (action, what, value string) {
	action = string(h.Action)
	if name, ok := actionNames[h.Action]; ok {
		action = name.In(lang)
	}
	switch h.Action {
	case ActionLink: // its value may be a whole progress set aside
		return action, LinkLine(h, lang), ""
	case ActionStart, ActionRestart, ActionRules:
		return action, "", h.Value
	}
	what, value = h.Question, h.Value
	if m == nil {
		return action, what, value
	}
	if q, ok := m.Question(h.Question); ok {
		what = q.Text.In(lang)
	} else if it, ok := m.Item(h.Question); ok {
		what = it.Title.In(lang)
	}
	switch h.Action {
	case ActionAnswer:
		value = answerLabel(m, h.Question, h.Value, lang)
	case ActionMark:
		value = markValue(h.Value, lang)
	}
	return action, what, value
}

// historyPage takes the page out of /history's arguments: a number
// (1 is the latest entries, 2 the ones before them...) or "more" / "更多"
// (page 2), in any position. It returns the other arguments, and false
// when the arguments make no sense.
func historyPage(args []string) (page int, rest []string, ok bool) {
	page = 1
	seen := false
	for _, a := range args {
		n, isNumber := pageNumber(a)
		switch {
		case seen && (isNumber || isMore(a)):
			return 0, nil, false
		case isMore(a):
			page, seen = 2, true
		case isNumber:
			if n < 1 {
				return 0, nil, false
			}
			page, seen = n, true
		default:
			rest = append(rest, a)
		}
	}
	return page, rest, len(rest) <= 1
}

// maxHistoryPage bounds a typed page number, so the offset it asks the
// store for cannot overflow.
const maxHistoryPage = 1 << 20

// pageNumber reads a page number in ASCII or full-width digits (a Chinese
// input method types the latter). Any run of digits is a number; a huge
// one is read as the largest page.
func pageNumber(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			n = min(n*10+int(r-'0'), maxHistoryPage)
		case r >= '０' && r <= '９':
			n = min(n*10+int(r-'０'), maxHistoryPage)
		default:
			return 0, false
		}
	}
	return n, true
}

func isMore(s string) bool { return strings.EqualFold(s, "more") || s == "更多" }

// clip shortens s to at most n runes, marking the cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// chinaTime is the time Chinese sellers read (China keeps no daylight
// saving, so a fixed zone is exact and needs no time zone database).
var chinaTime = time.FixedZone("CST", 8*3600)

// questionName is a question as a seller recognises it: its text,
// shortened, in their language; the id when it is no longer asked.
func questionName(m *flows.Market, id string, lang flows.Lang) string {
	if q, ok := m.Question(id); ok {
		return shorten(q.Text.In(lang), 28)
	}
	return id
}

// itemName is a checklist item's title, shortened, or its id when the
// rules no longer have it.
func itemName(m *flows.Market, id string, lang flows.Lang) string {
	if it, ok := m.Item(id); ok {
		return shorten(it.Title.In(lang), 28)
	}
	return id
}

// markValue reads a recorded mark ("done no. X, expires 2027-06-30", as
// the history stores it) in the seller's language.
func markValue(v string, lang flows.Lang) string {
	status, rest, _ := strings.Cut(v, " ")
	if lang != flows.ZH {
		switch flows.ItemStatus(status) {
		case flows.ItemNA:
			return strings.TrimSpace("not applicable " + rest)
		case flows.ItemTodo:
			return strings.TrimSpace("to do " + rest)
		}
		return v
	}
	switch flows.ItemStatus(status) {
	case flows.ItemDone:
		status = "已完成"
	case flows.ItemNA:
		status = "不适用"
	case flows.ItemTodo:
		status = "待办"
	}
	rest = strings.NewReplacer("no. ", "编号 ", ", expires ", "，有效期至 ", "expires ", "有效期至 ").Replace(rest)
	if rest == "" {
		return status
	}
	return status + "（" + rest + "）"
}

// Plural is the English noun for n of it (Chinese has no plural: its
// texts take their arguments by index and leave the noun out).
func Plural(n int, one, more string) string {
	if n == 1 {
		return one
	}
	return more
}

// daysWord is "day" or "days" for n, in English.
func daysWord(n int) flows.Text { return flows.Text{EN: Plural(n, "day", "days")} }
