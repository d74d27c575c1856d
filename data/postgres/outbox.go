package postgres

// The outbox: queued in transactions (bot.Queue), sent from the read side
// (bot.Outbox). With a fleet, a chat is sent to by one instance at a time
// (fleet.go's lease).

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/onboardbot/onboardbot/bot"
)

type outboxRow struct {
	ID           int64         `db:"id"`
	Platform     string        `db:"platform"`
	ChatID       string        `db:"chat_id"`
	SellerID     sql.NullInt64 `db:"seller_id"`
	Kind         string        `db:"kind"`
	Payload      string        `db:"payload"`
	Announcement sql.NullInt64 `db:"announcement_id"`
	StatusOf     sql.NullInt64 `db:"status_of"`
	Ref          string        `db:"ref"`
}

const outboxColumns = `id, platform, chat_id, seller_id, kind, payload, announcement_id, status_of, ref`

func (r outboxRow) reply() (bot.Reply, error) {
	var rep bot.Reply
	if err := json.Unmarshal([]byte(r.Payload), &rep); err != nil {
		return rep, fmt.Errorf("outbox %d: %w", r.ID, err)
	}
	rep.ID, rep.Platform, rep.ChatID, rep.SellerID, rep.Kind = r.ID, r.Platform, r.ChatID, r.SellerID.Int64, bot.Kind(r.Kind)
	rep.Announcement, rep.StatusOf, rep.Ref = r.Announcement.Int64, r.StatusOf.Int64, r.Ref
	return rep, nil
}

// allKinds lists every kind of message, so that a query by chat can use
// the outbox_due_kind index (platform, kind, chat_id, id).
const allKinds = `'` + string(bot.KindReply) + `', '` + string(bot.KindAnnouncement) + `'`

// replyFirst orders sellers' replies ahead of announcements.
const replyFirst = `CASE WHEN kind = 'reply' THEN 0 ELSE 1 END`

// nullable is v for a column where 0 means none, NULL otherwise.
func nullable(v int64) sql.NullInt64 { return sql.NullInt64{Int64: v, Valid: v != 0} }

func (t *storeTx) Enqueue(ctx context.Context, r *bot.Reply, at time.Time) error {
	if r.File != nil {
		r.File.Stored = len(r.File.Data) > 0
	}
	payload, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode reply: %w", err)
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
		r.Platform, r.ChatID, nullable(r.SellerID), string(r.Kind), string(payload), at.UTC(), nullable(r.Announcement), nullable(r.StatusOf),
		failedAt, r.Undeliverable)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if r.File != nil && r.File.Stored {
		if _, err := t.exec(ctx, `INSERT INTO outbox_files (outbox_id, data) VALUES (?, ?)`, r.ID, r.File.Data); err != nil {
			return fmt.Errorf("queue file: %w", err)
		}
	}
	return nil
}

// Outgoing finds one queued message by id, from committed data.
func (s *Store) Outgoing(ctx context.Context, id int64) (bot.Reply, error) {
	return outgoing(ctx, s.rget, id)
}

// Outgoing finds one queued message by id, inside the transaction.
func (t *storeTx) Outgoing(ctx context.Context, id int64) (bot.Reply, error) {
	return outgoing(ctx, t.get, id)
}

func outgoing(ctx context.Context, get selector, id int64) (bot.Reply, error) {
	var r outboxRow
	err := get(ctx, &r, `SELECT `+outboxColumns+` FROM outbox WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return bot.Reply{}, bot.ErrNotFound
	}
	if err != nil {
		return bot.Reply{}, fmt.Errorf("outbox %d: %w", id, err)
	}
	rep, err := r.reply()
	if err != nil {
		return rep, err
	}
	return rep, fileData(ctx, get, &rep)
}

// fileData reads the bytes of the file a message carries, when the store
// holds them: only such messages pay for the read.
func fileData(ctx context.Context, get selector, r *bot.Reply) error {
	if r.File == nil || !r.File.Stored {
		return nil
	}
	if err := get(ctx, &r.File.Data, `SELECT data FROM outbox_files WHERE outbox_id = ?`, r.ID); err != nil {
		return fmt.Errorf("outbox %d file: %w", r.ID, err)
	}
	return nil
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
	var rows []outboxRow
	err = s.rsel(ctx, &rows,
		`SELECT `+outboxColumns+` FROM outbox
		 WHERE platform = ? AND kind IN (`+allKinds+`) AND chat_id = ? AND sent_at IS NULL AND failed_at IS NULL
		 ORDER BY `+replyFirst+`, id`, platform, chatID)
	if err != nil {
		return nil, fmt.Errorf("pending outbox: %w", err)
	}
	out := make([]bot.Reply, 0, len(rows))
	for _, r := range rows {
		rep, err := r.reply()
		if err != nil {
			return nil, err
		}
		if err := fileData(ctx, s.rget, &rep); err != nil {
			return nil, err
		}
		out = append(out, rep)
	}
	return out, nil
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
		tx := t.(*storeTx)
		if r.SellerID != 0 {
			if _, err := tx.exec(ctx, `UPDATE sellers SET unreachable_at = ? WHERE id = ?`, at.UTC(), r.SellerID); err != nil {
				return fmt.Errorf("mark seller %d unreachable: %w", r.SellerID, err)
			}
		}
		if _, err := tx.exec(ctx, `UPDATE outbox SET failed_at = ?, error = ? WHERE platform = ? AND kind IN (`+allKinds+`) AND chat_id = ? AND sent_at IS NULL AND failed_at IS NULL`,
			at.UTC(), "unreachable: "+reason, r.Platform, r.ChatID); err != nil {
			return fmt.Errorf("set aside messages to %s: %w", r.ChatID, err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("mark unreachable: %w", err)
	}
	return nil
}
