package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/internal/sqlstore"
)

// The reminders concern: bot.Reminders on the reminders and reminder_marks
// tables, and the stall scan on the onboardings_stalled index.

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

// SellersWith runs a query whose rows are a seller's columns and then
// those scanned into more, and calls each with every row's seller.
func (t *storeTx) SellersWith(ctx context.Context, what, query string, args, more []any, each func(bot.Seller)) error {
	st, err := t.txStmt(ctx, query)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	rows, err := st.QueryContext(context.Background(), args...) // see storeTx.exec
	return sqlstore.EachSeller(rows, err, what, more, each)
}

// prefixed puts a table's alias before each of a list of columns.
func prefixed(alias, columns string) string { return sqlstore.Prefixed(alias, columns) }

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
		args := make([]any, 0, 1+7*n)
		args = append(args, at)
		for _, f := range fs[from : from+n] {
			args = append(args, f.SellerID, f.Market, f.Item, string(f.Kind), f.Target, string(f.Outcome), f.Due.UTC())
		}
		_, err := t.exec(ctx, `UPDATE OR IGNORE reminders SET finished_at = ?, outcome = v.column6
			FROM (VALUES `+values(7, n)+`) AS v
			WHERE reminders.due_at = v.column7 AND reminders.seller_id = v.column1 AND reminders.market = v.column2 AND reminders.item = v.column3
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
	err = sqlstore.EachSeller(rows, err, "expiring items", []any{&e.Market, &e.Item, &e.Number, &e.Expiry}, func(s bot.Seller) {
		e.Seller = s
		out = append(out, e)
	})
	return out, err
}
