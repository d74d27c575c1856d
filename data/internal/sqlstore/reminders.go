package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/flows"
)

// The reminders' queries that both stores run alike: stalled
// onboardings, sellers with an item open, the dated checklist items, and
// the scheduled work's marks. Each store lists sellers its own way
// (TxQuerier.SellersWith).

// reminderRow is a row of reminders.
type reminderRow struct {
	SellerID int64     `db:"seller_id"`
	Market   string    `db:"market"`
	Item     string    `db:"item"`
	Kind     string    `db:"kind"`
	Target   string    `db:"target"`
	Due      time.Time `db:"due_at"`
}

func (r reminderRow) reminder() bot.Reminder {
	return bot.Reminder{SellerID: r.SellerID, Market: r.Market, Item: r.Item, Kind: bot.ReminderKind(r.Kind), Target: r.Target, Due: r.Due}
}

func (t *Tx) AddReminders(ctx context.Context, rs []bot.Reminder) error {
	for _, r := range rs {
		if _, err := t.q.Exec(ctx, `INSERT INTO reminders (seller_id, market, item, kind, target, due_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (seller_id, market, item, kind, target) DO NOTHING`,
			r.SellerID, r.Market, r.Item, string(r.Kind), r.Target, r.Due.UTC()); err != nil {
			return fmt.Errorf("plan reminder: %w", err)
		}
	}
	return nil
}

func (t *Tx) SellerReminders(ctx context.Context, sellerID int64) ([]bot.Reminder, error) {
	var rows []reminderRow
	if err := t.q.Select(ctx, &rows, `SELECT seller_id, market, item, kind, target, due_at FROM reminders
		WHERE seller_id = ? AND finished_at IS NULL ORDER BY due_at, market, item, kind`, sellerID); err != nil {
		return nil, fmt.Errorf("list reminders: %w", err)
	}
	out := make([]bot.Reminder, len(rows))
	for i, r := range rows {
		out[i] = r.reminder()
	}
	return out, nil
}

// DueReminders reads each reminder with its seller and, by the keys of
// their tables, the row of its item in the seller's checklist or, for a
// nudge (no item), the seller's onboarding in its market: each reminder
// reads only the rows it is decided on, since each is a page read
// somewhere in the table.
func (t *Tx) DueReminders(ctx context.Context, at time.Time, limit int) ([]bot.DueReminder, error) {
	var out []bot.DueReminder
	var r reminderRow
	var question, status, number, expiry, item sql.NullString
	var last sql.NullTime
	err := t.q.SellersWith(ctx, "due reminders", `SELECT `+prefixed("s.", SellerColumns)+`, r.seller_id, r.market, r.item, r.kind, r.target, r.due_at,
		  o.question, o.updated_at, p.item, p.status, p.cert_number, p.expiry
		FROM reminders r JOIN sellers s ON s.id = r.seller_id
		LEFT JOIN onboardings o ON o.seller_id = r.seller_id AND o.market = r.market AND r.item = ''
		LEFT JOIN progress_items p ON p.market = r.market AND p.seller_id = r.seller_id AND p.item = r.item AND r.item != ''
		WHERE r.finished_at IS NULL AND r.due_at <= ? ORDER BY r.due_at LIMIT ?`, []any{at.UTC(), limit},
		[]any{&r.SellerID, &r.Market, &r.Item, &r.Kind, &r.Target, &r.Due, &question, &last, &item, &status, &number, &expiry}, func(s bot.Seller) {
			out = append(out, bot.DueReminder{Reminder: r.reminder(), Seller: s, Question: question.String, LastActivity: last.Time,
				Row: bot.ItemRow{Item: item.String, Status: flows.ItemStatus(status.String), Number: number.String, Expiry: expiry.String}})
		})
	return out, err
}

func (t *Tx) Stalled(ctx context.Context, after bot.StallMark, before time.Time, limit int) ([]bot.Stall, error) {
	var out []bot.Stall
	var st bot.Stall
	err := t.q.SellersWith(ctx, "stalled onboardings", `SELECT `+prefixed("s.", SellerColumns)+`, o.market, o.updated_at
		FROM onboardings o JOIN sellers s ON s.id = o.seller_id
		WHERE o.question != '' AND (o.updated_at, o.seller_id, o.market) > (?, ?, ?) AND o.updated_at <= ?
		ORDER BY o.updated_at, o.seller_id, o.market LIMIT ?`, []any{after.At.UTC(), after.SellerID, after.Market, before.UTC(), limit},
		[]any{&st.Market, &st.LastActivity}, func(s bot.Seller) {
			st.Seller = s
			out = append(out, st)
		})
	return out, err
}

func (t *Tx) NextStall(ctx context.Context, after bot.StallMark) (time.Time, bool, error) {
	var next time.Time
	err := t.q.Get(ctx, &next, `SELECT updated_at FROM onboardings
		WHERE question != '' AND (updated_at, seller_id, market) > (?, ?, ?)
		ORDER BY updated_at, seller_id, market LIMIT 1`, after.At.UTC(), after.SellerID, after.Market)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next stall: %w", err)
	}
	return next, true, nil
}

func (t *Tx) OpenItem(ctx context.Context, market, item string, after int64, limit int) ([]bot.Seller, error) {
	var out []bot.Seller
	err := t.q.SellersWith(ctx, "sellers with "+item+" open", `SELECT `+prefixed("s.", SellerColumns)+`
		FROM progress_items p JOIN sellers s ON s.id = p.seller_id
		WHERE p.market = ? AND p.seller_id > ? AND p.item = ? AND p.status = 'todo'
		ORDER BY p.seller_id LIMIT ?`, []any{market, after, item, limit}, nil, func(s bot.Seller) { out = append(out, s) })
	return out, err
}

// DatedItems goes through the checklist rows in their key's order
// (market, seller, position): the place is that key.
func (t *Tx) DatedItems(ctx context.Context, after string, limit int) ([]bot.DatedItem, string, error) {
	var market string
	var seller, position int64 = 0, -1
	if after != "" {
		if _, err := fmt.Sscanf(after, "%d %d %s", &seller, &position, &market); err != nil {
			return nil, "", fmt.Errorf("dated items after %q: %w", after, err)
		}
	}
	var out []bot.DatedItem
	var d bot.DatedItem
	err := t.q.SellersWith(ctx, "dated items", `SELECT `+prefixed("s.", SellerColumns)+`, p.market, p.item, p.expiry, p.position
		FROM progress_items p JOIN sellers s ON s.id = p.seller_id
		WHERE (p.market, p.seller_id, p.position) > (?, ?, ?) AND p.expiry != '' AND p.status = 'done'
		ORDER BY p.market, p.seller_id, p.position LIMIT ?`, []any{market, seller, position, limit},
		[]any{&d.Market, &d.Item, &d.Expiry, &position}, func(s bot.Seller) {
			d.Seller = s
			out = append(out, d)
		})
	if err != nil || len(out) == 0 {
		return out, after, err
	}
	last := out[len(out)-1]
	return out, fmt.Sprintf("%d %d %s", last.Seller.ID, position, last.Market), nil
}

func (t *Tx) Mark(ctx context.Context, name string) (string, error) {
	var v string
	err := t.q.Get(ctx, &v, `SELECT value FROM reminder_marks WHERE name = ?`, name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

func (t *Tx) SetMark(ctx context.Context, name, value string) error {
	_, err := t.q.Exec(ctx, `INSERT INTO reminder_marks (name, value) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, value)
	return err
}

func (t *Tx) NextReminder(ctx context.Context) (time.Time, bool, error) {
	var next time.Time
	// The first entry of a partial index; not MIN(), whose result SQLite
	// gives no column type, so the driver would not read it as a time.
	err := t.q.Get(ctx, &next, `SELECT due_at FROM reminders WHERE finished_at IS NULL ORDER BY due_at LIMIT 1`)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next reminder: %w", err)
	}
	return next, true, nil
}

func (t *Tx) MoveReminder(ctx context.Context, r bot.Reminder, due time.Time) error {
	_, err := t.q.Exec(ctx, `UPDATE reminders SET due_at = ?
		WHERE seller_id = ? AND market = ? AND item = ? AND kind = ? AND target = ? AND finished_at IS NULL`,
		due.UTC(), r.SellerID, r.Market, r.Item, string(r.Kind), r.Target)
	return err
}

func (t *Tx) FinishReminder(ctx context.Context, r bot.Reminder, outcome bot.ReminderOutcome, at time.Time) error {
	_, err := t.q.Exec(ctx, `UPDATE reminders SET finished_at = ?, outcome = ?
		WHERE seller_id = ? AND market = ? AND item = ? AND kind = ? AND target = ? AND finished_at IS NULL`,
		at.UTC(), string(outcome), r.SellerID, r.Market, r.Item, string(r.Kind), r.Target)
	return err
}

// prefixed puts a table's alias before each of a list of columns.
func prefixed(alias, columns string) string {
	return alias + strings.ReplaceAll(columns, ", ", ", "+alias)
}

// Prefixed is prefixed for the stores' own queries.
func Prefixed(alias, columns string) string { return prefixed(alias, columns) }

// EachSeller reads rows of a seller's columns and then more, and calls each
// with every row's seller: how a store's SellersWith reads its rows.
func EachSeller(rows Rows, err error, what string, more []any, each func(bot.Seller)) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		var s SellerRow
		if err := s.Scan(rows, more...); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		each(s.Seller())
	}
	return rows.Err()
}
