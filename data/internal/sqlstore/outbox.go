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

// AllKinds lists every kind of message, so that a query by chat can use
// the outbox_due_kind index (platform, kind, chat_id, id).
const AllKinds = `'` + string(bot.KindReply) + `', '` + string(bot.KindAnnouncement) + `'`

// replyFirst orders sellers' replies ahead of announcements.
const replyFirst = `CASE WHEN kind = 'reply' THEN 0 ELSE 1 END`

// ReplyPayload readies a message to be queued: whether the store keeps
// its file's bytes, and the message as the outbox's payload.
func ReplyPayload(r *bot.Reply) (string, error) {
	if r.File != nil {
		r.File.Stored = len(r.File.Data) > 0
	}
	payload, err := json.Marshal(r)
	if err != nil {
		return "", fmt.Errorf("encode reply: %w", err)
	}
	return string(payload), nil
}

// InsertReplyFile keeps the bytes of the file of a message just queued
// (r.ID set), when the store holds them.
func (t *Tx) InsertReplyFile(ctx context.Context, r *bot.Reply) error {
	if r.ID == 0 || r.File == nil || !r.File.Stored {
		return nil
	}
	if _, err := t.q.Exec(ctx, `INSERT INTO outbox_files (outbox_id, data) VALUES (?, ?)`, r.ID, r.File.Data); err != nil {
		return fmt.Errorf("queue file: %w", err)
	}
	return nil
}

// Outgoing finds one queued message by id, inside the transaction.
func (t *Tx) Outgoing(ctx context.Context, id int64) (bot.Reply, error) {
	return outgoing(ctx, t.q, id)
}

// Outgoing finds one queued message by id, from committed data.
func (rd Reads) Outgoing(ctx context.Context, id int64) (bot.Reply, error) {
	return outgoing(ctx, rd.q, id)
}

func outgoing(ctx context.Context, q Querier, id int64) (bot.Reply, error) {
	var r outboxRow
	err := q.Get(ctx, &r, `SELECT `+outboxColumns+` FROM outbox WHERE id = ?`, id)
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
	return rep, fileData(ctx, q, &rep)
}

// fileData reads the bytes of the file a message carries, when the store
// holds them: only such messages pay for the read.
func fileData(ctx context.Context, q Querier, r *bot.Reply) error {
	if r.File == nil || !r.File.Stored {
		return nil
	}
	if err := q.Get(ctx, &r.File.Data, `SELECT data FROM outbox_files WHERE outbox_id = ?`, r.ID); err != nil {
		return fmt.Errorf("outbox %d file: %w", r.ID, err)
	}
	return nil
}

// Pending lists undelivered messages for one chat, replies first, oldest
// first, from q: the stores' Pending, which decide first whether this
// process sends to the chat, end with it.
func Pending(ctx context.Context, q Querier, platform, chatID string) ([]bot.Reply, error) {
	var rows []outboxRow
	err := q.Select(ctx, &rows,
		`SELECT `+outboxColumns+` FROM outbox
		 WHERE platform = ? AND kind IN (`+AllKinds+`) AND chat_id = ? AND sent_at IS NULL AND failed_at IS NULL
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
		if err := fileData(ctx, q, &rep); err != nil {
			return nil, err
		}
		out = append(out, rep)
	}
	return out, nil
}

// SetUnreachable marks r's seller unreachable and sets aside every
// undelivered message to that chat: the stores' MarkUnreachable run it in
// a transaction.
func (t *Tx) SetUnreachable(ctx context.Context, r bot.Reply, reason string, at time.Time) error {
	if r.SellerID != 0 {
		if _, err := t.q.Exec(ctx, `UPDATE sellers SET unreachable_at = ? WHERE id = ?`, at.UTC(), r.SellerID); err != nil {
			return fmt.Errorf("mark seller %d unreachable: %w", r.SellerID, err)
		}
	}
	if _, err := t.q.Exec(ctx, `UPDATE outbox SET failed_at = ?, error = ? WHERE platform = ? AND kind IN (`+AllKinds+`) AND chat_id = ? AND sent_at IS NULL AND failed_at IS NULL`,
		at.UTC(), "unreachable: "+reason, r.Platform, r.ChatID); err != nil {
		return fmt.Errorf("set aside messages to %s: %w", r.ChatID, err)
	}
	return nil
}
