package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/internal/sqlstore"
)

// The reminders concern: bot.Reminders on the reminders and reminder_marks
// tables, and the stall scan on the onboardings_stalled index.

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

// SellersWith runs a query whose rows are a seller's columns and then
// those scanned into more, and calls each with every row's seller.
func (t *storeTx) SellersWith(ctx context.Context, what, query string, args, more []any, each func(bot.Seller)) error {
	rows, err := t.query(ctx, query, args...)
	return sqlstore.EachSeller(rows, err, what, more, each)
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

// ExpiringByMarket lists the items done whose expiry is from from to to, from
// committed data (the read side), on the expiry index.
func (s *Store) ExpiringByMarket(ctx context.Context, from, to string) ([]bot.ExpiringItem, error) {
	rows, err := s.db.QueryContext(ctx, s.db.Rebind(`SELECT `+prefixed("s.", sellerColumns)+`, p.market, p.item, p.cert_number, p.expiry
		FROM progress_items p JOIN sellers s ON s.id = p.seller_id
		WHERE p.expiry <> '' AND p.expiry >= ? AND p.expiry <= ? AND p.status = 'done'
		ORDER BY p.market, p.expiry, p.seller_id, p.item`), from, to)
	var out []bot.ExpiringItem
	var e bot.ExpiringItem
	err = sqlstore.EachSeller(rows, err, "expiring items", []any{&e.Market, &e.Item, &e.Number, &e.Expiry}, func(s bot.Seller) {
		e.Seller = s
		out = append(out, e)
	})
	return out, err
}
