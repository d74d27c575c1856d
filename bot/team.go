package bot

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/onboardbot/onboardbot/flows"
)

// platformKey is the platform a seller names: as stored, or as
// platformName shows it ("terminal" is the console).
func platformKey(name string) string {
	switch p := strings.ToLower(name); p {
	case "terminal", "终端":
		return "console"
	default:
		return p
	}
}

// platformName is a platform as sellers know it.
func platformName(p string) string {
	switch p {
	case "telegram":
		return "Telegram"
	case "slack":
		return "Slack"
	case "console":
		return "terminal"
	}
	return p
}

func (cv *Conversation) whoami(args []string) error {
	accts, err := cv.tx.SellerAccounts(cv.ctx, cv.seller.ID)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(flows.Text{ZH: "你的账号（同一个卖家，进度共用）：", EN: "Your accounts (one seller, one progress):"}.In(cv.lang()))
	for _, a := range accts {
		if a.MemberID != cv.who.Member.ID {
			continue
		}
		fmt.Fprintf(&b, "\n• %s %s", platformName(a.Platform), a.UserID)
		if a.Platform == cv.seller.Platform && a.UserID == cv.seller.UserID {
			b.WriteString(flows.Text{ZH: "（当前）", EN: " (this one)"}.In(cv.lang()))
		}
	}
	cv.text(b.String())
	if cv.who.Members > 1 {
		cv.sayf("你在一个 %d 人的团队里（/team）。", "You are in a team of %d (/team).", cv.who.Members)
	}
	cv.sayf("公告和提醒发到你最近用的账号。绑定另一个账号：/link；解除：/unlink <平台>；账号的记录：/history account",
		"Announcements and reminders go to the account you used last. To link another account: /link; to separate one: /unlink <platform>; their history: /history account")
	return nil
}

func (cv *Conversation) unlink(args []string) error {
	if len(args) == 0 {
		cv.sayf("请写上要解除的平台，例如：/unlink slack", "Please name the platform to separate, for example: /unlink slack")
		return nil
	}
	platform := platformKey(args[0])
	accts, err := cv.tx.SellerAccounts(cv.ctx, cv.seller.ID)
	if err != nil {
		return err
	}
	var mine, gone []Account
	for _, a := range accts {
		if a.MemberID != cv.who.Member.ID {
			continue
		}
		mine = append(mine, a)
		if a.Platform == platform && a.Key() != cv.who.Account.Key() {
			gone = append(gone, a)
		}
	}
	if len(gone) == 0 {
		// The account writing is never separated by its own message: it
		// would cut off the conversation that asked, and an account that
		// may have been left unattended could not take itself out of the
		// company's reach either way.
		switch {
		case platform == cv.who.Account.Platform && len(mine) > 1:
			cv.sayf("不能解除你正在用的这个 %s 账号：请在你的另一个账号里发 /unlink %s。什么都没有改。",
				"You cannot separate the %s account you are writing from: send /unlink %s from your other account. Nothing was changed.",
				platformName(platform), platform)
		case platform == cv.who.Account.Platform:
			cv.sayf("这是你正在用的账号，也是你唯一的账号：没有可以解除的。绑定另一个账号：/link", "This is the account you are writing from, and your only one: there is nothing to separate. To link another: /link")
		default:
			cv.sayf("没有绑定 %s 的账号。/whoami 查看已绑定的账号。", "No %s account is linked. /whoami shows the accounts linked.", platformName(platform))
		}
		return nil
	}
	for _, a := range gone {
		if err := cv.tx.RemoveAccount(cv.ctx, a.Platform, a.UserID); err != nil {
			return err
		}
		if err := cv.history("", ActionLink, a.Key(), linkUnlinked); err != nil {
			return err
		}
	}
	cv.sayf("✅ 已解除 %s 账号。进度留在这里；那个账号以后是一个新的卖家。", "✅ The %s account is separated. The progress stays here; that account starts afresh as a seller of its own.", platformName(platform))
	return nil
}

func (cv *Conversation) team(args []string) error {
	members, err := cv.tx.Members(cv.ctx, cv.seller.ID)
	if err != nil {
		return err
	}
	if len(args) >= 1 && (strings.EqualFold(args[0], "remove") || args[0] == "移除") {
		return cv.removeMember(members, args[1:])
	}
	accts, err := cv.tx.SellerAccounts(cv.ctx, cv.seller.ID)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(flows.Text{ZH: "👥 团队成员：", EN: "👥 Your team:"}.In(cv.lang()))
	for i, m := range members {
		fmt.Fprintf(&b, "\n%d. %s", i+1, memberName(m))
		if m.Role == RoleOwner {
			b.WriteString(flows.Text{ZH: "（创建者）", EN: " (owner)"}.In(cv.lang()))
		}
		if m.ID == cv.who.Member.ID {
			b.WriteString(flows.Text{ZH: "（你）", EN: " (you)"}.In(cv.lang()))
		}
		var ps []string
		for _, a := range accts {
			if a.MemberID == m.ID && !slices.Contains(ps, platformName(a.Platform)) {
				ps = append(ps, platformName(a.Platform))
			}
		}
		b.WriteString(" · " + strings.Join(ps, ", "))
		if zh, en, ok := strings.Cut(m.LastDid, didSep); ok {
			did := flows.Text{ZH: zh, EN: en}.In(cv.lang())
			b.WriteString(flows.Textf(flows.Text{ZH: " · 最近：%s（%s）", EN: " · last: %s (%s)"}, did, cv.localTime(m.LastAt)).In(cv.lang()))
		}
	}
	cv.text(b.String())
	if cv.who.Member.Role == RoleOwner {
		cv.sayf("邀请同事：/invite；移除成员：/team remove <编号>；团队的记录：/history team", "Invite a colleague: /invite; remove a member: /team remove <number>; the team's history: /history team")
	}
	return nil
}

// localTime is a time as the seller reads it, in their zone.
// localTime is a time as the seller reads it: in their zone (the one set,
// else the platform's, else the default), as /reminders shows times.
func (cv *Conversation) localTime(t time.Time) string {
	return t.In(cv.zone()).Format("2006-01-02 15:04")
}

func (cv *Conversation) removeMember(members []Member, args []string) error {
	if cv.who.Member.Role != RoleOwner {
		cv.sayf("只有公司的创建者可以移除成员。", "Only your company's owner can remove members.")
		return nil
	}
	n := 0
	if len(args) == 1 {
		n, _ = strconv.Atoi(args[0])
	}
	if n < 1 || n > len(members) {
		cv.sayf("请写上 /team 里的成员编号，例如：/team remove 2", "Please give the member's number in /team, for example: /team remove 2")
		return nil
	}
	m := members[n-1]
	if m.ID == cv.who.Member.ID {
		cv.sayf("不能移除你自己。", "You cannot remove yourself.")
		return nil
	}
	if err := cv.tx.RemoveMember(cv.ctx, m.ID); err != nil {
		return err
	}
	cv.who.Members--
	if err := cv.history("", ActionLink, memberName(m), linkRemoved); err != nil {
		return err
	}
	cv.sayf("✅ 已移除 %s。他们的账号以后是新的卖家，看不到公司的进度；他们手里还没用的码也作废了。", "✅ %s is removed. Their accounts start afresh as sellers of their own, without the company's progress; codes they held are void.", memberName(m))
	return nil
}

// TeamNoteQuiet is how long a member's notes wait for more: a burst of
// answers and marks by a colleague reaches them as one message.
const TeamNoteQuiet = 30 * time.Second

// FlushTeamNotes sends each member, as one message, the notes of bursts
// that are over (none came for quiet), and says how long until the next
// burst is over (0 if none is waiting).
func (c *Core) FlushTeamNotes(ctx context.Context, quiet time.Duration) (time.Duration, error) {
	now := c.now().UTC()
	var next time.Duration
	var sent bool
	err := c.store.Update(ctx, func(tx Tx) error {
		next, sent = 0, false
		notes, err := tx.QuietTeamNotes(ctx, now.Add(-quiet), 500)
		if err != nil {
			return err
		}
		var ids []int64
		for len(notes) > 0 {
			n := 1
			for n < len(notes) && notes[n].MemberID == notes[0].MemberID {
				n++
			}
			if err := c.sendNotes(ctx, tx, notes[:n], now); err != nil {
				return err
			}
			for _, x := range notes[:n] {
				ids = append(ids, x.ID)
			}
			notes = notes[n:]
		}
		sent = len(ids) > 0
		if err := tx.DeleteTeamNotes(ctx, ids); err != nil {
			return err
		}
		at, ok, err := tx.NextTeamNote(ctx)
		if ok {
			next = max(at.Add(quiet).Sub(now), time.Second)
		}
		return err
	})
	if err == nil && sent {
		c.notify.Notify("")
	}
	return next, err
}

// sendNotes queues one member's notes as one message, to their latest
// account.
func (c *Core) sendNotes(ctx context.Context, tx Tx, notes []TeamNote, now time.Time) error {
	who, err := c.memberAccount(ctx, tx, notes[0])
	if err != nil || who == nil {
		return err // a member gone meanwhile gets nothing
	}
	lang := who.Member.Lang
	var b strings.Builder
	b.WriteString(flows.Text{ZH: "👥 团队动态：", EN: "👥 From your team:"}.In(lang))
	for _, n := range notes {
		b.WriteString("\n• " + n.Text.In(lang))
	}
	r := Reply{Platform: who.Account.Platform, ChatID: who.Account.ChatID, SellerID: who.Account.SellerID, Kind: KindReply, Text: b.String()}
	return tx.Enqueue(ctx, &r, now)
}

func (c *Core) memberAccount(ctx context.Context, tx Tx, n TeamNote) (*Identity, error) {
	members, err := tx.Members(ctx, n.SellerID)
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		if m.ID == n.MemberID {
			who, err := tx.Identify(ctx, m.Platform, m.UserID)
			if err != nil || who.Account.MemberID != m.ID {
				return nil, nil
			}
			return &who, nil
		}
	}
	return nil, nil
}

// markNote is the line the other members get when an item is marked.
func markNote(status flows.ItemStatus, item string, m *flows.Market) flows.Text {
	switch status {
	case flows.ItemDone:
		return flows.Textf(flows.Text{ZH: "把 %s 的 %s 标记为已完成", EN: "marked %[2]s done in %[1]s"}, m.Name, strings.ToUpper(item))
	case flows.ItemNA:
		return flows.Textf(flows.Text{ZH: "把 %s 的 %s 标记为不适用", EN: "marked %[2]s not applicable in %[1]s"}, m.Name, strings.ToUpper(item))
	}
	return flows.Textf(flows.Text{ZH: "把 %s 的 %s 改回待办", EN: "reopened %[2]s in %[1]s"}, m.Name, strings.ToUpper(item))
}

// movedOn tells a member whose typed answer was meant for a question a
// colleague has answered since they saw it that the question moved on, and
// takes nothing. Only in a team: one person's accounts see what they did.
func (cv *Conversation) movedOn(m *flows.Market, o *Onboarding, step flows.Step) bool {
	seen := cv.who.Member.Seen
	if cv.who.Members < 2 || seen == "" || seen == m.ID+"/"+step.Question.ID {
		return false
	}
	cv.sayf("⏩ 这个问题已经有同事回答了，你的回答没有记录。现在的问题是：", "⏩ A colleague answered that question meanwhile, so your answer was not recorded. The question now is:")
	cv.ask(m, o, step)
	return true
}
