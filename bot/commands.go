package bot

import (
	"fmt"
	"sort"
	"strings"

	"github.com/onboardbot/onboardbot/flows"
)

// Command is one thing a seller can ask for, typed with or without the
// leading slash. bot/admin adds the admins' commands.
type Command struct {
	Admin   bool // only for admins; refused and logged for anyone else
	Name    string
	Aliases []string // other names sellers type, Chinese among them
	Usage   string   // arguments, shown in /help
	Help    flows.Text
	Run     func(cv *Conversation, args []string) error
}

func commandTable() []Command {
	return []Command{
		{Name: "start", Aliases: []string{"开始"}, Run: (*Conversation).start,
			Help: flows.Text{ZH: "欢迎信息和你目前的进度", EN: "welcome, and where you are"}},
		{Name: "help", Aliases: []string{"帮助", "?", "?"}, Run: (*Conversation).help,
			Help: flows.Text{ZH: "查看所有命令", EN: "list the commands"}},
		{Name: "markets", Aliases: []string{"市场"}, Run: (*Conversation).markets,
			Help: flows.Text{ZH: "可以入驻的市场", EN: "the markets I can guide you into"}},
		{Name: "onboard", Aliases: []string{"入驻"}, Usage: "<market>", Run: (*Conversation).onboard,
			Help: flows.Text{ZH: "开始或继续一个市场的入驻", EN: "start or continue onboarding a market"}},
		{Name: "status", Aliases: []string{"进度", "状态"}, Run: (*Conversation).status,
			Help: flows.Text{ZH: "你开始过的每个市场的进度", EN: "your progress in every market you started"}},
		{Name: "checklist", Aliases: []string{"清单"}, Usage: "[market]", Run: (*Conversation).checklistCmd,
			Help: flows.Text{ZH: "查看资质证书清单", EN: "show the certification checklist"}},
		{Name: "done", Aliases: []string{"完成"}, Usage: "<item> [number] [expiry YYYY-MM-DD]", Run: markRunner(flows.ItemDone),
			Help: flows.Text{ZH: "把清单项标记为已完成，可附证书编号和有效期", EN: "mark a checklist item done, with an optional certificate number and expiry date"}},
		{Name: "na", Aliases: []string{"不适用"}, Usage: "<item>", Run: markRunner(flows.ItemNA),
			Help: flows.Text{ZH: "把清单项标记为不适用", EN: "mark a checklist item not applicable"}},
		{Name: "todo", Aliases: []string{"待办"}, Usage: "<item>", Run: markRunner(flows.ItemTodo),
			Help: flows.Text{ZH: "把清单项改回待办", EN: "reopen a checklist item"}},
		{Name: "why", Aliases: []string{"为什么"}, Usage: "<item>", Run: (*Conversation).why,
			Help: flows.Text{ZH: "查看某个清单项的规则、来源和生效日期", EN: "show a checklist item's rule, source and date"}},
		{Name: "back", Aliases: []string{"返回", "上一步"}, Run: (*Conversation).back,
			Help: flows.Text{ZH: "返回上一题，修改回答", EN: "go back one question and change the answer"}},
		{Name: "restart", Aliases: []string{"重新开始"}, Usage: "<market>", Run: (*Conversation).restart,
			Help: flows.Text{ZH: "清空一个市场的回答，从头开始", EN: "clear a market's answers and start over"}},
		{Name: "history", Aliases: []string{"记录"}, Usage: "[market]", Run: (*Conversation).historyCmd,
			Help: flows.Text{ZH: "查看你的回答记录和时间", EN: "what you answered, and when"}},
		{Name: "lang", Aliases: []string{"language", "语言"}, Usage: "zh|en", Run: (*Conversation).setLang,
			Help: flows.Text{ZH: "切换语言（中文 zh / English en）", EN: "switch language (中文 zh / English en)"}},
		{Name: "mute", Aliases: []string{"静音"}, Usage: "<market>", Run: muteRunner(true),
			Help: flows.Text{ZH: "不再接收某个市场的公告", EN: "stop a market's announcements"}},
		{Name: "unmute", Aliases: []string{"取消静音"}, Usage: "<market>", Run: muteRunner(false),
			Help: flows.Text{ZH: "恢复接收某个市场的公告", EN: "get a market's announcements again"}},
	}
}

// CommandInfo describes a command for a platform's command menu.
type CommandInfo struct {
	Name    string
	Aliases []string
	Usage   string
	Help    flows.Text
	Admin   bool
}

// Commands lists the commands, for platforms that show a menu.
func (c *Core) Commands() []CommandInfo {
	out := make([]CommandInfo, len(c.commands))
	for i, cmd := range c.commands {
		out[i] = CommandInfo{Name: cmd.Name, Aliases: cmd.Aliases, Usage: cmd.Usage, Help: cmd.Help, Admin: cmd.Admin}
	}
	return out
}

// parseCommand recognises "/status", "status", "/status@MyBot" and the
// aliases. Plain text is a command only when its first word is one.
func (c *Core) parseCommand(text string) (Command, []string, bool) {
	fields := strings.Fields(text)
	name := fields[0]
	slash := strings.HasPrefix(name, "/")
	name = strings.TrimPrefix(name, "/")
	if i := strings.IndexByte(name, '@'); i >= 0 && slash {
		name = name[:i] // Telegram groups address commands as /cmd@bot
	}
	name = strings.ToLower(name)
	for _, cmd := range c.commands {
		if name == cmd.Name || containsFold(cmd.Aliases, name) {
			return cmd, fields[1:], true
		}
	}
	return Command{}, nil, false
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func (cv *Conversation) start(args []string) error {
	m, o, err := cv.currentMarket()
	if err != nil {
		return err
	}
	if o != nil {
		cv.sayf("欢迎回来！你正在办理 %s 的入驻，目前在「%s」阶段。", "Welcome back! You are onboarding %s, at the %s stage.", m.Name, o.Stage.Name())
		cv.present(m, o, flows.Current(m, o.State, cv.now))
		return nil
	}
	cv.sayf("你好！我是跨境开店助手，带你一步步完成新市场的入驻：先看资质能不能开店，再看仓储物流要求，最后按你的类目列出需要的资质证书。进度会自动保存，随时可以回来继续。",
		"Hello! I walk cross-border sellers through entering a new market: first whether you can open a shop at all, then where your stock must sit and how fast it must ship, then the certificates your product categories need. Your progress is saved, so you can stop and come back any time.")
	cv.sayf("Type /lang en for English.", "输入 /lang zh 切换到中文。")
	cv.marketList()
	return nil
}

func (cv *Conversation) help(args []string) error {
	var b strings.Builder
	b.WriteString(flows.Text{ZH: "命令（斜杠可以省略）:", EN: "Commands (the slash is optional):"}.In(cv.lang()))
	for _, cmd := range cv.core.commands {
		if cmd.Admin && !cv.core.isAdmin(cv.seller) {
			continue
		}
		fmt.Fprintf(&b, "\n/%s", cmd.Name)
		if cmd.Usage != "" {
			b.WriteString(" " + cmd.Usage)
		}
		b.WriteString(" · " + cmd.Help.In(cv.lang()))
	}
	cv.parts = append(cv.parts, b.String())
	cv.sayf("正在答题时，直接回复选项编号或文字即可。", "While a question is open, just reply with the option's number or your answer.")
	return nil
}

func (cv *Conversation) markets(args []string) error {
	cv.marketList()
	return nil
}

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

// namedOnboarding resolves a market argument (see marketArg) and loads the
// seller's onboarding there (nil if not started). The market is nil when
// the seller was told what is wrong with the argument.
func (cv *Conversation) namedOnboarding(args []string, usage string) (*flows.Market, *Onboarding, error) {
	m := cv.marketArg(args, usage)
	if m == nil {
		return nil, nil, nil
	}
	_, o, err := cv.onboarding(m.ID)
	return m, o, err
}

// marketArg resolves a market id argument, defaulting to the current market.
// It tells the seller what went wrong and returns nil when it cannot.
func (cv *Conversation) marketArg(args []string, usage string) *flows.Market {
	id := cv.seller.Market
	if len(args) > 0 {
		id = strings.ToLower(args[0])
	}
	if id == "" {
		cv.sayf("请写上市场编号，例如：%s", "Please name a market, for example: %s", usage)
		cv.marketList()
		return nil
	}
	m, ok := cv.catalog.Market(id)
	if !ok {
		cv.sayf("没有这个市场：%s", "There is no market %q.", id)
		cv.marketList()
		return nil
	}
	return m
}

func (cv *Conversation) onboard(args []string) error {
	if len(args) == 0 {
		cv.sayf("要入驻哪个市场？", "Which market do you want to enter?")
		cv.marketList()
		return nil
	}
	m, o, err := cv.namedOnboarding(args, "/onboard tiktok-uk")
	if m == nil || err != nil {
		return err
	}
	cv.seller.Market = m.ID
	if o != nil {
		step := flows.Current(m, o.State, cv.now)
		cv.sayf("你已经在办理 %s 的入驻，目前在「%s」阶段，已回答 %d 题。接着来（重新开始请用 /restart %s）：", "You are already onboarding %s: you are at the %s stage, with %d answers given. Let's continue (to start over, /restart %s):", m.Name, step.Stage.Name(), step.Asked, m.ID)
		cv.present(m, o, step)
		return nil
	}
	o = &Onboarding{SellerID: cv.seller.ID, Market: m.ID, RulesVersion: m.Version, StartedAt: cv.now}
	if err := cv.save(m, o); err != nil {
		return err
	}
	if err := cv.history(m.ID, ActionStart, "", m.Version); err != nil {
		return err
	}
	cv.sayf("开始办理 %s 的入驻。\n%s\n规则版本 %s，%s 起生效。", "Starting onboarding for %s.\n%s\nRules version %s, in force since %s.", m.Name, m.Summary, m.Version, m.Effective)
	cv.present(m, o, flows.Current(m, o.State, cv.now))
	return nil
}

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
			fmt.Fprintf(&b, "\n  %s: %s", o.Market, flows.Text{ZH: "这个市场已下线", EN: "no longer offered"}.In(lang))
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
	}
	cv.parts = append(cv.parts, b.String())
	cv.sayf("继续某个市场：/onboard <市场编号>；查看清单：/checklist", "Continue a market: /onboard <market id>; see the checklist: /checklist")
	return nil
}

// counts tallies a checklist: items done (and not expired), not applicable, and in all.
func counts(entries []flows.Entry) (done, na, total int) {
	for _, e := range entries {
		switch {
		case e.Open():
		case e.State.Status == flows.ItemDone:
			done++
		case e.State.Status == flows.ItemNA:
			na++
		}
	}
	return done, na, len(entries)
}

func (cv *Conversation) checklistCmd(args []string) error {
	m, o, err := cv.namedOnboarding(args, "/checklist tiktok-uk")
	if m == nil || err != nil {
		return err
	}
	if o == nil {
		cv.sayf("你还没有开始 %s 的入驻。输入 /onboard %s 开始。", "You have not started %s yet. Type /onboard %s to start.", m.Name, m.ID)
		return nil
	}
	step := flows.Current(m, o.State, cv.now)
	if step.Stage != flows.StageChecklist && step.Stage != flows.StageComplete {
		cv.sayf("清单要等问题答完才能生成。", "The checklist comes once the questions are answered.")
		cv.present(m, o, step)
		return nil
	}
	cv.checklist(m, o)
	return nil
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

// findItem resolves an item id ("scpn" or "tiktok-uk:scpn") in the current
// market first, then in the other markets the seller has started.
func (cv *Conversation) findItem(id string) (*flows.Market, *Onboarding, string, error) {
	lower := strings.ToLower(id)
	market, item, explicit := strings.Cut(lower, ":")
	if !explicit {
		market, item = "", lower
	}
	var candidates []string
	if market != "" {
		candidates = []string{market}
	} else {
		all, err := cv.tx.Onboardings(cv.ctx, cv.seller.ID)
		if err != nil {
			return nil, nil, "", fmt.Errorf("list onboardings: %w", err)
		}
		if cv.seller.Market != "" {
			candidates = append(candidates, cv.seller.Market)
		}
		for _, o := range all {
			if o.Market != cv.seller.Market {
				candidates = append(candidates, o.Market)
			}
		}
	}
	for _, mid := range candidates {
		m, o, err := cv.onboarding(mid)
		if err != nil {
			return nil, nil, "", err
		}
		if o == nil {
			continue
		}
		if _, ok := m.Item(item); ok {
			return m, o, item, nil
		}
	}
	cv.sayf("找不到清单项“%s”。用 /checklist 查看编号。", "There is no checklist item %q in your markets. /checklist shows the item ids.", id)
	return nil, nil, "", nil
}

func markRunner(status flows.ItemStatus) func(cv *Conversation, args []string) error {
	return func(cv *Conversation, args []string) error {
		if len(args) == 0 {
			cv.sayf("请写上清单项编号，例如 /done scpn。用 /checklist 查看编号。", "Please name a checklist item, for example /done scpn. /checklist shows the ids.")
			return nil
		}
		m, o, itemID, err := cv.findItem(args[0])
		if err != nil || m == nil {
			return err
		}
		next, rej := flows.Mark(m, o.State, itemID, status, args[1:], cv.now)
		if rej != nil {
			cv.say(rej.Message)
			return nil
		}
		o.State = next
		if err := cv.save(m, o); err != nil {
			return err
		}
		st := next.Items[itemID]
		value := string(status)
		if ev := evidence(st, flows.EN); ev != "" {
			value += " " + ev
		}
		if err := cv.history(m.ID, ActionMark, itemID, value); err != nil {
			return err
		}
		it, _ := m.Item(itemID)
		switch status {
		case flows.ItemDone:
			cv.sayf("✅ 已完成：%s", "✅ Done: %s", it.Title)
			if ev := evidence(st, cv.lang()); ev != "" {
				cv.parts[len(cv.parts)-1] += " (" + ev + ")"
			}
		case flows.ItemNA:
			cv.sayf("➖ 不适用：%s", "➖ Not applicable: %s", it.Title)
		default:
			cv.sayf("⬜ 改回待办：%s", "⬜ Back to do: %s", it.Title)
		}
		entries := flows.Checklist(m, next, cv.now)
		done, na, total := counts(entries)
		if done+na == total {
			cv.sayf("🎉 %s 的清单全部完成！", "🎉 Your %s checklist is complete!", m.Name)
		} else {
			cv.say(progress(m, done, na, total))
			cv.sayf("/checklist 查看剩下的。", "/checklist shows the rest.")
		}
		return nil
	}
}

func (cv *Conversation) why(args []string) error {
	if len(args) == 0 {
		cv.sayf("请写上清单项编号，例如 /why scpn。", "Please name a checklist item, for example /why scpn.")
		return nil
	}
	m, _, id, err := cv.findItem(args[0])
	if err != nil || m == nil {
		return err
	}
	it, _ := m.Item(id)
	cv.sayf("%s(%s)\n%s", "%s (%s)\n%s", it.Title, m.Name, it.Detail)
	cv.parts = append(cv.parts, cv.source(it.Sourced))
	cv.sayf("规则版本 %s", "Rules version %s", m.Version)
	return nil
}

func (cv *Conversation) back(args []string) error {
	m, o, err := cv.currentMarket()
	if err != nil {
		return err
	}
	if o == nil {
		cv.sayf("现在没有正在办理的市场，没有可以返回的。", "You are not onboarding a market right now, so there is nothing to go back to.")
		cv.marketList()
		return nil
	}
	next, ok := flows.Back(o.State)
	if !ok {
		cv.sayf("已经是第一题了。", "You are already at the first question.")
		cv.present(m, o, flows.Current(m, o.State, cv.now))
		return nil
	}
	undone := o.State.Answers[len(o.State.Answers)-1]
	o.State = next
	if err := cv.save(m, o); err != nil {
		return err
	}
	if err := cv.history(m.ID, ActionBack, undone.Question, answerValue(undone)); err != nil {
		return err
	}
	cv.sayf("好的，返回上一题。", "OK, back one question.")
	cv.present(m, o, flows.Current(m, o.State, cv.now))
	return nil
}

func (cv *Conversation) restart(args []string) error {
	if len(args) == 0 {
		example := "/restart tiktok-uk"
		if cv.seller.Market != "" {
			example = "/restart " + cv.seller.Market
		}
		cv.sayf("重新开始会清空这个市场的所有回答和清单记录。确认的话请输入：%s", "Starting over clears every answer and checklist mark for that market. To confirm, type: %s", example)
		return nil
	}
	m, o, err := cv.namedOnboarding(args, "/restart tiktok-uk")
	if m == nil || err != nil {
		return err
	}
	if o == nil {
		o = &Onboarding{SellerID: cv.seller.ID, Market: m.ID, StartedAt: cv.now}
	}
	o.State, o.RulesVersion = flows.State{}, m.Version
	if err := cv.save(m, o); err != nil {
		return err
	}
	if err := cv.history(m.ID, ActionRestart, "", m.Version); err != nil {
		return err
	}
	cv.seller.Market = m.ID
	cv.sayf("已清空，%s 从头开始。", "Cleared: %s starts over.", m.Name)
	cv.present(m, o, flows.Current(m, o.State, cv.now))
	return nil
}

func (cv *Conversation) historyCmd(args []string) error {
	m := cv.marketArg(args, "/history tiktok-uk")
	if m == nil {
		return nil
	}
	hs, err := cv.core.store.History(cv.ctx, cv.seller.ID, m.ID)
	if err != nil {
		return fmt.Errorf("load history: %w", err)
	}
	if len(hs) == 0 {
		cv.sayf("%s 还没有记录。", "Nothing recorded for %s yet.", m.Name)
		return nil
	}
	lang := cv.lang()
	var b strings.Builder
	b.WriteString(flows.Textf(flows.Text{ZH: "%s 的记录（UTC 时间）:", EN: "Your history for %s (UTC):"}, m.Name).In(lang))
	for _, h := range hs {
		fmt.Fprintf(&b, "\n%s  ", h.At.UTC().Format("2006-01-02 15:04"))
		switch h.Action {
		case ActionStart:
			b.WriteString(flows.Textf(flows.Text{ZH: "开始（规则版本 %s）", EN: "started (rules version %s)"}, h.Value).In(lang))
		case ActionRestart:
			b.WriteString(flows.Textf(flows.Text{ZH: "重新开始（规则版本 %s）", EN: "started over (rules version %s)"}, h.Value).In(lang))
		case ActionBack:
			b.WriteString(flows.Textf(flows.Text{ZH: "撤回了 %s 的回答", EN: "took back the answer to %s"}, h.Question).In(lang))
		case ActionAnswer:
			fmt.Fprintf(&b, "%s → %s", h.Question, answerLabel(m, h.Question, h.Value, lang))
		case ActionMark:
			fmt.Fprintf(&b, "%s: %s", h.Question, h.Value)
		case ActionRules:
			b.WriteString(flows.Textf(flows.Text{ZH: "规则更新到 %s 版", EN: "rules updated to version %s"}, h.Value).In(lang))
		}
	}
	cv.parts = append(cv.parts, b.String())
	return nil
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

func (cv *Conversation) setLang(args []string) error {
	if len(args) == 0 || (args[0] != "zh" && args[0] != "en" && args[0] != "中文" && !strings.EqualFold(args[0], "english")) {
		cv.sayf("用法：/lang zh（中文）或 /lang en(English)", "Usage: /lang zh（中文）or /lang en (English)")
		return nil
	}
	cv.seller.Lang = flows.ParseLang(strings.Replace(args[0], "中文", "zh", 1))
	cv.seller.LangSet = true
	cv.sayf("好的，以后用中文和你交流。", "OK, I will write in English from now on.")
	m, o, err := cv.currentMarket()
	if err != nil || o == nil {
		return err
	}
	step := flows.Current(m, o.State, cv.now)
	if step.Question != nil {
		cv.ask(m, step)
	}
	return nil
}

// mute and unmute change a seller's subscription to a market's announcements.
func muteRunner(muted bool) func(cv *Conversation, args []string) error {
	return func(cv *Conversation, args []string) error {
		m, o, err := cv.namedOnboarding(args, "/mute tiktok-uk")
		if m == nil || err != nil {
			return err
		}
		if o == nil {
			cv.sayf("你还没有开始 %s 的入驻，所以也没有订阅它的公告。", "You have not started %s, so you get no announcements for it.", m.Name)
			return nil
		}
		if err := cv.tx.SetMuted(cv.ctx, cv.seller.ID, m.ID, muted); err != nil {
			return fmt.Errorf("set muted: %w", err)
		}
		if muted {
			cv.sayf("🔕 不再接收 %s 的公告。清单规则变化仍会通知你。恢复：/unmute %s", "🔕 No more announcements for %s. Rule changes to your checklist still reach you. To undo: /unmute %s", m.Name, m.ID)
		} else {
			cv.sayf("🔔 会继续接收 %s 的公告。", "🔔 You will get announcements for %s again.", m.Name)
		}
		return nil
	}
}
