package bot

import (
	"fmt"
	"strings"
	"unicode/utf8"

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
		{Name: "help", Aliases: []string{"帮助", "?", "？"}, Run: (*Conversation).help,
			Help: flows.Text{ZH: "查看所有命令", EN: "list the commands"}},
		{Name: "markets", Aliases: []string{"市场"}, Run: (*Conversation).markets,
			Help: flows.Text{ZH: "可以入驻的市场", EN: "the markets I can guide you into"}},
		{Name: "onboard", Aliases: []string{"入驻"}, Usage: "<market>", Run: (*Conversation).onboard,
			Help: flows.Text{ZH: "开始或继续一个市场的入驻", EN: "start or continue onboarding a market"}},
		{Name: "ask", Aliases: []string{"问", "提问"}, Usage: "<question>", Run: (*Conversation).askCmd,
			Help: flows.Text{ZH: "问规则：在所有市场的规则里找答案，例如 /ask 印尼能卖口红吗", EN: "ask the rules of every market, for example /ask can I sell lipstick in Indonesia"}},
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
		{Name: "warnings", Aliases: []string{"提醒"}, Usage: "[market]", Run: (*Conversation).warningsCmd,
			Help: flows.Text{ZH: "查看回答里需要注意的地方", EN: "what in your answers needs attention"}},
		{Name: "why", Aliases: []string{"为什么"}, Usage: "<item>", Run: (*Conversation).why,
			Help: flows.Text{ZH: "查看某个清单项的规则、来源和生效日期", EN: "show a checklist item's rule, source and date"}},
		{Name: "back", Aliases: []string{"返回", "上一步"}, Run: (*Conversation).back,
			Help: flows.Text{ZH: "返回上一题，修改回答", EN: "go back one question and change the answer"}},
		{Name: "restart", Aliases: []string{"重新开始"}, Usage: "<market>", Run: (*Conversation).restart,
			Help: flows.Text{ZH: "清空一个市场的回答，从头开始", EN: "clear a market's answers and start over"}},
		{Name: "history", Aliases: []string{"记录"}, Usage: "[market]", Run: (*Conversation).historyCmd,
			Help: flows.Text{ZH: "查看你的回答记录和时间", EN: "what you answered, and when"}},
		{Name: "export", Aliases: []string{"导出"}, Usage: "[market]", Run: (*Conversation).export,
			Help: flows.Text{ZH: "把清单导出为 Excel 表格，方便发给代理和运营同事", EN: "your checklist as an Excel workbook, to pass to agents and your team"}},
		{Name: "files", Aliases: []string{"文件"}, Usage: "<item>", Run: (*Conversation).filesCmd,
			Help: flows.Text{ZH: "取回某个清单项保存的证书文件", EN: "the certificate files kept with an item"}},
		{Name: "lang", Aliases: []string{"language", "语言"}, Usage: "zh|en", Run: (*Conversation).setLang,
			Help: flows.Text{ZH: "切换语言（中文 zh / English en）", EN: "switch language (中文 zh / English en)"}},
		{Name: "tz", Aliases: []string{"timezone", "时区"}, Usage: "[Area/City]", Run: (*Conversation).tzCmd,
			Help: flows.Text{ZH: "查看或设置时区（提醒按当地时间发送）", EN: "show or set your time zone (reminders follow it)"}},
		{Name: "reminders", Aliases: []string{"定时提醒"}, Usage: "[on|off] [nudges|rules|expiry|all]", Run: (*Conversation).remindersCmd,
			Help: flows.Text{ZH: "查看安排的提醒，或打开、关闭某类提醒", EN: "list your reminders, or turn kinds of reminder on or off"}},
		{Name: "link", Aliases: []string{"绑定"}, Usage: "[code]", Run: (*Conversation).linkCmd,
			Help: flows.Text{ZH: "绑定你在另一个平台的账号：不带码时给出绑定码，带码时绑定", EN: "link your account on another platform: without a code, get one; with a code, link"}},
		{Name: "unlink", Aliases: []string{"解绑"}, Usage: "<platform>", Run: (*Conversation).unlink,
			Help: flows.Text{ZH: "解除绑定某个平台的账号（进度留在这里）", EN: "separate your account on a platform (the progress stays here)"}},
		{Name: "whoami", Aliases: []string{"我的账号"}, Run: (*Conversation).whoami,
			Help: flows.Text{ZH: "查看已绑定的账号", EN: "the accounts linked"}},
		{Name: "invite", Aliases: []string{"邀请"}, Run: (*Conversation).invite,
			Help: flows.Text{ZH: "邀请同事加入你的公司（共用进度和清单）", EN: "invite a colleague into your company (sharing its progress and checklist)"}},
		{Name: "join", Aliases: []string{"加入"}, Usage: "<code>", Run: (*Conversation).join,
			Help: flows.Text{ZH: "用邀请码加入同事的公司", EN: "join a colleague's company with an invitation code"}},
		{Name: "team", Aliases: []string{"团队"}, Usage: "[remove <number>]", Run: (*Conversation).team,
			Help: flows.Text{ZH: "团队成员和他们最近做了什么；创建者可以移除成员", EN: "the members of your company and what each did last; the owner can remove one"}},
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
	if cmd, ok := c.command(name); ok {
		return cmd, fields[1:], true
	}
	// "帮助？", "help?", "完成。": the punctuation a sentence ends with.
	if trimmed := strings.TrimRight(name, "?？!！。."); trimmed != name && trimmed != "" {
		if cmd, ok := c.command(trimmed); ok {
			return cmd, fields[1:], true
		}
	}
	// "完成5", "完成：5", "问：印尼能卖口红吗": Chinese is typed without a space
	// after the command. Only a number or a colon after it splits it off,
	// so that a sentence beginning with an alias ("问题都答完了") is not
	// taken for one.
	typed := strings.TrimPrefix(fields[0], "/") // as typed: the rest keeps its case
	for _, cmd := range c.commands {
		for _, a := range cmd.Aliases {
			rest, ok := strings.CutPrefix(typed, a)
			if !ok || rest == "" || isASCII(a) {
				continue
			}
			arg := strings.TrimLeft(rest, ":：")
			if r, _ := utf8.DecodeRuneInString(arg); arg == "" || arg == rest && !isDigit(r) {
				continue
			}
			return cmd, append([]string{arg}, fields[1:]...), true
		}
	}
	return Command{}, nil, false
}

// command finds a command by its name or an alias.
func (c *Core) command(name string) (Command, bool) {
	for _, cmd := range c.commands {
		if name == cmd.Name || containsFold(cmd.Aliases, name) {
			return cmd, true
		}
	}
	return Command{}, false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// isDigit is an ASCII or a full-width digit.
func isDigit(r rune) bool { return r >= '0' && r <= '9' || r >= '０' && r <= '９' }

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
	b.WriteString(flows.Text{ZH: "命令（斜杠可以省略；括号里是也能用的中文）：", EN: "Commands (the slash is optional):"}.In(cv.lang()))
	for _, cmd := range cv.core.commands {
		if cmd.Admin && !cv.core.isAdmin(cv.seller) {
			continue
		}
		fmt.Fprintf(&b, "\n/%s", cmd.Name)
		if cmd.Usage != "" {
			b.WriteString(" " + cmd.Usage)
		}
		if cv.lang() == flows.ZH {
			// The Chinese names work too, without a slash: 进度, 清单...
			var zh []string
			for _, a := range cmd.Aliases {
				if utf8.RuneLen([]rune(a)[0]) > 1 {
					zh = append(zh, a)
				}
			}
			if len(zh) > 0 {
				b.WriteString("（" + strings.Join(zh, "、") + "）")
			}
		}
		b.WriteString(" · " + cmd.Help.In(cv.lang()))
	}
	cv.text(b.String())
	cv.sayf("正在答题时，直接回复选项编号或文字即可。", "While a question is open, just reply with the option's number or your answer.")
	return nil
}

func (cv *Conversation) markets(args []string) error {
	cv.marketList()
	return nil
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
	// One line, then the first question: the market's summary is where
	// sellers choose (/markets, /ask), and a phone shows little at once.
	cv.sayf("开始办理 %s 的入驻（规则 %s 版）。", "Starting onboarding for %s (rules version %s).", m.Name, m.Version)
	cv.present(m, o, flows.Current(m, o.State, cv.now))
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
	next.Picked = nil
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
	if len(args) > 1 && args[len(args)-1] == "?" {
		// A button: starting over clears everything, so it asks first.
		m := cv.marketArg(args[:1], "/restart tiktok-uk")
		if m == nil {
			return nil
		}
		cv.sayf("确定要清空 %s 的所有回答和清单记录、从头开始吗？", "Clear every answer and checklist mark for %s and start over?", m.Name)
		cv.offer(flows.Text{ZH: "🔄 确定，重新开始", EN: "🔄 Yes, start over"}, "restart "+m.ID, m, "")
		cv.offer(flows.Text{ZH: "不用了", EN: "No, keep it"}, "onboard "+m.ID, m, "")
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

func (cv *Conversation) setLang(args []string) error {
	if len(args) == 0 || (args[0] != "zh" && args[0] != "en" && args[0] != "中文" && !strings.EqualFold(args[0], "english")) {
		cv.sayf("用法：/lang zh（中文）或 /lang en（English）", "Usage: /lang zh (中文) or /lang en (English)")
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
		cv.ask(m, o, step)
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
