package bot

// The handling of one message: what it is, and taking it as an answer.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/onboardbot/onboardbot/flows"
)

// Conversation is the handling of one inbound message.
type Conversation struct {
	core     *Core
	catalog  *flows.Catalog // the rules for this whole message, even if they are reloaded meanwhile
	ctx      context.Context
	tx       Tx
	seller   *Seller
	now      time.Time
	blocks   []Block
	sent     [][]Block // messages finished before blocks (see newMessage)
	sentFile []*File   // the file of each of sent, nil for none
	choices  []Choice
	multi    bool
	notice   flows.Text
	statusOf int64  // the reply is the progress message of this announcement
	replaces string // the reply takes the place of this sent message
	file     *File  // the message being written carries this file
	err      error  // what failed while rendering (see fail): the message is not committed
	clicked  *Clicked
	// notifyAll means other messages were queued too (an announcement):
	// every dispatcher looks at its outbox after the commit.
	notifyAll bool
	// dates holds, per market loaded, the certificate dates its state had
	// (see expiryDates), so a save knows whether to plan reminders; planned
	// says it did.
	dates   map[string]string
	planned bool
	// who wrote (see identify); name is the name their platform gave.
	// asked is the question shown ("market/question"), did what they did
	// (see teamNote).
	who   *Identity
	name  string
	asked string
	did   string
	// done holds the results of work done outside the transaction for
	// this message, by key; outside is the work asked for now (see Outside).
	done    map[string]any
	outside *outsideWork
}

func (cv *Conversation) lang() flows.Lang { return cv.seller.Lang }

// say adds a paragraph to the reply.
func (cv *Conversation) say(t flows.Text) { cv.text(t.In(cv.lang())) }

// text, head and note add a paragraph, a header and a note (a source, a
// hint) already in the seller's language.
func (cv *Conversation) text(s string) {
	cv.blocks = append(cv.blocks, Block{Kind: BlockText, Text: s})
}
func (cv *Conversation) head(s string) {
	cv.blocks = append(cv.blocks, Block{Kind: BlockHeader, Text: s})
}
func (cv *Conversation) note(s string) {
	cv.blocks = append(cv.blocks, Block{Kind: BlockNote, Text: s})
}

// sayf adds a formatted paragraph in the seller's language.
func (cv *Conversation) sayf(zh, en string, args ...any) {
	cv.say(flows.Textf(flows.Text{ZH: zh, EN: en}, args...))
}

// MaxRepliesPerMessage bounds how many messages one inbound message is
// answered with (an outcome and its checklist; a note and the next
// question). /files is the one exception: each file it sends back is a
// message of its own (at most MaxFilesSent of them, after a line).
const MaxRepliesPerMessage = 2

// newMessage ends the message being written: what follows goes in a new
// one, so that each stays short on a phone (an introduction, then the
// question; an outcome, then the checklist).
func (cv *Conversation) newMessage() {
	if len(cv.blocks) > 0 {
		cv.sent, cv.sentFile = append(cv.sent, cv.blocks), append(cv.sentFile, cv.file)
		cv.blocks, cv.file = nil, nil
	}
}

// fail records an error met where a message is rendered, which returns
// none: the handling fails with it, and nothing is committed.
func (cv *Conversation) fail(err error) {
	if cv.err == nil {
		cv.err = err
	}
}

// replies are the messages written, in order; the last carries the
// choices. A reply in place of a clicked message is one message.
func (cv *Conversation) replies() []Reply {
	msgs := append(slices.Clone(cv.sent), cv.blocks)
	files := append(slices.Clone(cv.sentFile), cv.file)
	if len(cv.blocks) == 0 && len(cv.sent) > 0 {
		msgs, files = cv.sent, cv.sentFile
	}
	if cv.replaces != "" && len(msgs) > 1 {
		msgs, files = [][]Block{slices.Concat(msgs...)}, []*File{nil} // an edit carries no file
	}
	out := make([]Reply, len(msgs))
	for i, blocks := range msgs {
		out[i] = Reply{Text: PlainText(blocks), Blocks: blocks, File: files[i]}
	}
	last := &out[len(out)-1]
	last.Choices, last.Multi, last.StatusOf, last.Replaces = cv.choices, cv.multi, cv.statusOf, cv.replaces
	out[0].Notice = cv.notice.In(cv.lang())
	return out
}

func (cv *Conversation) handle(in Inbound) error {
	if in.Public {
		cv.sayf("👋 我是跨境开店助手，带你一步步完成新市场的入驻（资质、仓储物流、资质证书清单）。入驻信息只在私信里聊：请给我发私信，输入 start 开始。",
			"👋 I walk cross-border sellers through entering a new market: eligibility, warehousing and logistics, and the certificates they need. Onboarding is private, so let's talk in a direct message: open a DM with me and type start.")
		return nil
	}
	if in.Attachment != nil {
		return cv.attach(in)
	}
	if in.Unsupported {
		cv.sayf("我只能读文字消息和按钮。请用文字回答，或输入 /help 查看命令。", "I can only read text messages and buttons. Please answer in text, or type /help for the commands.")
		return nil
	}
	if in.Choice != nil && in.Choice.Kind == RefDraft {
		if ok, err := cv.core.admins.Input(cv, in.Choice.Choice, true); ok || err != nil {
			return err
		}
		cv.notice = flows.Text{ZH: "这个按钮已经无效。", EN: "That button is no longer valid."}
		cv.sayf("这个公告草稿已经不在了。", "That announcement draft is gone.")
		return nil
	}
	if in.Choice != nil {
		switch in.Choice.Kind {
		case RefToggle:
			return cv.toggle(in.Choice, cv.clicked)
		case RefSubmit:
			return cv.submit(in.Choice)
		case RefCommand:
			return cv.command(in.Choice)
		}
		return cv.answer(in.Choice.Choice, in.Choice)
	}
	text := in.Text
	switch {
	case !utf8.ValidString(text):
		cv.sayf("这条消息里有无法识别的字符，请重新输入。", "I could not read that message (it has invalid characters). Please type it again.")
		return nil
	case len(text) > MaxTextBytes:
		cv.sayf("消息太长了（最多 %d 字节）。请发短一点的回答，或用 /help 查看命令。",
			"That message is too long (at most %d bytes). Please send a shorter answer, or /help for the commands.", MaxTextBytes)
		return nil
	}
	text = strings.TrimSpace(text)
	if text == "" {
		cv.sayf("收到一条空消息。回答当前问题，或输入 /help 查看命令。", "That message was empty. Answer the current question, or type /help for the commands.")
		return nil
	}
	if cmd, args, ok := cv.core.parseCommand(text); ok {
		return cv.run(cmd, args)
	}
	if ok, err := cv.core.admins.Input(cv, text, false); ok || err != nil {
		return err
	}
	if strings.HasPrefix(text, "/") {
		cv.sayf("不认识这个命令：%s", "I don't know the command %s.", strings.Fields(text)[0])
		return cv.help(nil)
	}
	return cv.answer(text, nil)
}

// run runs a command; an admin command only for admins (anyone else is
// refused, and the attempt logged).
func (cv *Conversation) run(cmd Command, args []string) error {
	if cmd.Admin && !cv.core.isAdmin(cv.seller) {
		cv.core.log.Warn("admin command refused", "command", cmd.Name, "platform", cv.seller.Platform, "user", cv.seller.UserID)
		cv.sayf("这个命令只有管理员可以用。", "Only admins can use that command.")
		return nil
	}
	return cmd.Run(cv, args)
}

// market returns the market the seller is onboarding now, telling them what
// to do when there is none.
func (cv *Conversation) currentMarket() (*flows.Market, *Onboarding, error) {
	if cv.seller.Market == "" {
		return nil, nil, nil
	}
	return cv.onboarding(cv.seller.Market)
}

// onboarding loads the seller's progress in a market; nil when the market
// is unknown or not started.
func (cv *Conversation) onboarding(id string) (*flows.Market, *Onboarding, error) {
	m, ok := cv.catalog.Market(id)
	if !ok {
		return nil, nil, nil
	}
	o, err := cv.tx.Onboarding(cv.ctx, cv.seller.ID, id)
	if errors.Is(err, ErrNotFound) {
		cv.loaded(id, flows.State{})
		return m, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load onboarding %s: %w", id, err)
	}
	cv.loaded(id, o.State)
	return m, &o, nil
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
		id = strings.ToLower(flows.Narrow(args[0]))
	}
	if id == "" {
		cv.sayf("请写上市场编号，例如：%s", "Please name a market, for example: %s", usage)
		cv.marketList()
		return nil
	}
	m, ok := cv.catalog.Market(id)
	if ok {
		return m
	}
	// A market named as a seller would: 英国, Indonesia, 亚马逊 美国...
	var found []*flows.Market
	for _, c := range cv.catalog.Markets() {
		if namesMarket(c, args) {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 1:
		return found[0]
	case 0:
		typed := strings.ToLower(flows.Narrow(strings.Join(args, "-")))
		var near []*flows.Market
		for _, c := range cv.catalog.Markets() {
			if nearly(typed, c.ID) {
				near = append(near, c)
			}
		}
		if len(near) > 0 { // a misspelt id ("amazon-usa", "amazn-us")
			cv.sayf("没有这个市场：%s。你是不是指：", "There is no market %q. Did you mean:", strings.Join(args, " "))
			for _, c := range near {
				cv.offer(c.Name, strings.TrimPrefix(strings.Replace(usage, "tiktok-uk", c.ID, 1), "/"), c, "")
			}
			return nil
		}
		cv.sayf("没有这个市场：%s", "There is no market %q.", strings.Join(args, " "))
		cv.marketList()
	default:
		cv.sayf("“%s”有这几个市场，选一个：", "%q could be these markets; pick one:", strings.Join(args, " "))
		for _, c := range found {
			cv.offer(c.Name, strings.TrimPrefix(strings.Replace(usage, "tiktok-uk", c.ID, 1), "/"), c, "")
		}
	}
	return nil
}

// namesMarket reports whether every word a seller typed is in the market's
// name, region or platform, in either language.
func namesMarket(m *flows.Market, words []string) bool {
	if len(words) == 0 {
		return false
	}
	hay := strings.ToLower(strings.Join([]string{m.Name.ZH, m.Name.EN, m.Region.ZH, m.Region.EN, m.Platform, m.ID}, " "))
	for _, w := range words {
		w = strings.ToLower(strings.TrimSpace(w))
		if full, ok := shortRegions[w]; ok {
			w = full
		}
		if w == "" || !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}

// shortRegions are the short names sellers use for a region.
var shortRegions = map[string]string{"印尼": "印度尼西亚", "大马": "马来西亚", "马来": "马来西亚", "菲": "菲律宾"}

// save stores an onboarding with its stage worked out from the rules.
func (cv *Conversation) save(m *flows.Market, o *Onboarding) error {
	o.Stage = flows.Current(m, o.State, cv.now).Stage
	o.UpdatedAt = cv.now
	if err := cv.tx.SaveOnboarding(cv.ctx, *o, Project(m, *o, cv.now)); err != nil {
		return fmt.Errorf("save onboarding %s: %w", o.Market, err)
	}
	return cv.planExpiries(o)
}

func (cv *Conversation) history(market string, a Action, question, value string) error {
	h := HistoryEntry{SellerID: cv.seller.ID, Market: market, Action: a, Question: question, Value: value, At: cv.now}
	if cv.who != nil {
		h.By = memberName(cv.who.Member)
	}
	if err := cv.tx.AppendHistory(cv.ctx, h); err != nil {
		return fmt.Errorf("append history: %w", err)
	}
	return nil
}

// answer takes free text, or a button's choice, as the answer to the
// current question of the current market.
func (cv *Conversation) answer(input string, ref *ChoiceRef) error {
	m, o, err := cv.currentMarket()
	if err != nil {
		return err
	}
	if o == nil {
		if ref != nil {
			cv.notice = flows.Text{ZH: "这个按钮已经无效。", EN: "That button is no longer valid."}
		}
		cv.seller.Market = ""
		if cv.freeQuestion(input, ref) {
			return nil
		}
		cv.sayf("我们还没开始哪个市场的入驻流程。先选一个市场：", "We have not started onboarding a market yet. Pick one to start:")
		cv.marketList()
		return nil
	}
	step := flows.Current(m, o.State, cv.now)
	if ref != nil && (ref.Market != m.ID || step.Question == nil || ref.Question != step.Question.ID) {
		cv.notice = flows.Text{ZH: "这个问题已经过去了，按钮无效。", EN: "That question is no longer current."}
		cv.sayf("这个按钮属于一个已经过去的问题，没有记录。当前的问题是：", "That button belongs to a question that is no longer current, so it was not recorded. Here is where you are:")
		cv.present(m, o, step)
		return nil
	}
	if step.Question == nil {
		if cv.freeQuestion(input, ref) {
			return nil
		}
		// One short line, not the whole checklist again for a stray message.
		if step.Verdict != nil {
			// No checklist to offer: there is none until the stop is undone.
			cv.sayf("%s 的入驻停在资质审核：%s", "Onboarding for %s stopped at eligibility: %s", m.Name, step.Verdict.Reason)
			cv.offer(flows.Text{ZH: "⬅️ 改那个回答", EN: "⬅️ Change that answer"}, "back", m, step.Verdict.Question.ID)
			cv.offer(flows.Text{ZH: "❓ 帮助", EN: "❓ Help"}, "help", nil, "")
			return nil
		}
		// A number typed at the checklist is the item of that number, as
		// pressing it would be.
		if _, ok := parseNumber(strings.TrimSpace(input)); ok && ref == nil {
			return cv.why([]string{strings.TrimSpace(input)})
		}
		cv.sayf("%s 的问题都答完了。要标记清单项，点清单里的编号，或输入 done 3。", "You have answered every question for %s. To mark an item, press its number in the checklist, or type done 3.", m.Name)
		cv.offer(flows.Text{ZH: "📋 查看清单", EN: "📋 Checklist"}, "checklist "+m.ID, m, "")
		cv.offer(flows.Text{ZH: "❓ 帮助", EN: "❓ Help"}, "help", nil, "")
		return nil
	}
	if ref == nil && cv.movedOn(m, o, step) {
		return nil
	}
	next, rej := flows.Apply(m, o.State, input, cv.now)
	if rej != nil && asksForHelp(input) {
		// "怎么用？" at a question is not a wrong answer: the help, then
		// the question again.
		if err := cv.help(nil); err != nil {
			return err
		}
		cv.ask(m, o, step)
		return nil
	}
	if rej != nil {
		cv.say(rej.Message)
		cv.ask(m, o, step)
		return nil
	}
	next.Picked = nil // an answer ends any ticking
	o.State = next
	if err := cv.save(m, o); err != nil {
		return err
	}
	last := next.Answers[len(next.Answers)-1]
	if err := cv.history(m.ID, ActionAnswer, last.Question, answerValue(last)); err != nil {
		return err
	}
	if err := cv.teamNote(flows.Textf(flows.Text{ZH: "回答了 %s 的「%s」", EN: "answered %s in %s"}, last.Question, m.Name)); err != nil {
		return err
	}
	after := flows.Current(m, next, cv.now)
	if after.Question == nil && after.Verdict == nil {
		cv.outcome(m, o, after) // the last question: say plainly where that leaves them
		return nil
	}
	for _, w := range after.Warnings {
		if w.Question.ID == last.Question {
			cv.sayf("⚠️ 注意：%s", "⚠️ Note: %s", w.Reason) // its source: /warnings
		}
	}
	cv.present(m, o, after)
	return nil
}

func answerValue(a flows.Answer) string {
	if len(a.Values) > 0 {
		return strings.Join(a.Values, ",")
	}
	return a.Text
}

// present shows where the seller stands: the question to answer, the
// verdict, or the checklist.
func (cv *Conversation) present(m *flows.Market, o *Onboarding, step flows.Step) {
	switch {
	case step.Question != nil:
		cv.ask(m, o, step)
	case step.Verdict != nil:
		cv.verdict(m, step.Verdict)
	default:
		cv.checklist(m, o)
	}
}
