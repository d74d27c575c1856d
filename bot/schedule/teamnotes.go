package schedule

import (
	"context"
	"time"

	"github.com/onboardbot/onboardbot/bot"
)

// TeamNotes sends the members of a company, each as one message, what
// their colleagues did (answers, items marked), once a colleague's burst
// is over (see bot.TeamNoteQuiet).
func TeamNotes(core *bot.Core) Job {
	const every = 10 * time.Second
	next := time.Duration(0)
	return Job{
		Name:  "team notes",
		Every: every,
		Run: func(ctx context.Context) error {
			var err error
			next, err = core.FlushTeamNotes(ctx, bot.TeamNoteQuiet)
			return err
		},
		Until: func(ctx context.Context) (time.Duration, error) {
			if next == 0 {
				return every, nil
			}
			return next, nil
		},
	}
}
