package postgres

import (
	"context"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/internal/sqlstore"
)

// subscribers runs a query of sqlstore.SubscriberColumns.
func (t *storeTx) subscribers(ctx context.Context, query string, args ...any) ([]bot.Subscriber, error) {
	return t.ReadSubscribers(t.query(ctx, query, args...))
}

func (t *storeTx) Subscribers(ctx context.Context, markets []string) ([]bot.Subscriber, error) {
	return t.onboardingsIn(ctx, markets, false)
}

func (t *storeTx) MutedSubscribers(ctx context.Context, markets []string) ([]bot.Subscriber, error) {
	return t.onboardingsIn(ctx, markets, true)
}

// onboardingsIn lists the sellers onboarding any of the markets who muted
// it, or who did not.
func (t *storeTx) onboardingsIn(ctx context.Context, markets []string, muted bool) ([]bot.Subscriber, error) {
	if len(markets) == 0 {
		return nil, nil
	}
	return t.subscribers(ctx, `SELECT `+sqlstore.SubscriberColumns+` FROM onboardings o JOIN sellers s ON s.id = o.seller_id
		WHERE o.market = ANY(?) AND o.muted = ? ORDER BY s.id, o.market`, markets, muted)
}

// Behind locks the onboardings it lists, since the rule sync saves them
// without holding their sellers' locks (see forSave).
func (t *storeTx) Behind(ctx context.Context, market, version string) ([]bot.Subscriber, error) {
	return t.subscribers(ctx, `SELECT `+sqlstore.SubscriberColumns+` FROM onboardings o JOIN sellers s ON s.id = o.seller_id
		WHERE o.market = ? AND (o.rules_version <> ? OR o.projection = '')
		ORDER BY s.id`+forSave+` OF o`, market, version)
}

func (t *storeTx) CreateAnnouncement(ctx context.Context, a *bot.Announcement) error {
	err := t.get(ctx, &a.ID,
		`INSERT INTO announcements (category, stage, open_item, text_zh, text_en, created_by, admin_seller, recipients, created_at)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		a.Category, string(a.Stage), a.OpenItem, a.Text.ZH, a.Text.EN, a.CreatedBy, nullable(a.AdminSeller), a.Recipients, a.CreatedAt.UTC())
	if err != nil {
		return err
	}
	return t.InsertAnnouncementMarkets(ctx, a)
}
