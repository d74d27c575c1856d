package admin

// The admins' web pages from the chat side: one-time login links
// (/dashboard, onboardbot dashboard-link) and nudges to stuck sellers.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/flows"
)

// How long a login link and a session last.
const (
	LoginTTL   = 10 * time.Minute
	SessionTTL = 12 * time.Hour
)

// LoginPath is where a login link points, under the public URL.
const LoginPath = "/admin/login"

// WithPublicURL sets the public base URL of the HTTP server
// (ONBOARD_PUBLIC_URL), for login links.
func WithPublicURL(u string) Option {
	return func(a *Admin) { a.publicURL = strings.TrimRight(u, "/") }
}

// ErrNotAdmin means a login link was asked for someone who is not in
// ONBOARD_ADMINS.
var ErrNotAdmin = errors.New("not an admin (ONBOARD_ADMINS)")

// NewToken returns a random token (256 bits, URL-safe) and its hash, which
// is all the store keeps of it.
func NewToken() (token, hash string) {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken is how a token is looked up in the store.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// IsAdminKey reports whether "platform:user id" is an admin.
func (a *Admin) IsAdminKey(key string) bool { return a.keys[key] }

// LoginLink stores a one-time login link for the admin key (from the
// shell: onboardbot dashboard-link) and returns it.
func (a *Admin) LoginLink(ctx context.Context, key string) (string, error) {
	if !a.keys[key] {
		return "", fmt.Errorf("%s is %w", key, ErrNotAdmin)
	}
	var link string
	err := a.store.Update(ctx, func(tx bot.Tx) error {
		var err error
		link, err = a.newLogin(ctx, tx, key)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("login link: %w", err)
	}
	return link, nil
}

// newLogin stores a login link in tx and returns it.
func (a *Admin) newLogin(ctx context.Context, tx bot.Tx, key string) (string, error) {
	token, hash := NewToken()
	now := a.now().UTC()
	if err := tx.CreateLogin(ctx, bot.Login{Hash: hash, Admin: key, CreatedAt: now, ExpiresAt: now.Add(LoginTTL)}); err != nil {
		return "", err
	}
	return a.publicURL + LoginPath + "?token=" + token, nil
}

// dashboardCmd answers /dashboard with a one-time login link.
func (a *Admin) dashboardCmd(cv *bot.Conversation, args []string) error {
	if a.publicURL == "" {
		cv.Sayf("这里没有网页后台：它由 onboardbot serve 提供。", "There are no web pages here: onboardbot serve serves them.")
		return nil
	}
	link, err := a.newLogin(cv.Ctx(), cv.Tx(), cv.Seller().Key())
	if err != nil {
		return fmt.Errorf("dashboard link: %w", err)
	}
	a.log.Info("dashboard login link issued", "admin", cv.Seller().Key())
	cv.Sayf("管理后台的登录链接（10 分钟内有效，只能用一次，请勿转发）：\n%s",
		"Your login link to the admin pages (valid for 10 minutes, once; do not forward it):\n%s", link)
	return nil
}

// NudgeResult says what a nudge did.
type NudgeResult int

// Nudge outcomes: queued; already sent for this activity; the seller
// moved on or finished meanwhile; the seller cannot be reached.
const (
	NudgeQueued NudgeResult = iota
	NudgeAlready
	NudgeNotStuck
	NudgeUnreachable
)

// Nudge queues a reminder to a seller about a market they have not moved
// in, in their language, with a button to continue, through the outbox
// like any message. It is sent once per activity: a second nudge before
// the seller does anything sends nothing.
func (a *Admin) Nudge(ctx context.Context, catalog *flows.Catalog, by string, seller bot.Seller, market string) (NudgeResult, error) {
	m, ok := catalog.Market(market)
	if !ok {
		return 0, fmt.Errorf("nudge: unknown market %q", market)
	}
	if seller.Unreachable {
		return NudgeUnreachable, nil
	}
	var res NudgeResult
	err := a.store.Update(ctx, func(tx bot.Tx) error {
		now := a.now().UTC()
		o, err := tx.Onboarding(ctx, seller.ID, market)
		if errors.Is(err, bot.ErrNotFound) {
			res = NudgeNotStuck
			return nil
		}
		if err != nil {
			return err
		}
		if o.Stage == flows.StageComplete || o.Stage == flows.StageIneligible {
			res = NudgeNotStuck
			return nil
		}
		added, err := tx.RecordNudge(ctx, bot.Nudge{SellerID: seller.ID, Market: market, Since: o.UpdatedAt, By: by, At: now})
		if err != nil {
			return err
		}
		if !added {
			res = NudgeAlready
			return nil
		}
		r := nudgeReply(m, o, seller, now)
		res = NudgeQueued
		return tx.Enqueue(ctx, &r, now)
	})
	if err != nil {
		return 0, fmt.Errorf("nudge seller %d in %s: %w", seller.ID, market, err)
	}
	if res == NudgeQueued {
		a.log.Info("nudge queued", "admin", by, "seller", seller.ID, "market", market)
		if a.notify != nil {
			a.notify.Notify(seller.Platform, seller.ChatID)
		}
	}
	return res, nil
}

// nudgeReply is the reminder a stuck seller gets.
func nudgeReply(m *flows.Market, o bot.Onboarding, seller bot.Seller, now time.Time) bot.Reply {
	lang := seller.Lang
	where := flows.Stage(o.Stage).Name()
	if step := flows.Current(m, o.State, now); step.Question != nil {
		where = step.Question.Text
	}
	text := flows.Textf(flows.Text{
		ZH: "👋 提醒：你在 %s 的入驻还没完成，停在这里：\n%s\n点「继续」接着做，进度都保存着。",
		EN: "👋 A reminder: your onboarding to %s is not finished yet. You stopped at:\n%s\nTap Continue to pick up where you left off; your progress is saved.",
	}, m.Name.In(lang), where.In(lang)).In(lang)
	label := flows.Text{ZH: "▶️ 继续", EN: "▶️ Continue"}.In(lang)
	return bot.Reply{Platform: seller.Platform, ChatID: seller.ChatID, SellerID: seller.ID, Kind: bot.KindReply, Text: text,
		Choices: []bot.Choice{{Label: label, Ref: bot.ChoiceRef{Kind: bot.RefCommand, Market: m.ID, Choice: "onboard " + m.ID}}}}
}
