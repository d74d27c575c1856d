package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

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
		query, args, err := sqlx.In(`DELETE FROM reminders WHERE seller_id = ? AND market = ? AND item = ? AND kind IN (?) AND finished_at IS NULL`,
			sellerID, market, item, kinds)
		if err != nil {
			return fmt.Errorf("cancel reminders: %w", err)
		}
		if _, err := t.tx.ExecContext(context.Background(), t.tx.Rebind(query), args...); err != nil { // see storeTx.exec
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
	st, err := t.txStmt(ctx, query)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	rows, err := st.QueryContext(context.Background(), args...) // see storeTx.exec
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

// prefixed puts a table's alias before each of a list of columns.
func prefixed(alias, columns string) string {
	return alias + strings.ReplaceAll(columns, ", ", ", "+alias)
}

func (t *storeTx) NextReminder(ctx context.Context) (time.Time, bool, error) {
	var next time.Time
	// The first entry of a partial index; not MIN(), whose result SQLite
	// gives no column type, so the driver would not read it as a time.
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

// FinishReminders finishes a batch of reminders in a few statements and
// queues their messages one statement each. What costs SQLite here is
// not the statements but the pages they touch, and a statement that
// writes several rows and may fail part way (a NOT NULL, a foreign key)
// keeps a journal of its own of every page it changes, which costs more
// than the statements it saves: the UPDATE, on its primary key, is OR
// IGNORE so that it cannot fail part way (its values are never NULL);
// the messages, whose seller is a foreign key, go one row at a time.
func (t *storeTx) FinishReminders(ctx context.Context, fs []bot.FinishedReminder, at time.Time) error {
	at = at.UTC()
	msgs := make([][]any, 0, len(fs))
	for _, f := range fs {
		row, err := reminderMessage(f, at)
		if err != nil {
			return err
		}
		if row != nil {
			msgs = append(msgs, row)
		}
	}
	err := inChunks(len(fs), func(from, n int) error {
		args := make([]any, 0, 1+6*n)
		args = append(args, at)
		for _, f := range fs[from : from+n] {
			args = append(args, f.SellerID, f.Market, f.Item, string(f.Kind), f.Target, string(f.Outcome))
		}
		_, err := t.exec(ctx, `UPDATE OR IGNORE reminders SET finished_at = ?, outcome = v.column6
			FROM (VALUES `+values(6, n)+`) AS v
			WHERE reminders.seller_id = v.column1 AND reminders.market = v.column2 AND reminders.item = v.column3
			  AND reminders.kind = v.column4 AND reminders.target = v.column5 AND reminders.finished_at IS NULL`, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("finish reminders: %w", err)
	}
	// In the batch's order: a seller's messages are sent in the order of their ids.
	for _, row := range msgs {
		if _, err := t.exec(ctx, `INSERT INTO outbox (platform, chat_id, seller_id, kind, payload, created_at, failed_at, error)
			VALUES (?, ?, ?, 'announcement', ?, ?, ?, ?)`, row...); err != nil {
			return fmt.Errorf("queue reminder: %w", err)
		}
	}
	return nil
}

// reminderMessage is the outbox row of a finished reminder's message
// (nil when it has none), as Enqueue writes it: the platform, chat,
// seller, payload, when it was queued, and when and why it was set aside
// for a seller known to be unreachable.
func reminderMessage(f bot.FinishedReminder, at time.Time) ([]any, error) {
	if (f.Outcome == bot.ReminderSent) != (f.Message != nil) {
		return nil, fmt.Errorf("reminder %s of %s for seller %d: %s with a message: %t", f.Kind, f.Item, f.SellerID, f.Outcome, f.Message != nil)
	}
	r := f.Message
	if r == nil {
		return nil, nil
	}
	if r.Kind != bot.KindAnnouncement || r.SellerID != f.SellerID || r.File != nil || r.Announcement != 0 || r.StatusOf != 0 {
		return nil, fmt.Errorf("reminder %s of %s for seller %d: not a reminder's message", f.Kind, f.Item, f.SellerID)
	}
	// MarshalJSON itself, not json.Marshal, which would check and compact
	// what it returns once more.
	payload, err := r.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("encode reply: %w", err)
	}
	var failedAt any
	if r.Undeliverable != "" {
		failedAt = at
	}
	return []any{r.Platform, r.ChatID, r.SellerID, string(payload), at, failedAt, r.Undeliverable}, nil
}

// maxChunk is the most rows one statement of a batch writes.
const maxChunk = 128

// inChunks calls write for rows from to from+n of total, in chunks whose
// sizes are powers of two, largest first.
func inChunks(total int, write func(from, n int) error) error {
	for from, n := 0, maxChunk; from < total; {
		for n > total-from {
			n /= 2
		}
		if err := write(from, n); err != nil {
			return err
		}
		from += n
	}
	return nil
}

// values is n rows of VALUES with k parameters each: "(?, ?), (?, ?)".
func values(k, n int) string {
	row := "(" + strings.Repeat("?, ", k-1) + "?)"
	return strings.Repeat(row+", ", n-1) + row
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
	st, err := s.stmt(ctx, s.read, `SELECT `+prefixed("s.", sellerColumns)+`, p.market, p.item, p.cert_number, p.expiry
		FROM progress_items p JOIN sellers s ON s.id = p.seller_id
		WHERE p.expiry != '' AND p.expiry >= ? AND p.expiry <= ? AND p.status = 'done'
		ORDER BY p.market, p.expiry, p.seller_id, p.item`)
	if err != nil {
		return nil, err
	}
	s.reads.RLock()
	defer s.reads.RUnlock()
	rows, err := st.QueryContext(ctx, from, to)
	var out []bot.ExpiringItem
	var e bot.ExpiringItem
	err = eachSeller(rows, err, "expiring items", []any{&e.Market, &e.Item, &e.Number, &e.Expiry}, func(s bot.Seller) {
		e.Seller = s
		out = append(out, e)
	})
	return out, err
}
