package bot

import "context"

// Notifier is told, after a commit, that messages were queued: on platform,
// to these chats (none: anywhere on that platform); an empty platform means
// anywhere at all. The outbox's Hub implements it; the core calls it itself,
// so adapters never wire delivery.
type Notifier interface {
	Notify(platform string, chats ...string)
}

type noNotifier struct{}

func (noNotifier) Notify(string, ...string) {}

// WithNotifier sets who is told when the core has queued messages.
func WithNotifier(n Notifier) Option { return func(c *Core) { c.notify = n } }

// Editor is implemented by senders that can change the text of a message
// they sent (an admin's progress message), removing its buttons.
type Editor interface {
	Edit(ctx context.Context, chatID, ref, text string) error
}
