package admin

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/onboardbot/onboardbot/bot"
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
	// publicURL is the base of login links (ONBOARD_PUBLIC_URL).
	publicURL string
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
		{Admin: true, Name: bot.ExportAllCommand, Usage: "<market>", Run: exportAll,
			Help: flows.Text{ZH: "（管理员）某个市场所有卖家的清单，导出为 Excel（也可以用 /export all <市场>）", EN: "(admins) every seller's checklist in a market, as an Excel workbook (also /export all <market>)"}},
		{Admin: true, Name: "dashboard", Aliases: []string{"后台"}, Run: a.dashboardCmd,
			Help: flows.Text{ZH: "（管理员）管理后台网页的一次性登录链接", EN: "(admins) a one-time login link to the admin web pages"}},
		{Admin: true, Name: "expiring", Aliases: []string{"到期证书"}, Usage: "[days]", Run: a.expiringCmd,
			Help: flows.Text{ZH: "（管理员）按市场列出证书快到期的卖家", EN: "(admins) sellers whose certificates expire soon, by market"}},
	}
}

// Input takes an admin's text, or a draft button's choice, as input to
// their draft; it reports false when they have none.
func (a *Admin) Input(cv *bot.Conversation, input string, draft bool) (bool, error) {
	return a.draftInput(cv, input, draft)
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

func (c *Admin) notifyAll() {
	if c.notify != nil {
		c.notify.Notify("")
	}
}
