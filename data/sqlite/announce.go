package sqlite

import (
	"context"

	"github.com/jmoiron/sqlx"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/internal/sqlstore"
)

// subscribers runs a query of sqlstore.SubscriberColumns.
func (t *storeTx) subscribers(_ context.Context, query string, args ...any) ([]bot.Subscriber, error) {
	return t.ReadSubscribers(t.tx.QueryContext(context.Background(), t.tx.Rebind(query), args...)) // see storeTx.exec
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
	query, args, err := sqlx.In(`SELECT `+sqlstore.SubscriberColumns+` FROM onboardings o JOIN sellers s ON s.id = o.seller_id
		WHERE o.market IN (?) AND o.muted = ? ORDER BY s.id, o.market`, markets, muted)
	if err != nil {
		return nil, err
	}
	return t.subscribers(ctx, query, args...)
}

func (t *storeTx) Behind(ctx context.Context, market, version string) ([]bot.Subscriber, error) {
	// Two parts, so the common check (the version, near the start of a
	// row) never reads the projection at a row's end, and the rare one
	// (not projected yet) is answered by its partial index.
	return t.subscribers(ctx, `SELECT `+sqlstore.SubscriberColumns+` FROM onboardings o JOIN sellers s ON s.id = o.seller_id
		WHERE o.market = ? AND o.rules_version <> ?
		UNION ALL
		SELECT `+sqlstore.SubscriberColumns+` FROM onboardings o JOIN sellers s ON s.id = o.seller_id
		WHERE o.market = ? AND o.rules_version = ? AND o.projection = ''
		ORDER BY 1`, market, version, market, version)
}

func (t *storeTx) CreateAnnouncement(ctx context.Context, a *bot.Announcement) error {
	var admin any
	if a.AdminSeller != 0 {
		admin = a.AdminSeller
	}
	err := t.get(ctx, &a.ID,
		`INSERT INTO announcements (markets, category, stage, open_item, text_zh, text_en, created_by, admin_seller, recipients, created_at)
		 VALUES ('', ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		a.Category, string(a.Stage), a.OpenItem, a.Text.ZH, a.Text.EN, a.CreatedBy, admin, a.Recipients, a.CreatedAt.UTC())
	if err != nil {
		return err
	}
	return t.InsertAnnouncementMarkets(ctx, a)
}
