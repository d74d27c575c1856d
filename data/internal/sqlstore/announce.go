package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/onboardbot/onboardbot/bot"
)

// InsertAnnouncementMarkets stores the markets of an announcement just
// inserted: the stores' CreateAnnouncement, whose insert differs, ends
// with it.
func (t *Tx) InsertAnnouncementMarkets(ctx context.Context, a *bot.Announcement) error {
	for i, m := range a.Markets {
		if _, err := t.q.Exec(ctx, `INSERT INTO announcement_markets (announcement_id, position, market) VALUES (?, ?, ?)`, a.ID, i, m); err != nil {
			return fmt.Errorf("announcement market: %w", err)
		}
	}
	return nil
}

func (t *Tx) announcements(ctx context.Context, query string, args ...any) ([]bot.Announcement, error) {
	var rows []announcementRow
	if err := t.q.Select(ctx, &rows, query, args...); err != nil {
		return nil, err
	}
	out := make([]bot.Announcement, len(rows))
	for i, r := range rows {
		out[i] = r.announcement()
		if err := t.q.Select(ctx, &out[i].Markets,
			`SELECT market FROM announcement_markets WHERE announcement_id = ? ORDER BY position`, r.ID); err != nil {
			return nil, fmt.Errorf("announcement %d markets: %w", r.ID, err)
		}
	}
	return out, nil
}

// Announcements lists the latest announcements, the latest first.
func (t *Tx) Announcements(ctx context.Context, limit int) ([]bot.Announcement, error) {
	return t.announcements(ctx, `SELECT `+announcementColumns+` FROM announcements ORDER BY id DESC LIMIT ?`, limit)
}

// ActiveAnnouncements lists the announcements still being delivered.
func (t *Tx) ActiveAnnouncements(ctx context.Context) ([]bot.Announcement, error) {
	return t.announcements(ctx, `SELECT `+announcementColumns+` FROM announcements WHERE finished_at IS NULL ORDER BY id`)
}

// FinishAnnouncement records that an announcement's delivery ended.
func (t *Tx) FinishAnnouncement(ctx context.Context, id int64, at time.Time) error {
	_, err := t.q.Exec(ctx, `UPDATE announcements SET finished_at = ? WHERE id = ? AND finished_at IS NULL`, at.UTC(), id)
	return err
}

// deliveryCounts counts an announcement's messages by what became of them,
// as columns named for bot.DeliveryStats. (An aggregate's FILTER is
// understood by PostgreSQL and by SQLite since 3.30; a count, unlike a
// sum, is 0 rather than NULL when there is no message.)
const deliveryCounts = `count(*) FILTER (WHERE sent_at IS NOT NULL) AS sent,
	count(*) FILTER (WHERE sent_at IS NULL AND failed_at IS NULL) AS pending,
	count(*) FILTER (WHERE failed_at IS NOT NULL AND error LIKE 'unreachable%') AS unreachable,
	count(*) FILTER (WHERE failed_at IS NOT NULL AND error NOT LIKE 'unreachable%') AS failed`

// Stats counts an announcement's messages by what became of them.
func (t *Tx) Stats(ctx context.Context, id int64) (bot.DeliveryStats, error) {
	var st bot.DeliveryStats
	err := t.q.Get(ctx, &st, `SELECT `+deliveryCounts+` FROM outbox WHERE announcement_id = ?`, id)
	if err != nil {
		return bot.DeliveryStats{}, err
	}
	return st, nil
}

// StatusMessage finds an announcement's progress message.
func (t *Tx) StatusMessage(ctx context.Context, id int64) (bot.Reply, error) {
	var r outboxRow
	err := t.q.Get(ctx, &r, `SELECT `+outboxColumns+` FROM outbox WHERE status_of = ? ORDER BY id LIMIT 1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return bot.Reply{}, bot.ErrNotFound
	}
	if err != nil {
		return bot.Reply{}, err
	}
	return r.reply()
}

// Draft loads an admin's draft.
func (t *Tx) Draft(ctx context.Context, sellerID int64) (bot.Draft, error) {
	var raw string
	err := t.q.Get(ctx, &raw, `SELECT draft FROM admin_drafts WHERE seller_id = ?`, sellerID)
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

// SaveDraft stores an admin's draft.
func (t *Tx) SaveDraft(ctx context.Context, sellerID int64, d bot.Draft, at time.Time) error {
	raw, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encode draft: %w", err)
	}
	_, err = t.q.Exec(ctx, `INSERT INTO admin_drafts (seller_id, draft, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (seller_id) DO UPDATE SET draft = excluded.draft, updated_at = excluded.updated_at`, sellerID, string(raw), at.UTC())
	return err
}

// DeleteDraft drops an admin's draft.
func (t *Tx) DeleteDraft(ctx context.Context, sellerID int64) error {
	_, err := t.q.Exec(ctx, `DELETE FROM admin_drafts WHERE seller_id = ?`, sellerID)
	return err
}

// RuleSet loads a stored market rule version.
func (t *Tx) RuleSet(ctx context.Context, market, version string) ([]byte, error) {
	var raw string
	err := t.q.Get(ctx, &raw, `SELECT rules FROM rule_sets WHERE market = ? AND version = ?`, market, version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bot.ErrNotFound
	}
	return []byte(raw), err
}

// SaveRuleSet stores a market rule version, once.
func (t *Tx) SaveRuleSet(ctx context.Context, market, version string, rules []byte, at time.Time) error {
	_, err := t.q.Exec(ctx, `INSERT INTO rule_sets (market, version, rules, loaded_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (market, version) DO NOTHING`, market, version, string(rules), at.UTC())
	return err
}
