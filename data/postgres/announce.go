package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/flows"
)

const subscriberColumns = `s.id, s.platform, s.user_id, s.chat_id, s.lang, s.lang_set, s.market, s.unreachable_at, s.created_at,
	s.tz, s.tz_set, s.reminders_off, o.seller_id, o.market, o.rules_version, o.stage, o.state, o.started_at, o.updated_at, o.muted, o.projection`

func (t *storeTx) subscribers(ctx context.Context, query string, args ...any) ([]bot.Subscriber, error) {
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []bot.Subscriber
	for rows.Next() {
		var s sellerRow
		var o onboardingRow
		if err := s.scan(rows, &o.SellerID, &o.Market, &o.RulesVersion, &o.Stage, &o.State, &o.StartedAt, &o.UpdatedAt, &o.Muted, &o.Projection); err != nil {
			return nil, err
		}
		ob, err := o.onboarding()
		if err != nil {
			return nil, err
		}
		t.sawProjection(o)
		out = append(out, bot.Subscriber{Seller: s.seller(), Onboarding: ob})
	}
	return out, rows.Err()
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
	return t.subscribers(ctx, `SELECT `+subscriberColumns+` FROM onboardings o JOIN sellers s ON s.id = o.seller_id
		WHERE o.market = ANY(?) AND o.muted = ? ORDER BY s.id, o.market`, markets, muted)
}

// Behind locks the onboardings it lists, since the rule sync saves them
// without holding their sellers' locks (see forSave).
func (t *storeTx) Behind(ctx context.Context, market, version string) ([]bot.Subscriber, error) {
	return t.subscribers(ctx, `SELECT `+subscriberColumns+` FROM onboardings o JOIN sellers s ON s.id = o.seller_id
		WHERE o.market = ? AND (o.rules_version <> ? OR o.projection = '')
		ORDER BY s.id`+forSave+` OF o`, market, version)
}

func (t *storeTx) SetMuted(ctx context.Context, sellerID int64, market string, muted bool) error {
	_, err := t.exec(ctx, `UPDATE onboardings SET muted = ? WHERE seller_id = ? AND market = ?`, muted, sellerID, market)
	return err
}

func (t *storeTx) CreateAnnouncement(ctx context.Context, a *bot.Announcement) error {
	err := t.get(ctx, &a.ID,
		`INSERT INTO announcements (category, stage, open_item, text_zh, text_en, created_by, admin_seller, recipients, created_at)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		a.Category, string(a.Stage), a.OpenItem, a.Text.ZH, a.Text.EN, a.CreatedBy, nullable(a.AdminSeller), a.Recipients, a.CreatedAt.UTC())
	if err != nil {
		return err
	}
	for i, m := range a.Markets {
		if _, err := t.exec(ctx, `INSERT INTO announcement_markets (announcement_id, position, market) VALUES (?, ?, ?)`, a.ID, i, m); err != nil {
			return fmt.Errorf("announcement market: %w", err)
		}
	}
	return nil
}

type announcementRow struct {
	ID          int64         `db:"id"`
	Category    string        `db:"category"`
	Stage       string        `db:"stage"`
	OpenItem    string        `db:"open_item"`
	TextZH      string        `db:"text_zh"`
	TextEN      string        `db:"text_en"`
	CreatedBy   string        `db:"created_by"`
	AdminSeller sql.NullInt64 `db:"admin_seller"`
	Recipients  int           `db:"recipients"`
	CreatedAt   time.Time     `db:"created_at"`
	FinishedAt  sql.NullTime  `db:"finished_at"`
}

func (r announcementRow) announcement() bot.Announcement {
	return bot.Announcement{ID: r.ID, Category: r.Category, Stage: flows.Stage(r.Stage),
		OpenItem: r.OpenItem, Text: flows.Text{ZH: r.TextZH, EN: r.TextEN}, CreatedBy: r.CreatedBy, AdminSeller: r.AdminSeller.Int64,
		Recipients: r.Recipients, CreatedAt: r.CreatedAt, FinishedAt: r.FinishedAt.Time}
}

const announcementColumns = `id, category, stage, open_item, text_zh, text_en, created_by, admin_seller, recipients, created_at, finished_at`

func (t *storeTx) announcements(ctx context.Context, query string, args ...any) ([]bot.Announcement, error) {
	var rows []announcementRow
	if err := t.sel(ctx, &rows, query, args...); err != nil {
		return nil, err
	}
	out := make([]bot.Announcement, len(rows))
	for i, r := range rows {
		out[i] = r.announcement()
		if err := t.sel(ctx, &out[i].Markets,
			`SELECT market FROM announcement_markets WHERE announcement_id = ? ORDER BY position`, r.ID); err != nil {
			return nil, fmt.Errorf("announcement %d markets: %w", r.ID, err)
		}
	}
	return out, nil
}

func (t *storeTx) Announcements(ctx context.Context, limit int) ([]bot.Announcement, error) {
	return t.announcements(ctx, `SELECT `+announcementColumns+` FROM announcements ORDER BY id DESC LIMIT ?`, limit)
}

func (t *storeTx) ActiveAnnouncements(ctx context.Context) ([]bot.Announcement, error) {
	return t.announcements(ctx, `SELECT `+announcementColumns+` FROM announcements WHERE finished_at IS NULL ORDER BY id`)
}

func (t *storeTx) FinishAnnouncement(ctx context.Context, id int64, at time.Time) error {
	_, err := t.exec(ctx, `UPDATE announcements SET finished_at = ? WHERE id = ? AND finished_at IS NULL`, at.UTC(), id)
	return err
}

func (t *storeTx) Stats(ctx context.Context, id int64) (bot.DeliveryStats, error) {
	var st bot.DeliveryStats
	err := t.get(ctx, &st, `SELECT `+deliveryCounts+` FROM outbox WHERE announcement_id = ?`, id)
	if err != nil {
		return bot.DeliveryStats{}, err
	}
	return st, nil
}

// deliveryCounts counts an announcement's messages by what became of them,
// as columns named for bot.DeliveryStats.
const deliveryCounts = `count(*) FILTER (WHERE sent_at IS NOT NULL) AS sent,
	count(*) FILTER (WHERE sent_at IS NULL AND failed_at IS NULL) AS pending,
	count(*) FILTER (WHERE failed_at IS NOT NULL AND error LIKE 'unreachable%') AS unreachable,
	count(*) FILTER (WHERE failed_at IS NOT NULL AND error NOT LIKE 'unreachable%') AS failed`

func (t *storeTx) StatusMessage(ctx context.Context, id int64) (bot.Reply, error) {
	var r outboxRow
	err := t.get(ctx, &r, `SELECT `+outboxColumns+` FROM outbox WHERE status_of = ? ORDER BY id LIMIT 1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return bot.Reply{}, bot.ErrNotFound
	}
	if err != nil {
		return bot.Reply{}, err
	}
	return r.reply()
}

func (t *storeTx) Draft(ctx context.Context, sellerID int64) (bot.Draft, error) {
	var raw string
	err := t.get(ctx, &raw, `SELECT draft FROM admin_drafts WHERE seller_id = ?`, sellerID)
	if errors.Is(err, sql.ErrNoRows) {
		return bot.Draft{}, bot.ErrNotFound
	}
	if err != nil {
		return bot.Draft{}, err
	}
	var d bot.Draft
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		return bot.Draft{}, fmt.Errorf("decode draft: %w", err)
	}
	return d, nil
}

func (t *storeTx) SaveDraft(ctx context.Context, sellerID int64, d bot.Draft, at time.Time) error {
	raw, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encode draft: %w", err)
	}
	_, err = t.exec(ctx, `INSERT INTO admin_drafts (seller_id, draft, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (seller_id) DO UPDATE SET draft = excluded.draft, updated_at = excluded.updated_at`, sellerID, string(raw), at.UTC())
	return err
}

func (t *storeTx) DeleteDraft(ctx context.Context, sellerID int64) error {
	_, err := t.exec(ctx, `DELETE FROM admin_drafts WHERE seller_id = ?`, sellerID)
	return err
}

func (t *storeTx) RuleSet(ctx context.Context, market, version string) ([]byte, error) {
	var raw string
	err := t.get(ctx, &raw, `SELECT rules FROM rule_sets WHERE market = ? AND version = ?`, market, version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bot.ErrNotFound
	}
	return []byte(raw), err
}

func (t *storeTx) SaveRuleSet(ctx context.Context, market, version string, rules []byte, at time.Time) error {
	_, err := t.exec(ctx, `INSERT INTO rule_sets (market, version, rules, loaded_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (market, version) DO NOTHING`, market, version, string(rules), at.UTC())
	return err
}
