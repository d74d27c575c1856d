package admin

// Announcements from outside a chat (onboardbot announce).

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/flows"
)

// AnnounceResult is what queueing an announcement did.
type AnnounceResult struct {
	Announcement bot.Announcement
	Queued       int
	Unreachable  int
}

// Announce queues an announcement from outside a chat (the shell), under
// the rules in catalog.
func (c *Admin) Announce(ctx context.Context, catalog *flows.Catalog, a bot.Announcement) (AnnounceResult, error) {
	var res AnnounceResult
	if problem := validAnnouncement(catalog, a); problem != "" {
		return res, errors.New(problem)
	}
	err := c.store.Update(ctx, func(tx bot.Tx) error {
		q, err := queueAnnouncement(ctx, tx, catalog, &a, c.now().UTC())
		res = AnnounceResult{Announcement: a, Queued: q.queued, Unreachable: q.unreachable}
		return err
	})
	if err != nil {
		return AnnounceResult{}, fmt.Errorf("queue announcement: %w", err)
	}
	c.notifyAll()
	return res, nil
}

// validAnnouncement checks markets, category, item and text; it returns
// what is wrong, or "".
func validAnnouncement(catalog *flows.Catalog, a bot.Announcement) string {
	if len(a.Markets) == 0 {
		return "give a market (--market ID)"
	}
	categoryFound, itemFound := a.Category == "", a.OpenItem == ""
	for _, id := range a.Markets {
		m, ok := catalog.Market(id)
		if !ok {
			return fmt.Sprintf("unknown market %q", id)
		}
		_, hasCat := m.Category(a.Category)
		_, hasItem := m.Item(a.OpenItem)
		categoryFound = categoryFound || hasCat
		itemFound = itemFound || hasItem
	}
	if !categoryFound {
		return fmt.Sprintf("unknown category %q in %s", a.Category, strings.Join(a.Markets, ", "))
	}
	if !itemFound {
		return fmt.Sprintf("unknown checklist item %q in %s", a.OpenItem, strings.Join(a.Markets, ", "))
	}
	if problem := textProblem(a.Text); !problem.IsZero() {
		return problem.EN
	}
	return ""
}
