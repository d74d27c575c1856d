package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ButtonID is what a platform button carries: the stored reply's id and the
// choice's position, never the answer itself. It fits Telegram's 64-byte
// callback_data and Slack's action_id, and it keeps working after a restart,
// since it is resolved against the outbox.
func ButtonID(replyID int64, index int) string { return fmt.Sprintf("c:%d:%d", replyID, index) }

// Button is a click on one of the bot's buttons as an adapter hands it
// over: the button's data, not yet resolved (the core resolves it inside
// the transaction that handles the click), and where the click came from.
type Button struct {
	Data string
	// InChat reports whether a message stored for chatID is one the
	// clicker could see where they clicked (their own chat).
	InChat func(chatID string) bool
	// Message is the platform's id of the message clicked, as the click
	// says: what a reply in its place edits when the send of the message
	// is not recorded yet (a click right after it arrived).
	Message string
}

// Clicked is what a click resolved to: the stored message and the chosen
// label, so an adapter can mark the question answered.
type Clicked struct {
	Message Reply
	Label   string
}

// ResolveButton finds the reply and the choice index a button stands for.
// The reply must have been sent on platform to a chat inChat accepts;
// anything else (malformed data, another chat's message) gives a nil reply
// and no error. Errors are the store's.
func ResolveButton(ctx context.Context, outbox interface {
	Outgoing(ctx context.Context, id int64) (Reply, error)
}, data, platform string, inChat func(chatID string) bool) (*Reply, int, error) {
	parts := strings.Split(data, ":")
	if len(parts) != 3 || parts[0] != "c" {
		return nil, 0, nil
	}
	id, err1 := strconv.ParseInt(parts[1], 10, 64)
	index, err2 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil {
		return nil, 0, nil
	}
	r, err := outbox.Outgoing(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	if r.Platform != platform || !inChat(r.ChatID) || index < 0 || index >= len(r.Choices) {
		return nil, 0, nil
	}
	return &r, index, nil
}
