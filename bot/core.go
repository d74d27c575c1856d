package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/onboardbot/onboardbot/flows"
)

// MaxTextBytes bounds an inbound message; longer ones are refused with a
// notice rather than parsed.
const MaxTextBytes = 4096

// Core handles sellers' messages: it loads the seller, runs the command or
// the answer through the flow engine, and saves the new state together with
// the replies in one transaction.
type Core struct {
	store    Store
	catalog  atomic.Pointer[flows.Catalog]
	rendered atomic.Pointer[catalogViews]
	now      func() time.Time
	log      *slog.Logger
	commands []Command
	admins   Admins
	obs      Observer
	notify   Notifier
}

// Option configures a Core.
type Option func(*Core)

// WithClock sets the clock, so tests control dates.
func WithClock(now func() time.Time) Option { return func(c *Core) { c.now = now } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(c *Core) { c.log = l } }

// New returns a Core over a store and the market rules.
func New(store Store, catalog *flows.Catalog, opts ...Option) *Core {
	c := &Core{store: store, now: time.Now, log: slog.New(slog.DiscardHandler), admins: noAdmins{}, obs: noObserver{}, notify: noNotifier{}}
	c.catalog.Store(catalog)
	for _, o := range opts {
		o(c)
	}
	c.commands = append(commandTable(), c.admins.Commands()...)
	return c
}

// isAdmin says whether s may use admin commands.
func (c *Core) isAdmin(s *Seller) bool { return c.admins.IsAdmin(*s) }

// Catalog returns the market rules the core runs on.
func (c *Core) Catalog() *flows.Catalog { return c.catalog.Load() }

// Handle processes one inbound message. The seller's new state, the record
// that the delivery was handled and the replies are committed together
// before Handle returns the replies; a redelivered update returns none.
func (c *Core) Handle(ctx context.Context, in Inbound) ([]Reply, error) {
	began := time.Now()
	now := c.now().UTC()
	var out []Reply
	duplicate, broadcast := false, false
	err := c.store.Update(ctx, func(tx Tx) error {
		out, duplicate, broadcast = nil, false, false
		var clicked *Clicked
		if in.UpdateID != "" {
			fresh, err := tx.Claim(ctx, in.Platform, in.UpdateID, now)
			if err != nil {
				return fmt.Errorf("claim update: %w", err)
			}
			if !fresh {
				duplicate = true
				return nil
			}
		}
		if in.Button != nil {
			// Resolved here, in the transaction that takes the answer, so
			// the message clicked is read where the answer is written.
			r, i, err := ResolveButton(ctx, tx, in.Button.Data, in.Platform, in.Button.InChat)
			if err != nil {
				return fmt.Errorf("resolve button: %w", err)
			}
			ref := ChoiceRef{} // unknown data: answered as a button that is not current
			if r != nil {
				ref, clicked = r.Choices[i].Ref, &Clicked{Message: *r, Label: r.Choices[i].Label}
			}
			in.Choice = &ref
		}
		seller, stored, err := c.seller(ctx, tx, in, now)
		if err != nil {
			return err
		}
		cv := &Conversation{core: c, catalog: c.catalog.Load(), ctx: ctx, tx: tx, seller: &seller, now: now}
		if err := cv.handle(in); err != nil {
			return err
		}
		if seller != stored { // most messages change nothing about the seller: spare the write
			if err := tx.SaveSeller(ctx, seller); err != nil {
				return fmt.Errorf("save seller: %w", err)
			}
		}
		r := cv.reply()
		r.Platform, r.ChatID, r.SellerID, r.Kind = in.Platform, seller.ChatID, seller.ID, KindReply
		if in.Public {
			r.ChatID = in.ChatID // answered where they asked
		}
		if err := tx.Enqueue(ctx, &r, now); err != nil {
			return fmt.Errorf("queue reply: %w", err)
		}
		if r.Notice == "" {
			r.Clicked = clicked
		}
		out, broadcast = []Reply{r}, cv.notifyAll
		return nil
	})
	outcome := "ok"
	switch {
	case err != nil:
		outcome = "error"
	case duplicate:
		outcome = "duplicate"
	}
	c.obs.Handled(in.Platform, outcome, time.Since(began))
	if err != nil {
		return nil, fmt.Errorf("handle %s message: %w", in.Platform, err)
	}
	for _, r := range out {
		c.notify.Notify(r.Platform, r.ChatID)
	}
	if broadcast {
		c.notify.Notify("")
	}
	return out, nil
}

// Skip records an update the bot does not answer (an edited message, a
// channel post, chatter in a group) as handled, so it is not redelivered.
func (c *Core) Skip(ctx context.Context, platform, updateID string) error {
	began := time.Now()
	err := c.store.Update(ctx, func(tx Tx) error {
		_, err := tx.Claim(ctx, platform, updateID, c.now().UTC())
		return err
	})
	outcome := "skipped"
	if err != nil {
		outcome = "error"
	}
	c.obs.Handled(platform, outcome, time.Since(began))
	return err
}

// seller loads the sender, creating them on first contact, and returns
// them updated from the message (chat, language hint), with what is stored.
func (c *Core) seller(ctx context.Context, tx Tx, in Inbound, now time.Time) (s, stored Seller, err error) {
	s, err = tx.Seller(ctx, in.Platform, in.UserID)
	switch {
	case errors.Is(err, ErrNotFound):
		s = Seller{Platform: in.Platform, UserID: in.UserID, Lang: flows.ParseLang(in.LangHint), CreatedAt: now}
		if !in.Public {
			s.ChatID = in.ChatID // a public thread is not where the seller's own messages go
		}
		if err := tx.CreateSeller(ctx, &s); err != nil {
			return s, s, fmt.Errorf("create seller: %w", err)
		}
		c.log.Info("new seller", "platform", in.Platform, "seller", s.ID)
	case err != nil:
		return s, s, fmt.Errorf("load seller: %w", err)
	}
	stored = s
	if in.ChatID != "" && !in.Public {
		s.ChatID = in.ChatID // where the seller talks to us privately
	}
	s.Unreachable = false // they just wrote to us
	if !s.LangSet && in.LangHint != "" {
		s.Lang = flows.ParseLang(in.LangHint)
	}
	return s, stored, nil
}

// Conversation is the handling of one inbound message.
type Conversation struct {
	core     *Core
	catalog  *flows.Catalog // the rules for this whole message, even if they are reloaded meanwhile
	ctx      context.Context
	tx       Tx
	seller   *Seller
	now      time.Time
	parts    []string
	choices  []Choice
	multi    bool
	notice   flows.Text
	statusOf int64 // the reply is the progress message of this announcement
	// notifyAll means other messages were queued too (an announcement):
	// every dispatcher looks at its outbox after the commit.
	notifyAll bool
}

func (cv *Conversation) lang() flows.Lang { return cv.seller.Lang }

// say adds a paragraph to the reply.
func (cv *Conversation) say(t flows.Text) { cv.parts = append(cv.parts, t.In(cv.lang())) }

// sayf adds a formatted paragraph in the seller's language.
func (cv *Conversation) sayf(zh, en string, args ...any) {
	cv.say(flows.Textf(flows.Text{ZH: zh, EN: en}, args...))
}

func (cv *Conversation) reply() Reply {
	return Reply{Text: strings.Join(cv.parts, "\n\n"), Choices: cv.choices, Multi: cv.multi, Notice: cv.notice.In(cv.lang()), StatusOf: cv.statusOf}
}

func (cv *Conversation) handle(in Inbound) error {
	if in.Public {
		cv.sayf("👋 我是跨境开店助手，带你一步步完成新市场的入驻（资质、仓储物流、资质证书清单）。入驻信息只在私信里聊：请给我发私信，输入 start 开始。",
			"👋 I walk cross-border sellers through entering a new market: eligibility, warehousing and logistics, and the certificates they need. Onboarding is private, so let's talk in a direct message: open a DM with me and type start.")
		return nil
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
		if cmd.Admin && !cv.core.isAdmin(cv.seller) {
			cv.core.log.Warn("admin command refused", "command", cmd.Name, "platform", cv.seller.Platform, "user", cv.seller.UserID)
			cv.sayf("这个命令只有管理员可以用。", "Only admins can use that command.")
			return nil
		}
		return cmd.Run(cv, args)
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
		return m, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load onboarding %s: %w", id, err)
	}
	return m, &o, nil
}

// save stores an onboarding with its stage worked out from the rules.
func (cv *Conversation) save(m *flows.Market, o *Onboarding) error {
	o.Stage = flows.Current(m, o.State, cv.now).Stage
	o.UpdatedAt = cv.now
	if err := cv.tx.SaveOnboarding(cv.ctx, *o, Project(m, *o, cv.now)); err != nil {
		return fmt.Errorf("save onboarding %s: %w", o.Market, err)
	}
	return nil
}

func (cv *Conversation) history(market string, a Action, question, value string) error {
	h := HistoryEntry{SellerID: cv.seller.ID, Market: market, Action: a, Question: question, Value: value, At: cv.now}
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
		if step.Verdict != nil {
			cv.sayf("%s 的入驻流程已经停在资质审核这一步。", "Onboarding for %s has stopped at eligibility.", m.Name)
		} else {
			cv.sayf("%s 的问题都答完了。", "You have answered every question for %s.", m.Name)
		}
		cv.present(m, o, step)
		return nil
	}
	next, rej := flows.Apply(m, o.State, input, cv.now)
	if rej != nil {
		cv.say(rej.Message)
		cv.ask(m, step)
		return nil
	}
	o.State = next
	if err := cv.save(m, o); err != nil {
		return err
	}
	last := next.Answers[len(next.Answers)-1]
	if err := cv.history(m.ID, ActionAnswer, last.Question, answerValue(last)); err != nil {
		return err
	}
	after := flows.Current(m, next, cv.now)
	for _, w := range after.Warnings {
		if w.Question.ID == last.Question {
			cv.sayf("⚠️ 注意：%s", "⚠️ Note: %s", w.Reason)
			cv.parts = append(cv.parts, cv.source(w.Question.Sourced))
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
		cv.ask(m, step)
	case step.Verdict != nil:
		cv.verdict(m, step.Verdict)
	default:
		cv.checklist(m, o)
	}
}

// ask shows a question with its choices.
func (cv *Conversation) ask(m *flows.Market, step flows.Step) {
	q := step.Question
	lang := cv.lang()
	var b strings.Builder
	fmt.Fprintf(&b, "%s · %s · ", m.Name.In(lang), q.Stage.Name().In(lang))
	if lang == flows.ZH {
		fmt.Fprintf(&b, "第 %d 题", step.Asked+1)
	} else {
		fmt.Fprintf(&b, "question %d", step.Asked+1)
	}
	if step.Asked > 0 {
		b.WriteString(flows.Text{ZH: "（/back 改上一题）", EN: " (/back to change the last answer)"}.In(lang))
	}
	b.WriteString("\n")
	b.WriteString(q.Text.In(lang))
	if !q.Help.IsZero() {
		b.WriteString("\n" + q.Help.In(lang))
	}
	if !q.Expect.IsZero() {
		b.WriteString("\n" + flows.Textf(flows.Text{ZH: "格式：%s", EN: "Format: %s"}, q.Expect).In(lang))
	}
	if q.ID != flows.CategoryQuestionID {
		b.WriteString("\n" + cv.source(q.Sourced))
	}
	cv.parts = append(cv.parts, b.String())
	cv.choices, cv.multi = nil, q.Kind == flows.KindMulti
	for _, c := range q.Choices {
		cv.choices = append(cv.choices, Choice{Label: c.Label.In(lang), Ref: ChoiceRef{Market: m.ID, Question: q.ID, Choice: c.ID}})
	}
}

// verdict explains why the seller is not eligible and what would change that.
func (cv *Conversation) verdict(m *flows.Market, f *flows.Finding) {
	cv.sayf("❌ 目前还不能入驻 %s。", "❌ You cannot open a shop on %s yet.", m.Name)
	cv.sayf("原因：%s", "Why: %s", f.Reason)
	cv.sayf("依据的规则：“%s” 你的回答：%s", "The rule: \"%s\" You answered: %s", f.Question.Text, f.Answer)
	cv.parts = append(cv.parts, cv.source(f.Question.Sourced))
	cv.sayf("怎么做才能入驻：%s", "The way forward: %s", f.Remedy)
	cv.sayf("答错了？用 /back 修改上一个回答，或 /restart %s 重新开始。", "Answered wrongly? /back changes the last answer; /restart %s starts over.", m.ID)
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
