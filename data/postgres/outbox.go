package postgres

// The outbox: queued in transactions (bot.Queue), sent from the read side
// (bot.Outbox). With a fleet, a chat is sent to by one instance at a time
// (fleet.go's lease).

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/internal/sqlstore"
)

// nullable is v for a column where 0 means none, NULL otherwise.
func nullable(v int64) sql.NullInt64 { return sql.NullInt64{Int64: v, Valid: v != 0} }

func (t *storeTx) Enqueue(ctx context.Context, r *bot.Reply, at time.Time) error {
	payload, err := sqlstore.ReplyPayload(r)
	if err != nil {
		return err
	}
	var failedAt sql.NullTime
	if r.Undeliverable != "" {
		failedAt = sql.NullTime{Time: at.UTC(), Valid: true}
	}
	// An announcement already queued to this seller stays queued once, and
	// then no row is returned: ID stays 0.
	r.ID = 0
	err = t.get(ctx, &r.ID,
		`INSERT INTO outbox (platform, chat_id, seller_id, kind, payload, created_at, announcement_id, status_of, failed_at, error)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		 ON CONFLICT (announcement_id, seller_id) WHERE announcement_id IS NOT NULL DO NOTHING
		 RETURNING id`,
		r.Platform, r.ChatID, nullable(r.SellerID), string(r.Kind), payload, at.UTC(), nullable(r.Announcement), nullable(r.StatusOf),
		failedAt, r.Undeliverable)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return t.InsertReplyFile(ctx, r)
}

// DueChats lists chats with undelivered messages of a kind to reachable
// sellers, leaving out those another live instance of the fleet sends to.
func (s *Store) DueChats(ctx context.Context, platform string, kind bot.Kind, limit int) ([]string, error) {
	var chats []string
	err := s.rsel(ctx, &chats,
		`SELECT o.chat_id FROM outbox o LEFT JOIN sellers s ON s.id = o.seller_id
		 WHERE o.platform = ? AND o.kind = ? AND o.sent_at IS NULL AND o.failed_at IS NULL AND s.unreachable_at IS NULL
		   AND NOT `+leasedElsewhere+`
		 GROUP BY o.chat_id ORDER BY min(o.id) LIMIT ?`, platform, string(kind), s.fleet.instance(), limit)
	if err != nil {
		return nil, fmt.Errorf("due chats: %w", err)
	}
	return chats, nil
}

// Pending lists undelivered messages for one chat, replies first, oldest
// first; none while another live instance of the fleet holds the chat.
func (s *Store) Pending(ctx context.Context, platform, chatID string) ([]bot.Reply, error) {
	ok, err := s.lease(ctx, platform, chatID)
	if err != nil || !ok {
		return nil, err
	}
	return sqlstore.Pending(ctx, readSide{s}, platform, chatID)
}

// exec1 runs one write statement in a transaction of its own.
func (s *Store) exec1(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return s.writer.ExecContext(ctx, s.writer.Rebind(query), args...)
}

// MarkSent records outbox messages as delivered.
func (s *Store) MarkSent(ctx context.Context, ids []int64, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := s.exec1(ctx, `UPDATE outbox SET sent_at = ? WHERE id = ANY(?) AND sent_at IS NULL`, at.UTC(), ids); err != nil {
		return fmt.Errorf("mark sent: %w", err)
	}
	return nil
}

// MarkSentRef records one message as delivered, with the platform's id for it.
func (s *Store) MarkSentRef(ctx context.Context, id int64, ref string, at time.Time) error {
	if _, err := s.exec1(ctx, `UPDATE outbox SET sent_at = ?, ref = ? WHERE id = ? AND sent_at IS NULL`, at.UTC(), ref, id); err != nil {
		return fmt.Errorf("mark outbox %d sent: %w", id, err)
	}
	return nil
}

// MarkFailed sets one message aside with the reason.
func (s *Store) MarkFailed(ctx context.Context, id int64, reason string, at time.Time) error {
	if _, err := s.exec1(ctx, `UPDATE outbox SET failed_at = ?, error = ? WHERE id = ? AND sent_at IS NULL`, at.UTC(), reason, id); err != nil {
		return fmt.Errorf("mark outbox %d failed: %w", id, err)
	}
	return nil
}

// MarkUnreachable marks r's seller unreachable and sets aside every
// undelivered message to that chat, in one transaction.
func (s *Store) MarkUnreachable(ctx context.Context, r bot.Reply, reason string, at time.Time) error {
	err := s.Update(ctx, func(t bot.Tx) error {
		return t.(*storeTx).SetUnreachable(ctx, r, reason, at)
	})
	if err != nil {
		return fmt.Errorf("mark unreachable: %w", err)
	}
	return nil
}
