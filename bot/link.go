package bot

// /link, /unlink and /whoami: one person's accounts on several platforms
// as one seller; /invite and /team: several people as one company.

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/onboardbot/onboardbot/flows"
)

// Codes: eight characters, shown as two groups of four. The first four
// find the code, the whole proves it; an ID given with a wrong secret
// MaxCodeTries times voids that code, and an account that gives
// MaxAccountTries wrong codes within CodeTryWindow must wait.
const (
	CodeTTL         = 10 * time.Minute
	MaxCodeTries    = 5
	MaxAccountTries = 10
	CodeTryWindow   = time.Hour
	// CodeKept is how long a code is kept once it expired or was used:
	// given within it, it is answered as expired or used (not counted as a
	// wrong code); after it, its id may be given out again.
	CodeKept = 24 * time.Hour
	// codeAlphabet leaves out what reads alike (0 O, 1 I L).
	codeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
)

// ActionLink records in the history an account or a member joining, and
// progress set aside when two companies' joined (its state in Value).
const ActionLink Action = "link"

func newCode() (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("new code: %w", err)
	}
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	return string(b), nil
}

func codeHash(code string) string {
	h := sha256.Sum256([]byte("onboardbot code " + code))
	return hex.EncodeToString(h[:])
}

// normalizeCode reads a code as typed: case, spaces and dashes do not
// matter. It reports false for what cannot be a code.
func normalizeCode(args []string) (string, bool) {
	c := strings.ToUpper(strings.NewReplacer("-", "", " ", "", "—", "").Replace(strings.Join(args, "")))
	if len(c) != 8 {
		return "", false
	}
	for _, r := range c {
		if !strings.ContainsRune(codeAlphabet, r) {
			return "", false
		}
	}
	return c, true
}

// linkCmd gives a code (no argument), takes one, or (from a button)
// keeps one of two progresses of a market.
func (cv *Conversation) linkCmd(args []string) error {
	if len(args) == 0 {
		return cv.giveCode(CodeLink)
	}
	if strings.EqualFold(args[0], "keep") {
		return cv.keep(args[1:])
	}
	return cv.takeCode(args)
}

func (cv *Conversation) invite(args []string) error {
	if cv.who.Member.Role != RoleOwner {
		cv.sayf("只有公司的创建者可以邀请成员。", "Only your company's owner can invite members.")
		return nil
	}
	return cv.giveCode(CodeInvite)
}

func (cv *Conversation) join(args []string) error {
	if len(args) == 0 {
		cv.sayf("请写上邀请码，例如：/join ABCD-EFGH", "Please give the invitation code, for example: /join ABCD-EFGH")
		return nil
	}
	return cv.takeCode(args)
}

// giveCode makes a code of a kind for the member who asked.
func (cv *Conversation) giveCode(kind CodeKind) error {
	var code string
	for range 5 {
		c, err := newCode()
		if err != nil {
			return err
		}
		if _, err := cv.tx.Code(cv.ctx, c[:4]); errors.Is(err, ErrNotFound) {
			code = c
			break
		} else if err != nil {
			return err
		}
	}
	if code == "" {
		return errors.New("new code: no free code id after 5 tries")
	}
	c := Code{ID: code[:4], Hash: codeHash(code), Kind: kind, SellerID: cv.seller.ID, MemberID: cv.who.Member.ID,
		CreatedAt: cv.now, ExpiresAt: cv.now.Add(CodeTTL)}
	if err := cv.tx.AddCode(cv.ctx, c); err != nil {
		return err
	}
	shown := code[:4] + "-" + code[4:]
	if kind == CodeInvite {
		cv.sayf("👥 邀请码：%s\n请同事在自己的账号（Telegram、Slack 都可以）里给我发：join %s\n他们会加入你的公司，共用市场进度和清单，各自用自己的语言。邀请码 10 分钟内有效，只能用一次。",
			"👥 Invitation code: %s\nAsk your colleague to send me, from their own account (Telegram or Slack): join %s\nThey join your company, sharing its markets and checklist, each in their own language. The code works once, within 10 minutes.", shown, shown)
		return nil
	}
	cv.sayf("🔗 绑定码：%s\n在你的另一个账号（另一个平台或终端）里给我发：link %s\n两个账号会合并成一个，进度共用。绑定码 10 分钟内有效，只能用一次；不要发给别人。",
		"🔗 Link code: %s\nFrom your other account (another platform, or the terminal), send me: link %s\nThe two accounts become one seller, with one progress. The code works once, within 10 minutes; do not share it.", shown, shown)
	return nil
}

// takeCode checks a code given by this account and joins the account to
// the code's company.
func (cv *Conversation) takeCode(args []string) error {
	acct := cv.who.Account
	tries, err := cv.tx.CodeTries(cv.ctx, acct.Platform, acct.UserID, cv.now.Add(-CodeTryWindow))
	if err != nil {
		return err
	}
	if tries >= MaxAccountTries {
		cv.sayf("⛔ 错误的码太多了，请一小时后再试，或在原账号里重新获取一个码。", "⛔ Too many wrong codes: please try again in an hour, or get a new code from your other account.")
		return nil
	}
	c, why, err := cv.checkCode(args)
	if err != nil {
		return err
	}
	if why != nil {
		if err := cv.tx.AddCodeTry(cv.ctx, acct.Platform, acct.UserID, cv.now); err != nil {
			return err
		}
		cv.say(*why)
		return nil
	}
	if err := cv.tx.LockSeller(cv.ctx, c.SellerID); err != nil {
		return err
	}
	members, err := cv.tx.Members(cv.ctx, c.SellerID)
	if err != nil {
		return err
	}
	if !hasMember(members, c.MemberID) {
		// Removed, or gone to another company, since the code was given
		// (RemoveMember voids their codes): what they asked for is void.
		// Not a wrong try: the code was right.
		cv.sayf("❌ 这个码已经失效：发码的人已经不在那个公司了。什么都没有改；请向公司里的人重新要一个码。",
			"❌ That code is no longer valid: whoever asked for it is no longer in that company. Nothing was changed; ask someone in the company for a new code.")
		return nil
	}
	if c.SellerID == cv.seller.ID {
		if c.Kind == CodeLink && c.MemberID == cv.who.Member.ID {
			cv.sayf("这个账号已经是你的了：绑定码要在另一个账号里发。/whoami 查看已绑定的账号。", "This account is already yours: send the code from your other account. /whoami shows the accounts linked.")
		} else {
			cv.sayf("你已经在这个公司里了。/team 查看成员。", "You already belong to that company. /team shows its members.")
		}
		return nil
	}
	accounts, err := cv.tx.SellerAccounts(cv.ctx, cv.seller.ID)
	if err != nil {
		return err
	}
	if len(accounts) > 1 {
		cv.sayf("这个账号已经和其他账号或同事绑定在一起。先用 /unlink 或请公司创建者把它移出，再绑定。",
			"This account is already joined with other accounts or colleagues. /unlink it (or ask your company's owner to remove you) first.")
		return nil
	}
	c.UsedAt = cv.now
	if err := cv.tx.SaveCode(cv.ctx, c); err != nil {
		return err
	}
	return cv.joinCompany(c, members)
}

// checkCode finds the code given; why says what is wrong with it.
func (cv *Conversation) checkCode(args []string) (Code, *flows.Text, error) {
	code, ok := normalizeCode(args)
	wrong := &flows.Text{ZH: "❌ 这个码不对。请检查后再发一次（码是 8 位，例如 ABCD-EFGH）。", EN: "❌ That code is not right. Please check it and send it again (8 characters, like ABCD-EFGH)."}
	if !ok {
		return Code{}, wrong, nil
	}
	c, err := cv.tx.Code(cv.ctx, code[:4])
	if errors.Is(err, ErrNotFound) {
		return c, wrong, nil
	}
	if err != nil {
		return c, nil, err
	}
	switch {
	case c.Tries >= MaxCodeTries:
		return c, &flows.Text{ZH: "❌ 这个码试错太多次，已经作废。请重新获取一个。", EN: "❌ That code was tried wrongly too many times and is void. Please get a new one."}, nil
	case c.Hash != codeHash(code):
		c.Tries++
		if err := cv.tx.SaveCode(cv.ctx, c); err != nil {
			return c, nil, err
		}
		return c, wrong, nil
	case !c.UsedAt.IsZero():
		return c, &flows.Text{ZH: "❌ 这个码已经用过了。请重新获取一个。", EN: "❌ That code was used already. Please get a new one."}, nil
	case !cv.now.Before(c.ExpiresAt):
		return c, &flows.Text{ZH: "❌ 这个码已经过期（10 分钟有效）。请重新获取一个。", EN: "❌ That code has expired (it works for 10 minutes). Please get a new one."}, nil
	}
	return c, nil, nil
}

func hasMember(ms []Member, id int64) bool {
	for _, m := range ms {
		if m.ID == id {
			return true
		}
	}
	return false
}

// joinCompany moves this account into the code's company, as the member
// who asked (a link) or a new member (an invitation), and brings along
// what its own company had: progress, history, files, reminders.
func (cv *Conversation) joinCompany(c Code, members []Member) error {
	old, who := *cv.seller, *cv.who
	accts, err := cv.tx.SellerAccounts(cv.ctx, c.SellerID)
	if err != nil {
		return err
	}
	if len(accts) == 0 {
		return fmt.Errorf("company %d of code has no account", c.SellerID)
	}
	into, err := cv.tx.Identify(cv.ctx, accts[0].Platform, accts[0].UserID)
	if err != nil {
		return fmt.Errorf("company %d of code: %w", c.SellerID, err)
	}
	member := who.Member
	member.SellerID = c.SellerID
	if c.Kind == CodeLink {
		for _, m := range members {
			if m.ID == c.MemberID {
				member = m
			}
		}
		member.Platform, member.UserID = who.Account.Platform, who.Account.UserID
	} else {
		member.ID, member.Role, member.Seen, member.CreatedAt = 0, RoleMember, "", cv.now
		if err := cv.tx.AddMember(cv.ctx, &member); err != nil {
			return err
		}
	}
	acct := who.Account
	acct.SellerID, acct.MemberID = c.SellerID, member.ID
	if err := cv.tx.SaveAccount(cv.ctx, acct); err != nil {
		return err
	}
	if err := cv.tx.RemoveMember(cv.ctx, who.Member.ID); err != nil {
		return err
	}
	company := into.Seller
	company.RemindersOff |= old.RemindersOff
	if !company.TZSet && old.TZSet {
		company.TZ, company.TZSet = old.TZ, true
	}
	if company.Market == "" {
		company.Market = old.Market
	}
	*cv.who = Identity{Account: acct, Member: member, Seller: company, Members: len(members)}
	if c.Kind == CodeInvite {
		cv.who.Members++
	}
	// The message's own account is the company's latest now, in this
	// member's language: see saveIdentity.
	s := asAccount(*cv.who)
	s.ChatID, s.Unreachable = old.ChatID, false
	if c.Kind == CodeInvite {
		s.Lang, s.LangSet = old.Lang, old.LangSet
	}
	*cv.seller = s
	// The entry of the link or the join comes first; what the merge did
	// follows it, after the history it brought (see mergeProgress).
	subject := acct.Key()
	if c.Kind == CodeInvite {
		subject = memberName(member)
		if cv.name != "" {
			subject = cv.name
		}
	}
	if err := cv.history("", ActionLink, subject, string(c.Kind)); err != nil {
		return err
	}
	conflicts, err := cv.mergeProgress(old.ID, acct.Key())
	if err != nil {
		return err
	}
	if err := cv.tx.RetireSeller(cv.ctx, old.ID, cv.now); err != nil {
		return err
	}
	if c.Kind == CodeInvite {
		cv.sayf("✅ 你已加入公司，和同事共用市场进度和清单。/team 查看成员，/status 查看进度。", "✅ You joined the company: you share its markets and checklist with your colleagues. /team shows the members, /status the progress.")
		if err := cv.teamNote(flows.Text{ZH: "加入了团队", EN: "joined the team"}); err != nil {
			return err
		}
	} else {
		cv.sayf("✅ 绑定好了：这个账号和你的其他账号现在是同一个卖家，进度共用。/whoami 查看已绑定的账号，/status 查看进度。",
			"✅ Linked: this account and your other accounts are one seller now, with one progress. /whoami shows the accounts linked, /status the progress.")
	}
	return cv.askKeep(conflicts)
}

// mergeProgress moves a retired company's progress to this one: each
// market this one has not started moves whole; a market both started
// waits for the seller's choice (see keep). The history and the files are
// copied (the retired company keeps its own), and its pending reminders
// are cancelled (the moved markets plan theirs again). The history
// records the merge after the entries it copied: in the company's (no
// market) that key's progress joined, and in each market what became of
// it.
func (cv *Conversation) mergeProgress(from int64, key string) ([]Merge, error) {
	os, err := cv.tx.Onboardings(cv.ctx, from)
	if err != nil {
		return nil, err
	}
	if err := cv.cancelReminders(from); err != nil {
		return nil, err
	}
	var conflicts []Merge
	var moved []string
	for _, o := range os {
		m, mine, err := cv.onboarding(o.Market)
		if err != nil {
			return nil, err
		}
		if m == nil {
			continue // a market no longer in the rules stays with the retired company
		}
		if mine != nil {
			if err := cv.tx.SetMerge(cv.ctx, cv.seller.ID, from, o.Market, true, cv.now); err != nil {
				return nil, err
			}
			// Not announced to while it waits: it is not the seller's progress.
			if err := cv.tx.SetMuted(cv.ctx, from, o.Market, true); err != nil {
				return nil, err
			}
			conflicts = append(conflicts, Merge{SellerID: cv.seller.ID, From: from, Market: o.Market})
			continue
		}
		if err := cv.moveOnboarding(m, o, from); err != nil {
			return nil, err
		}
		moved = append(moved, o.Market)
	}
	if err := cv.tx.CopyHistory(cv.ctx, from, cv.seller.ID); err != nil {
		return nil, err
	}
	if len(moved)+len(conflicts) > 0 {
		if err := cv.history("", ActionLink, key, linkMerged); err != nil {
			return nil, err
		}
	}
	for _, market := range moved {
		if err := cv.history(market, ActionLink, key, linkMovedIn); err != nil {
			return nil, err
		}
	}
	for _, c := range conflicts {
		if err := cv.history(c.Market, ActionLink, key, linkBoth); err != nil {
			return nil, err
		}
	}
	return conflicts, cv.tx.CopyFiles(cv.ctx, from, cv.seller.ID)
}

// What a link entry of the history records (its Value; Question is the
// account's key, or a member's name): an account linked (string(CodeLink))
// or a member joined (string(CodeInvite)), and these. A kept progress's
// entry is Question linkSetAside with the other progress as JSON.
const (
	linkUnlinked = "unlinked"
	linkRemoved  = "removed"
	linkMerged   = "merged"   // the progress an account brought joined the company's
	linkMovedIn  = "moved in" // a market's progress came whole with an account
	linkBoth     = "both"     // both had progress in a market: the seller is asked
	linkSetAside = "set aside"
)

// LinkLine is a link entry of the history (accounts linked and separated,
// members joined and removed, progress merged or set aside) as a seller
// or an admin reads it.
func LinkLine(h HistoryEntry, lang flows.Lang) string {
	who := accountLabel(h.Question)
	var t flows.Text
	switch {
	case h.Question == linkSetAside:
		var o Onboarding
		if err := json.Unmarshal([]byte(h.Value), &o); err != nil {
			return flows.Text{ZH: "合并账号时另一份进度记在这里", EN: "the other progress, set aside when accounts joined"}.In(lang)
		}
		t = flows.Textf(flows.Text{ZH: "选择了保留的进度；另一份（「%s」阶段，%d 个回答）记在这里", EN: "a progress was kept; the other (%s stage, %d answers) is set aside here"},
			o.Stage.Name(), len(o.State.Answers))
	case h.Value == string(CodeLink):
		t = flows.Textf(flows.Text{ZH: "🔗 绑定了 %s 账号", EN: "🔗 linked the %s account"}, who)
	case h.Value == string(CodeInvite):
		t = flows.Textf(flows.Text{ZH: "👥 %s 加入了团队", EN: "👥 %s joined the team"}, who)
	case h.Value == linkUnlinked:
		t = flows.Textf(flows.Text{ZH: "解除了 %s 账号", EN: "separated the %s account"}, who)
	case h.Value == linkRemoved:
		t = flows.Textf(flows.Text{ZH: "%s 被移出了团队", EN: "%s was removed from the team"}, who)
	case h.Value == linkMerged:
		t = flows.Textf(flows.Text{ZH: "%s 账号原有的进度并入了公司", EN: "the progress the %s account had joined the company's"}, who)
	case h.Value == linkMovedIn:
		t = flows.Textf(flows.Text{ZH: "这份进度随 %s 账号并入", EN: "this progress came with the %s account"}, who)
	case h.Value == linkBoth:
		t = flows.Textf(flows.Text{ZH: "%s 账号也有这个市场的进度：请选择保留哪一份", EN: "the %s account had progress here too: which to keep was asked"}, who)
	default:
		return h.Question + " " + h.Value
	}
	return t.In(lang)
}

// accountLabel shows an account's key as sellers know it ("slack:U1" is
// "Slack U1"); anything else (a member's name) as it is.
func accountLabel(key string) string {
	p, id, ok := strings.Cut(key, ":")
	if ok && (p == "telegram" || p == "slack" || p == "console") {
		return platformName(p) + " " + id
	}
	return key
}

func (cv *Conversation) moveOnboarding(m *flows.Market, o Onboarding, from int64) error {
	if err := cv.tx.DeleteOnboarding(cv.ctx, from, o.Market); err != nil {
		return err
	}
	o.SellerID = cv.seller.ID
	if err := cv.tx.SaveOnboarding(cv.ctx, o, Project(m, o, cv.now)); err != nil {
		return fmt.Errorf("move onboarding %s: %w", o.Market, err)
	}
	return cv.planExpiries(&o)
}

func (cv *Conversation) cancelReminders(seller int64) error {
	rs, err := cv.tx.SellerReminders(cv.ctx, seller)
	if err != nil {
		return err
	}
	for _, r := range rs {
		if err := cv.tx.FinishReminder(cv.ctx, r, ReminderCancelled, cv.now); err != nil {
			return err
		}
	}
	return nil
}

// askKeep asks, for each market both had started, which progress to keep.
func (cv *Conversation) askKeep(conflicts []Merge) error {
	if len(conflicts) == 0 {
		return nil
	}
	cv.newMessage()
	c := conflicts[0]
	m, mine, err := cv.onboarding(c.Market)
	if err != nil || m == nil || mine == nil {
		return err
	}
	theirs, err := cv.tx.Onboarding(cv.ctx, c.From, c.Market)
	if err != nil {
		return err
	}
	cv.sayf("⚠️ 两边都开始过 %s 的入驻。保留哪一份进度？另一份会记在历史里，不会删除。", "⚠️ Both sides had started %s. Which progress do you keep? The other is kept in the history, not deleted.", m.Name)
	progress := func(o Onboarding) string {
		return flows.Textf(flows.Text{ZH: "「%s」阶段，%d 个回答", EN: "%s stage, %d answers"}, o.Stage.Name(), len(o.State.Answers)).In(cv.lang())
	}
	cv.text("1. " + flows.Text{ZH: "公司原来的：", EN: "The company's: "}.In(cv.lang()) + progress(*mine))
	cv.text("2. " + flows.Text{ZH: "这个账号带来的：", EN: "This account's: "}.In(cv.lang()) + progress(theirs))
	base := fmt.Sprintf("link keep %s %d ", c.Market, c.From)
	cv.offer(flows.Text{ZH: "保留 1（公司原来的）", EN: "Keep 1 (the company's)"}, base+"here", nil, "")
	cv.offer(flows.Text{ZH: "保留 2（这个账号的）", EN: "Keep 2 (this account's)"}, base+"joined", nil, "")
	return nil
}

// keep settles a market both joined companies had started: "here" keeps
// the company's progress, "joined" the one the joined account brought.
// The other goes into the history (its state as JSON), never deleted.
func (cv *Conversation) keep(args []string) error {
	var from int64
	if len(args) == 3 {
		from, _ = strconv.ParseInt(args[1], 10, 64)
	}
	merges, err := cv.tx.Merges(cv.ctx, cv.seller.ID)
	if err != nil {
		return err
	}
	var found bool
	for _, mg := range merges {
		found = found || (len(args) == 3 && mg.From == from && mg.Market == args[0] && (args[2] == "here" || args[2] == "joined"))
	}
	if !found {
		cv.notice = flows.Text{ZH: "这个按钮已经无效。", EN: "That button is no longer valid."}
		cv.sayf("没有需要选择的进度了。/status 查看进度。", "There is no progress left to choose. /status shows where you are.")
		return nil
	}
	market := args[0]
	m, mine, err := cv.onboarding(market)
	if err != nil || m == nil || mine == nil {
		return err
	}
	theirs, err := cv.tx.Onboarding(cv.ctx, from, market)
	if err != nil {
		return err
	}
	setAside := theirs
	if args[2] == "joined" {
		setAside = *mine
	}
	state, err := json.Marshal(setAside)
	if err != nil {
		return err
	}
	if err := cv.history(market, ActionLink, linkSetAside, string(state)); err != nil {
		return err
	}
	if args[2] == "joined" {
		theirs.Muted = mine.Muted
		if err := cv.moveOnboarding(m, theirs, from); err != nil {
			return err
		}
	} else if err := cv.tx.DeleteOnboarding(cv.ctx, from, market); err != nil {
		return err
	}
	if err := cv.tx.SetMerge(cv.ctx, cv.seller.ID, from, market, false, cv.now); err != nil {
		return err
	}
	cv.sayf("✅ 已保留这一份 %s 的进度，另一份记在历史里（/history %s）。", "✅ Kept that progress for %s; the other is in the history (/history %s).", m.Name, market)
	var rest []Merge
	for _, mg := range merges {
		if mg.From != from || mg.Market != market {
			rest = append(rest, mg)
		}
	}
	return cv.askKeep(rest)
}
