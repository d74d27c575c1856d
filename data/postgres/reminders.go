package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/flows"
)

// The reminders concern: bot.Reminders on the reminders and reminder_marks
// tables, and the stall scan on the onboardings_stalled index.

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

func (t *storeTx) PlanReminders(ctx context.Context, sellerID int64, market, item string, kinds []bot.ReminderKind, want []bot.Reminder) error {
	if len(kinds) > 0 {
		names := make([]string, len(kinds))
		for i, k := range kinds {
			names[i] = string(k)
		}
		if _, err := t.exec(ctx, `DELETE FROM reminders WHERE seller_id = ? AND market = ? AND item = ? AND kind = ANY(?) AND finished_at IS NULL`,
			sellerID, market, item, names); err != nil {
			return fmt.Errorf("cancel reminders: %w", err)
		}
	}
	return t.AddReminders(ctx, want)
}

func (t *storeTx) AddReminders(ctx context.Context, rs []bot.Reminder) error {
	for _, r := range rs {
		if _, err := t.exec(ctx, `INSERT INTO reminders (seller_id, market, item, kind, target, due_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (seller_id, market, item, kind, target) DO NOTHING`,
			r.SellerID, r.Market, r.Item, string(r.Kind), r.Target, r.Due.UTC()); err != nil {
			return fmt.Errorf("plan reminder: %w", err)
		}
	}
	return nil
}

func (t *storeTx) SellerReminders(ctx context.Context, sellerID int64) ([]bot.Reminder, error) {
	var rows []reminderRow
	if err := t.sel(ctx, &rows, `SELECT seller_id, market, item, kind, target, due_at FROM reminders
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
// their tables, the seller's onboarding in its market and the row of its
// item there.
func (t *storeTx) DueReminders(ctx context.Context, at time.Time, limit int) ([]bot.DueReminder, error) {
	var out []bot.DueReminder
	var r reminderRow
	var question, status, number, expiry, item sql.NullString
	var last sql.NullTime
	err := t.sellersWith(ctx, "due reminders", `SELECT `+prefixed("s.", sellerColumns)+`, r.seller_id, r.market, r.item, r.kind, r.target, r.due_at,
		  o.question, o.updated_at, p.item, p.status, p.cert_number, p.expiry
		FROM reminders r JOIN sellers s ON s.id = r.seller_id
		LEFT JOIN onboardings o ON o.seller_id = r.seller_id AND o.market = r.market
		LEFT JOIN progress_items p ON p.market = r.market AND p.seller_id = r.seller_id AND p.item = r.item AND r.item != ''
		WHERE r.finished_at IS NULL AND r.due_at <= ? ORDER BY r.due_at LIMIT ?`, []any{at.UTC(), limit},
		[]any{&r.SellerID, &r.Market, &r.Item, &r.Kind, &r.Target, &r.Due, &question, &last, &item, &status, &number, &expiry}, func(s bot.Seller) {
			out = append(out, bot.DueReminder{Reminder: r.reminder(), Seller: s, Question: question.String, LastActivity: last.Time,
				Row: bot.ItemRow{Item: item.String, Status: flows.ItemStatus(status.String), Number: number.String, Expiry: expiry.String}})
		})
	return out, err
}

// sellersWith runs a query whose rows are a seller's columns and then
// those scanned into more, and calls each with every row's seller.
func (t *storeTx) sellersWith(ctx context.Context, what, query string, args, more []any, each func(bot.Seller)) error {
	rows, err := t.query(ctx, query, args...)
	return eachSeller(rows, err, what, more, each)
}

// eachSeller reads rows of a seller's columns and more.
func eachSeller(rows *sql.Rows, err error, what string, more []any, each func(bot.Seller)) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		var s sellerRow
		if err := s.scan(rows, more...); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		each(s.seller())
	}
	return rows.Err()
}

func (t *storeTx) NextReminder(ctx context.Context) (time.Time, bool, error) {
	var next time.Time
	// The first entry of a partial index.
	err := t.get(ctx, &next, `SELECT due_at FROM reminders WHERE finished_at IS NULL ORDER BY due_at LIMIT 1`)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next reminder: %w", err)
	}
	return next, true, nil
}

func (t *storeTx) MoveReminder(ctx context.Context, r bot.Reminder, due time.Time) error {
	_, err := t.exec(ctx, `UPDATE reminders SET due_at = ?
		WHERE seller_id = ? AND market = ? AND item = ? AND kind = ? AND target = ? AND finished_at IS NULL`,
		due.UTC(), r.SellerID, r.Market, r.Item, string(r.Kind), r.Target)
	return err
}

func (t *storeTx) FinishReminder(ctx context.Context, r bot.Reminder, outcome bot.ReminderOutcome, at time.Time) error {
	_, err := t.exec(ctx, `UPDATE reminders SET finished_at = ?, outcome = ?
		WHERE seller_id = ? AND market = ? AND item = ? AND kind = ? AND target = ? AND finished_at IS NULL`,
		at.UTC(), string(outcome), r.SellerID, r.Market, r.Item, string(r.Kind), r.Target)
	return err
}

// FinishReminders finishes a batch of reminders and queues their
// messages in two statements, on arrays: one round trip each, whatever
// the batch's size.
func (t *storeTx) FinishReminders(ctx context.Context, fs []bot.FinishedReminder, at time.Time) error {
	if len(fs) == 0 {
		return nil
	}
	at = at.UTC()
	var sellers []int64
	var markets, items, kinds, targets, outcomes []string
	var platforms, chats, payloads, reasons []string
	var to []int64
	for _, f := range fs {
		sellers, markets, items = append(sellers, f.SellerID), append(markets, f.Market), append(items, f.Item)
		kinds, targets, outcomes = append(kinds, string(f.Kind)), append(targets, f.Target), append(outcomes, string(f.Outcome))
		payload, err := reminderPayload(f)
		if err != nil {
			return err
		}
		if f.Message != nil {
			platforms, chats, to = append(platforms, f.Message.Platform), append(chats, f.Message.ChatID), append(to, f.SellerID)
			payloads, reasons = append(payloads, payload), append(reasons, f.Message.Undeliverable)
		}
	}
	if _, err := t.exec(ctx, `UPDATE reminders r SET finished_at = ?, outcome = v.outcome
		FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) AS v (seller_id, market, item, kind, target, outcome)
		WHERE r.seller_id = v.seller_id AND r.market = v.market AND r.item = v.item AND r.kind = v.kind AND r.target = v.target
		  AND r.finished_at IS NULL`, at, sellers, markets, items, kinds, targets, outcomes); err != nil {
		return fmt.Errorf("finish reminders: %w", err)
	}
	if len(to) == 0 {
		return nil
	}
	// WITH ORDINALITY and ORDER BY: the ids follow the batch's order, and
	// a seller's messages are sent in the order of their ids.
	if _, err := t.exec(ctx, `INSERT INTO outbox (platform, chat_id, seller_id, kind, payload, created_at, failed_at, error)
		SELECT platform, chat_id, seller_id, 'announcement', payload, ?, CASE WHEN error <> '' THEN ?::timestamptz END, error
		FROM unnest(?::text[], ?::text[], ?::bigint[], ?::text[], ?::text[]) WITH ORDINALITY AS v (platform, chat_id, seller_id, payload, error, n)
		ORDER BY n`, at, at, platforms, chats, to, payloads, reasons); err != nil {
		return fmt.Errorf("queue reminders: %w", err)
	}
	return nil
}

// reminderPayload checks a finished reminder's message (a sent one has
// one, and only a sent one) and encodes it as Enqueue stores it.
func reminderPayload(f bot.FinishedReminder) (string, error) {
	if (f.Outcome == bot.ReminderSent) != (f.Message != nil) {
		return "", fmt.Errorf("reminder %s of %s for seller %d: %s with a message: %t", f.Kind, f.Item, f.SellerID, f.Outcome, f.Message != nil)
	}
	r := f.Message
	if r == nil {
		return "", nil
	}
	if r.Kind != bot.KindAnnouncement || r.SellerID != f.SellerID || r.File != nil || r.Announcement != 0 || r.StatusOf != 0 {
		return "", fmt.Errorf("reminder %s of %s for seller %d: not a reminder's message", f.Kind, f.Item, f.SellerID)
	}
	// MarshalJSON itself, not json.Marshal, which would check and compact
	// what it returns once more.
	payload, err := r.MarshalJSON()
	if err != nil {
		return "", fmt.Errorf("encode reply: %w", err)
	}
	return string(payload), nil
}

func (t *storeTx) Stalled(ctx context.Context, after bot.StallMark, before time.Time, limit int) ([]bot.Stall, error) {
	var out []bot.Stall
	var st bot.Stall
	err := t.sellersWith(ctx, "stalled onboardings", `SELECT `+prefixed("s.", sellerColumns)+`, o.market, o.updated_at
		FROM onboardings o JOIN sellers s ON s.id = o.seller_id
		WHERE o.question != '' AND (o.updated_at, o.seller_id, o.market) > (?, ?, ?) AND o.updated_at <= ?
		ORDER BY o.updated_at, o.seller_id, o.market LIMIT ?`, []any{after.At.UTC(), after.SellerID, after.Market, before.UTC(), limit},
		[]any{&st.Market, &st.LastActivity}, func(s bot.Seller) {
			st.Seller = s
			out = append(out, st)
		})
	return out, err
}

func (t *storeTx) NextStall(ctx context.Context, after bot.StallMark) (time.Time, bool, error) {
	var next time.Time
	err := t.get(ctx, &next, `SELECT updated_at FROM onboardings
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

func (t *storeTx) OpenItem(ctx context.Context, market, item string, after int64, limit int) ([]bot.Seller, error) {
	var out []bot.Seller
	err := t.sellersWith(ctx, "sellers with "+item+" open", `SELECT `+prefixed("s.", sellerColumns)+`
		FROM progress_items p JOIN sellers s ON s.id = p.seller_id
		WHERE p.market = ? AND p.seller_id > ? AND p.item = ? AND p.status = 'todo'
		ORDER BY p.seller_id LIMIT ?`, []any{market, after, item, limit}, nil, func(s bot.Seller) { out = append(out, s) })
	return out, err
}

// DatedItems goes through the checklist rows in their key's order
// (market, seller, position): the place is that key.
func (t *storeTx) DatedItems(ctx context.Context, after string, limit int) ([]bot.DatedItem, string, error) {
	var market string
	var seller, position int64 = 0, -1
	if after != "" {
		if _, err := fmt.Sscanf(after, "%d %d %s", &seller, &position, &market); err != nil {
			return nil, "", fmt.Errorf("dated items after %q: %w", after, err)
		}
	}
	var out []bot.DatedItem
	var d bot.DatedItem
	err := t.sellersWith(ctx, "dated items", `SELECT `+prefixed("s.", sellerColumns)+`, p.market, p.item, p.expiry, p.position
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

func (t *storeTx) Mark(ctx context.Context, name string) (string, error) {
	var v string
	err := t.get(ctx, &v, `SELECT value FROM reminder_marks WHERE name = ?`, name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

func (t *storeTx) SetMark(ctx context.Context, name, value string) error {
	_, err := t.exec(ctx, `INSERT INTO reminder_marks (name, value) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, value)
	return err
}

// ExpiringByMarket lists the items done whose expiry is from from to to, from
// committed data (the read side), on the expiry index.
func (s *Store) ExpiringByMarket(ctx context.Context, from, to string) ([]bot.ExpiringItem, error) {
	rows, err := s.db.QueryContext(ctx, s.db.Rebind(`SELECT `+prefixed("s.", sellerColumns)+`, p.market, p.item, p.cert_number, p.expiry
		FROM progress_items p JOIN sellers s ON s.id = p.seller_id
		WHERE p.expiry <> '' AND p.expiry >= ? AND p.expiry <= ? AND p.status = 'done'
		ORDER BY p.market, p.expiry, p.seller_id, p.item`), from, to)
	var out []bot.ExpiringItem
	var e bot.ExpiringItem
	err = eachSeller(rows, err, "expiring items", []any{&e.Market, &e.Item, &e.Number, &e.Expiry}, func(s bot.Seller) {
		e.Seller = s
		out = append(out, e)
	})
	return out, err
}
