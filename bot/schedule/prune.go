package schedule

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/onboardbot/onboardbot/bot"
)

// Retention says how long the store keeps what it keeps only for a while.
type Retention struct {
	// Claims is how long a handled update's claim is kept, so that a
	// redelivery is recognised: Telegram keeps an update about 24 hours,
	// and Slack retries an event within minutes.
	Claims time.Duration
	// Outbox is how long a delivered or set-aside message is kept: a click
	// on its buttons is resolved against it (after that, the seller is told
	// the button is no longer current), and an announcement's messages are
	// its counts.
	Outbox time.Duration
}

// DefaultRetention is a week of claims and 30 days of messages.
var DefaultRetention = Retention{Claims: 7 * 24 * time.Hour, Outbox: 30 * 24 * time.Hour}

// PruneBatch is how many rows one pruning transaction deletes at most: a
// few milliseconds of the writer.
const PruneBatch = 500

// Prune is the job that deletes, every hour, what store keeps only for a
// while once it is older than r says (see bot.Pruner), and codes and
// wrong codes once the core no longer needs them (bot.CodeKept,
// bot.CodeTryWindow: they are the core's rules, not a setting).
func Prune(store bot.Pruner, r Retention, now func() time.Time, log *slog.Logger) Job {
	return Job{Name: "prune", Every: time.Hour, Run: func(ctx context.Context) error {
		t := now()
		n, err := store.Prune(ctx, bot.PruneBefore{Claims: t.Add(-r.Claims), Outbox: t.Add(-r.Outbox),
			Codes: t.Add(-bot.CodeKept), CodeTries: t.Add(-bot.CodeTryWindow)}, PruneBatch)
		if n != (bot.Pruned{}) {
			log.Info("pruned", "claims", n.Claims, "messages", n.Messages, "codes", n.Codes, "code_tries", n.CodeTries)
		}
		if err != nil {
			return fmt.Errorf("prune: %w", err)
		}
		return nil
	}}
}
