package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/flows"
)

// builder makes a page's view; limit bounds its long lists (more for a CSV
// download than on the page). A *badParam error is a query parameter out
// of range, answered with 400.
type builder func(r *request, limit int) (view, error)

// badParam is a query parameter out of range.
type badParam struct{ msg flows.Text }

func (e *badParam) Error() string { return e.msg.EN }

func bad(zh, en string, args ...any) error {
	return &badParam{flows.Textf(flows.Text{ZH: zh, EN: en}, args...)}
}

// How many rows a list shows on a page, and at most in a CSV download.
const (
	pageRows = 200
	csvRows  = 100_000
)

// page serves a builder as HTML, or one of its tables as CSV (?csv=ID).
func (s *Server) page(build builder) authedFunc {
	return func(w http.ResponseWriter, r *request) {
		want := r.URL.Query().Get("csv")
		limit := pageRows
		if want != "" {
			limit = csvRows
		}
		v, err := build(r, limit)
		var bp *badParam
		if errors.As(err, &bp) {
			s.badRequest(w, r.lang, bp.msg)
			return
		}
		if errors.Is(err, bot.ErrNotFound) {
			s.message(w, r.lang, http.StatusNotFound, flows.Text{ZH: "没有找到。", EN: "Not found."})
			return
		}
		if err != nil {
			s.fail(w, r.lang, "page "+r.URL.Path, err)
			return
		}
		if want != "" {
			for _, t := range v.Tables {
				if t.ID == want {
					writeCSV(w, t)
					return
				}
			}
			s.badRequest(w, r.lang, flows.Text{ZH: "没有这个表格。", EN: "No such table."})
			return
		}
		q := r.URL.Query()
		q.Del("lang")
		q.Del("nudged")
		v.Lang, v.Path, v.CSRF, v.Admin = r.lang, r.URL.Path, r.session.CSRF, r.session.Admin
		other := "zh"
		if r.lang == flows.ZH {
			other = "en"
		}
		v.LangLink = withQuery(r.URL.Path, q, "lang", other)
		for i := range v.Tables {
			v.Tables[i].Download = withQuery(r.URL.Path, q, "csv", v.Tables[i].ID)
		}
		s.render(w, http.StatusOK, v)
	}
}

// Query parameters, checked.

func (s *Server) marketParam(r *request) (string, error) {
	m := r.URL.Query().Get("market")
	if m == "" {
		return "", nil
	}
	if _, ok := s.cfg.Catalog().Market(m); !ok {
		return "", bad("没有这个市场：%s", "No such market: %s", m)
	}
	return m, nil
}

var platforms = []string{"telegram", "slack", "console"}

func platformParam(r *request) (string, error) {
	p := r.URL.Query().Get("platform")
	if p == "" {
		return "", nil
	}
	for _, known := range platforms {
		if p == known {
			return p, nil
		}
	}
	return "", bad("没有这个平台：%s", "No such platform: %s", p)
}

func dateParam(r *request, name string) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	d, err := time.Parse("2006-01-02", v)
	if err != nil || d.Year() < 2000 || d.Year() > 2100 {
		return time.Time{}, bad("日期格式应为 YYYY-MM-DD（2000 到 2100 年）：%s", "A date is YYYY-MM-DD, from 2000 to 2100: %s", v)
	}
	return d, nil
}

func intParam(r *request, name string, def, lo, hi int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, bad("%s 应在 %d 到 %d 之间", "%s must be a number from %d to %d", name, lo, hi)
	}
	return n, nil
}

func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, errors.New("not an id")
	}
	return id, nil
}

// safeQuery keeps the stuck list's own filters from a query string, so a
// nudge goes back to the list it came from and nowhere else.
func safeQuery(q string) string {
	in, _ := url.ParseQuery(q)
	out := url.Values{}
	for _, k := range []string{"days", "market", "platform"} {
		if v := in.Get(k); v != "" {
			out.Set(k, v)
		}
	}
	return out.Encode()
}

// Filters shared by pages.

func (s *Server) marketField(r *request, value string) field {
	f := field{Name: "market", Label: r.t("市场", "Market"), Type: "select", Value: value,
		Options: []option{{"", r.t("全部", "All")}}}
	for _, m := range s.cfg.Catalog().Markets() {
		f.Options = append(f.Options, option{m.ID, m.Name.In(r.lang)})
	}
	return f
}

func platformField(r *request, value string) field {
	f := field{Name: "platform", Label: r.t("平台", "Platform"), Type: "select", Value: value,
		Options: []option{{"", r.t("全部", "All")}}}
	for _, p := range platforms {
		f.Options = append(f.Options, option{p, strings.ToUpper(p[:1]) + p[1:]})
	}
	return f
}

// Names of what the store keeps by id.

func (s *Server) marketName(r *request, id string) string {
	if m, ok := s.cfg.Catalog().Market(id); ok {
		return m.Name.In(r.lang)
	}
	return id
}

func (s *Server) questionText(r *request, market, id string) (string, flows.Sourced) {
	if m, ok := s.cfg.Catalog().Market(market); ok {
		if q, ok := m.Question(id); ok {
			return q.Text.In(r.lang), q.Sourced
		}
	}
	return id, flows.Sourced{}
}

func (s *Server) itemTitle(r *request, market, id string) string {
	if m, ok := s.cfg.Catalog().Market(market); ok {
		if it, ok := m.Item(id); ok {
			return it.Title.In(r.lang)
		}
	}
	return id
}

// when shows a time: Beijing time in Chinese, UTC in English.
func when(r *request, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if r.lang == flows.ZH {
		return t.In(chinaTime).Format("2006-01-02 15:04")
	}
	return t.UTC().Format("2006-01-02 15:04") + " UTC"
}

var chinaTime = time.FixedZone("CST", 8*3600)

func sellerCell(sel bot.Seller) cell {
	return cell{Text: sel.Platform + ":" + sel.UserID, Link: fmt.Sprintf("/admin/seller/%d", sel.ID)}
}

// The pages.

// funnelPage: per market, sellers started → eligible → logistics done →
// checklist complete, as a chart and a table.
func (s *Server) funnelPage(r *request, _ int) (view, error) {
	market, err := s.marketParam(r)
	if err != nil {
		return view{}, err
	}
	platform, err := platformParam(r)
	if err != nil {
		return view{}, err
	}
	from, err := dateParam(r, "from")
	if err != nil {
		return view{}, err
	}
	to, err := dateParam(r, "to")
	if err != nil {
		return view{}, err
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		return view{}, bad("结束日期早于开始日期。", "The end date is before the start date.")
	}
	f := bot.FunnelFilter{Platform: platform, From: from}
	if !to.IsZero() {
		f.To = to.AddDate(0, 0, 1) // the end date is included
	}
	rows, err := s.cfg.Store.Funnel(r.Context(), f)
	if err != nil {
		return view{}, err
	}
	v := view{Title: r.t("入驻漏斗", "Onboarding funnel"), Filters: []field{
		s.marketField(r, market), platformField(r, platform),
		{Name: "from", Label: r.t("开始日期（起）", "Started from"), Type: "date", Value: r.URL.Query().Get("from")},
		{Name: "to", Label: r.t("开始日期（止）", "Started until"), Type: "date", Value: r.URL.Query().Get("to")},
	}}
	stages := []string{r.t("开始", "Started"), r.t("符合资质", "Eligible"), r.t("物流完成", "Logistics done"), r.t("清单完成", "Checklist complete")}
	t := table{ID: "funnel", Head: append(append([]string{r.t("市场", "Market"), "ID"}, stages...), r.t("未通过", "Stopped"))}
	var total bot.FunnelRow
	for _, row := range rows {
		if market != "" && row.Market != market {
			continue
		}
		total.Started += row.Started
		total.Eligible += row.Eligible
		total.Logistics += row.Logistics
		total.Complete += row.Complete
		total.Stopped += row.Stopped
		name := s.marketName(r, row.Market)
		v.Charts = append(v.Charts, funnelSVG(name, r.t("卖家数", "sellers"), []bar{
			{stages[0], row.Started}, {stages[1], row.Eligible}, {stages[2], row.Logistics}, {stages[3], row.Complete}}))
		t.Rows = append(t.Rows, []cell{text(name), text(row.Market), num(row.Started), num(row.Eligible), num(row.Logistics), num(row.Complete), num(row.Stopped)})
	}
	if len(t.Rows) > 1 {
		t.Rows = append(t.Rows, []cell{text(r.t("合计", "Total")), text(""), num(total.Started), num(total.Eligible), num(total.Logistics), num(total.Complete), num(total.Stopped)})
	}
	t.Note = r.t("每一列都包含之后各列的卖家；“未通过”是被某个回答挡住的卖家。", "Each column includes the sellers of the columns after it; Stopped counts the sellers an answer stopped.")
	v.Tables = []table{t}
	return v, nil
}

// stuckPage: sellers idle at the same question or stage for more than N
// days, with a nudge button.
func (s *Server) stuckPage(r *request, limit int) (view, error) {
	days, err := intParam(r, "days", 7, 1, 365)
	if err != nil {
		return view{}, err
	}
	market, err := s.marketParam(r)
	if err != nil {
		return view{}, err
	}
	platform, err := platformParam(r)
	if err != nil {
		return view{}, err
	}
	now := s.cfg.Now()
	rows, total, err := s.cfg.Store.Stuck(r.Context(), bot.StuckFilter{Market: market, Platform: platform, Before: now.Add(-time.Duration(days) * 24 * time.Hour), Limit: limit})
	if err != nil {
		return view{}, err
	}
	v := view{Title: r.t("停滞的卖家", "Stuck sellers"), Filters: []field{
		{Name: "days", Label: r.t("超过几天没有进展", "Idle for more than (days)"), Type: "number", Value: strconv.Itoa(days), Min: 1, Max: 365},
		s.marketField(r, market), platformField(r, platform),
	}}
	switch r.URL.Query().Get("nudged") {
	case "0":
		v.Notice = r.t("提醒已加入发送队列。", "The nudge is queued and will be sent shortly.")
	case "1":
		v.Notice = r.t("这位卖家已经就这一步被提醒过，没有再发。", "That seller was already nudged about this step; nothing more was sent.")
	case "2":
		v.Notice = r.t("这位卖家已经有了进展，没有发送提醒。", "That seller has moved on meanwhile; no nudge was sent.")
	case "3":
		v.Notice = r.t("这位卖家屏蔽了机器人，无法提醒。", "That seller blocked the bot and cannot be nudged.")
	}
	back := safeQuery(r.URL.RawQuery)
	t := table{ID: "stuck", Head: []string{r.t("卖家", "Seller"), r.t("市场", "Market"), r.t("阶段", "Stage"), r.t("停在的问题", "Open question"),
		r.t("最后活动", "Last activity"), r.t("天数", "Days idle"), r.t("提醒", "Nudge")}}
	t.Note = fmt.Sprintf(r.t("共 %d 位，显示 %d 位（最久未动的在前）。", "%d in all, %d shown (the longest idle first)."), total, len(rows))
	for _, row := range rows {
		q := ""
		if row.Question != "" {
			q, _ = s.questionText(r, row.Market, row.Question)
		}
		action := cell{Nudge: &nudgeForm{Seller: row.Seller.ID, Market: row.Market, Back: back, Label: r.t("发提醒", "Nudge")}}
		switch {
		case !row.NudgedAt.IsZero():
			action = text(r.t("已提醒 ", "nudged ") + when(r, row.NudgedAt))
		case row.Seller.Unreachable:
			action = text(r.t("已屏蔽机器人", "blocked the bot"))
		}
		t.Rows = append(t.Rows, []cell{sellerCell(row.Seller), text(s.marketName(r, row.Market)), text(row.Stage.Name().In(r.lang)), text(q),
			text(when(r, row.LastActivity)), num(int(now.Sub(row.LastActivity).Hours() / 24)), action})
	}
	v.Tables = []table{t}
	return v, nil
}

// stopsPage: the questions whose answers stopped onboardings, counted,
// with the rule's source.
func (s *Server) stopsPage(r *request, _ int) (view, error) {
	market, err := s.marketParam(r)
	if err != nil {
		return view{}, err
	}
	rows, err := s.cfg.Store.Stops(r.Context(), market)
	if err != nil {
		return view{}, err
	}
	v := view{Title: r.t("卖家为什么没通过", "Why sellers stop"), Filters: []field{s.marketField(r, market)}}
	t := table{ID: "stops", Head: []string{r.t("市场", "Market"), r.t("挡住卖家的问题", "The question that stopped them"), r.t("卖家数", "Sellers"),
		r.t("规则来源", "Rule source"), r.t("生效日期", "Effective")}}
	for _, row := range rows {
		q, src := s.questionText(r, row.Market, row.Question)
		t.Rows = append(t.Rows, []cell{text(s.marketName(r, row.Market)), text(q), num(row.Sellers), text(src.Source), text(src.Effective + src.Checked)})
	}
	v.Tables = []table{t}
	return v, nil
}

// itemsPage: per market and item, sellers with it open, done, n/a, expiring.
func (s *Server) itemsPage(r *request, _ int) (view, error) {
	market, err := s.marketParam(r)
	if err != nil {
		return view{}, err
	}
	today := s.cfg.Now().In(chinaTime)
	rows, err := s.cfg.Store.ItemCounts(r.Context(), market, today.Format("2006-01-02"), today.AddDate(0, 0, 30).Format("2006-01-02"))
	if err != nil {
		return view{}, err
	}
	// In the order of the markets and of their rule files.
	order := map[string]int{}
	for i, m := range s.cfg.Catalog().Markets() {
		for j, it := range m.Items {
			order[m.ID+" "+it.ID] = i*10000 + j
		}
	}
	slices.SortStableFunc(rows, func(a, b bot.ItemCount) int { return order[a.Market+" "+a.Item] - order[b.Market+" "+b.Item] })
	v := view{Title: r.t("清单项", "Checklist items"), Filters: []field{s.marketField(r, market)}}
	t := table{ID: "items", Head: []string{r.t("市场", "Market"), r.t("清单项", "Item"), "ID", r.t("未完成", "Open"), r.t("已完成", "Done"),
		r.t("不适用", "N/A"), r.t("30 天内到期", "Expiring in 30 days")}}
	for _, row := range rows {
		t.Rows = append(t.Rows, []cell{text(s.marketName(r, row.Market)), text(s.itemTitle(r, row.Market, row.Item)), text(row.Item),
			num(row.Open), num(row.Done), num(row.NA), num(row.Soon)})
	}
	v.Tables = []table{t}
	return v, nil
}

// expiringPage: certificates that expire in the next 30, 60 or 90 days.
func (s *Server) expiringPage(r *request, limit int) (view, error) {
	days, err := intParam(r, "days", 30, 1, 366)
	if err != nil {
		return view{}, err
	}
	if days != 30 && days != 60 && days != 90 {
		return view{}, bad("天数应为 30、60 或 90", "days must be 30, 60 or 90")
	}
	today := s.cfg.Now().In(chinaTime)
	rows, total, err := s.cfg.Store.Expiring(r.Context(), today.Format("2006-01-02"), today.AddDate(0, 0, days).Format("2006-01-02"), limit)
	if err != nil {
		return view{}, err
	}
	v := view{Title: r.t("即将到期的证书", "Expiring certificates"), Filters: []field{{Name: "days", Label: r.t("未来", "In the next"), Type: "select",
		Value: strconv.Itoa(days), Options: []option{{"30", r.t("30 天", "30 days")}, {"60", r.t("60 天", "60 days")}, {"90", r.t("90 天", "90 days")}}}}}
	t := table{ID: "expiring", Head: []string{r.t("到期日", "Expires"), r.t("卖家", "Seller"), r.t("市场", "Market"), r.t("清单项", "Item"), r.t("证书编号", "Number")}}
	t.Note = fmt.Sprintf(r.t("共 %d 张，显示 %d 张。", "%d in all, %d shown."), total, len(rows))
	for _, row := range rows {
		t.Rows = append(t.Rows, []cell{text(row.Expiry), sellerCell(row.Seller), text(s.marketName(r, row.Market)),
			text(s.itemTitle(r, row.Market, row.Item)), text(row.Number)})
	}
	v.Tables = []table{t}
	return v, nil
}

// announcementsPage: each announcement's text, targets and delivery; the
// page refreshes itself while one is being delivered.
func (s *Server) announcementsPage(r *request, _ int) (view, error) {
	limit, err := intParam(r, "limit", 50, 1, 1000)
	if err != nil {
		return view{}, err
	}
	rows, err := s.cfg.Store.AnnouncementReport(r.Context(), limit)
	if err != nil {
		return view{}, err
	}
	v := view{Title: r.t("公告", "Announcements")}
	t := table{ID: "announcements", Head: []string{"#", r.t("时间", "When"), r.t("发布人", "By"), r.t("对象", "Targets"), r.t("中文", "Chinese"), "English",
		r.t("收件人", "Recipients"), r.t("已送达", "Delivered"), r.t("待发送", "Pending"), r.t("无法送达", "Unreachable"), r.t("失败", "Failed"), r.t("状态", "State")}}
	for _, a := range rows {
		var targets []string
		for _, m := range a.Markets {
			targets = append(targets, s.marketName(r, m))
		}
		if a.Category != "" {
			targets = append(targets, r.t("类目 ", "category ")+a.Category)
		}
		if a.Stage != "" {
			targets = append(targets, r.t("阶段 ", "stage ")+a.Stage.Name().In(r.lang))
		}
		if a.OpenItem != "" {
			targets = append(targets, r.t("未完成 ", "open item ")+a.OpenItem)
		}
		state := r.t("已完成", "finished")
		if a.FinishedAt.IsZero() {
			state = r.t("发送中", "delivering")
			v.Refresh = 5
		}
		t.Rows = append(t.Rows, []cell{num(int(a.ID)), text(when(r, a.CreatedAt)), text(a.CreatedBy), text(strings.Join(targets, " · ")),
			text(a.Text.ZH), text(a.Text.EN), num(a.Recipients), num(a.Sent), num(a.Pending), num(a.Unreachable), num(a.Failed), text(state)})
	}
	v.Tables = []table{t}
	return v, nil
}

// sellerPage: one seller's markets, answers with times, checklist and the
// messages sent to them.
func (s *Server) sellerPage(r *request, limit int) (view, error) {
	id, err := parseID(r.PathValue("id"))
	if err != nil {
		return view{}, bad("卖家编号不对。", "That is not a seller id.")
	}
	seller, err := s.cfg.Store.SellerByID(r.Context(), id)
	if err != nil {
		return view{}, err
	}
	ctx := r.Context()
	list, err := s.cfg.Store.Onboardings(ctx, id)
	if err != nil {
		return view{}, err
	}
	v := view{Title: r.t("卖家 ", "Seller ") + seller.Platform + ":" + seller.UserID}
	yes := r.t("是", "yes")
	info := table{ID: "seller", Head: []string{r.t("平台", "Platform"), r.t("用户 ID", "User id"), r.t("语言", "Language"), r.t("加入时间", "Joined"), r.t("屏蔽了机器人", "Blocked the bot")}}
	blocked := ""
	if seller.Unreachable {
		blocked = yes
	}
	info.Rows = [][]cell{{text(seller.Platform), text(seller.UserID), text(string(seller.Lang)), text(when(r, seller.CreatedAt)), text(blocked)}}
	markets := table{ID: "markets", Title: r.t("市场", "Markets"), Head: []string{r.t("市场", "Market"), r.t("阶段", "Stage"), r.t("停在的问题", "Open question"),
		r.t("开始", "Started"), r.t("最后活动", "Last activity"), r.t("规则版本", "Rules version"), r.t("已静音", "Muted")}}
	answers := table{ID: "answers", Title: r.t("回答记录", "Answers"), Head: []string{r.t("时间", "When"), r.t("市场", "Market"), r.t("动作", "Action"), r.t("问题或清单项", "Question or item"), r.t("回答", "Value"), r.t("操作人", "By")}}
	checklist := table{ID: "checklist", Title: r.t("清单", "Checklist"), Head: []string{r.t("市场", "Market"), r.t("清单项", "Item"), r.t("状态", "Status"), r.t("证书编号", "Number"), r.t("到期日", "Expires")}}
	now := s.cfg.Now()
	for _, o := range list {
		m, ok := s.cfg.Catalog().Market(o.Market)
		name := s.marketName(r, o.Market)
		muted := ""
		if o.Muted {
			muted = yes
		}
		open := ""
		if ok {
			p := bot.Project(m, o, now)
			if p.Question != "" {
				open, _ = s.questionText(r, o.Market, p.Question)
			}
			for _, it := range p.Items {
				checklist.Rows = append(checklist.Rows, []cell{text(name), text(s.itemTitle(r, o.Market, it.Item)), text(itemStatus(r, it.Status)), text(it.Number), text(it.Expiry)})
			}
		}
		markets.Rows = append(markets.Rows, []cell{text(name), text(o.Stage.Name().In(r.lang)), text(open), text(when(r, o.StartedAt)), text(when(r, o.UpdatedAt)), text(o.RulesVersion), text(muted)})
		hist, _, err := s.cfg.Store.History(ctx, id, o.Market, 0, min(limit, 1000))
		if err != nil {
			return view{}, err
		}
		for _, h := range hist {
			action, what, value := bot.HistoryCells(m, h, r.lang) // m is nil for a market the rules no longer have
			answers.Rows = append(answers.Rows, []cell{text(when(r, h.At)), text(name), text(action), text(what), text(value), text(h.By)})
		}
	}
	// The company's accounts and team: their history has no market.
	team, _, err := s.cfg.Store.History(ctx, id, "", 0, min(limit, 1000))
	if err != nil {
		return view{}, err
	}
	for _, h := range team {
		action, what, value := bot.HistoryCells(nil, h, r.lang)
		answers.Rows = append(answers.Rows, []cell{text(when(r, h.At)), text(r.t("账号和团队", "Accounts and team")), text(action), text(what), text(value), text(h.By)})
	}
	msgs, err := s.cfg.Store.Messages(ctx, id, min(limit, 1000))
	if err != nil {
		return view{}, err
	}
	sent := table{ID: "messages", Title: r.t("发给卖家的消息", "Messages sent to the seller"), Head: []string{r.t("排队时间", "Queued"), r.t("类型", "Kind"), r.t("内容", "Text"), r.t("送达", "Delivered"), r.t("未送达原因", "Not delivered")}}
	sent.Note = r.t("消息在送达后保留 ONBOARD_RETENTION（默认 30 天）。", "Messages are kept for ONBOARD_RETENTION (30 days by default) after delivery.")
	for _, m := range msgs {
		kind := r.t("回复", "reply")
		if m.Kind == bot.KindAnnouncement {
			kind = fmt.Sprintf(r.t("公告 #%d", "announcement #%d"), m.Announcement)
		}
		failed := m.Error
		if !m.FailedAt.IsZero() {
			failed = when(r, m.FailedAt) + " " + m.Error
		}
		sent.Rows = append(sent.Rows, []cell{text(when(r, m.CreatedAt)), text(kind), {Text: m.Text, Short: true}, text(when(r, m.SentAt)), text(failed)})
	}
	v.Tables = []table{info, markets, checklist, answers, sent}
	return v, nil
}

func itemStatus(r *request, st flows.ItemStatus) string {
	switch st {
	case flows.ItemDone:
		return r.t("✅ 已完成", "✅ done")
	case flows.ItemNA:
		return r.t("➖ 不适用", "➖ n/a")
	}
	return r.t("⬜ 未完成", "⬜ open")
}
