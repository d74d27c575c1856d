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
	Preview      Preview // who it went to, worked out as it was queued
	Queued       int
	Unreachable  int
}

// ErrNoRecipients means nobody would get an announcement: it was not
// queued.
var ErrNoRecipients = errors.New("nobody would get this announcement")

// Preview works out what an announcement would do, from outside a chat
// (onboardbot announce --dry-run), queueing nothing.
func (c *Admin) Preview(ctx context.Context, catalog *flows.Catalog, a bot.Announcement) (Preview, error) {
	if problem := validAnnouncement(catalog, a); problem != "" {
		return Preview{}, errors.New(problem)
	}
	var p Preview
	err := c.store.Update(ctx, func(tx bot.Tx) error { // nothing is written: the transaction only reads
		var err error
		p, _, err = previewIn(ctx, tx, catalog, a, c.now().UTC())
		return err
	})
	if err != nil {
		return Preview{}, fmt.Errorf("preview announcement: %w", err)
	}
	return p, nil
}

// Announce queues an announcement from outside a chat (the shell), under
// the rules in catalog. When nobody would get it, it queues nothing and
// returns ErrNoRecipients, saying why, unless allowEmpty.
func (c *Admin) Announce(ctx context.Context, catalog *flows.Catalog, a bot.Announcement, allowEmpty bool) (AnnounceResult, error) {
	var res AnnounceResult
	if problem := validAnnouncement(catalog, a); problem != "" {
		return res, errors.New(problem)
	}
	err := c.store.Update(ctx, func(tx bot.Tx) error {
		now := c.now().UTC()
		a := a // each run of fn starts from the caller's announcement
		p, sel, err := previewIn(ctx, tx, catalog, a, now)
		if err != nil {
			return err
		}
		if p.Recipients == 0 && !allowEmpty {
			return fmt.Errorf("%w: %s", ErrNoRecipients, p.Nobody.EN)
		}
		q, err := queueAnnouncement(ctx, tx, catalog, &a, sel.recipients, now)
		res = AnnounceResult{Announcement: a, Preview: p, Queued: q.queued, Unreachable: q.unreachable}
		return err
	})
	if errors.Is(err, ErrNoRecipients) {
		return AnnounceResult{}, err
	}
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
	categoryFound := a.Category == ""
	for _, id := range a.Markets {
		m, ok := catalog.Market(id)
		if !ok {
			return fmt.Sprintf("unknown market %q", id)
		}
		_, hasCat := m.Category(a.Category)
		categoryFound = categoryFound || hasCat
	}
	if !categoryFound {
		return fmt.Sprintf("unknown category %q in %s", a.Category, strings.Join(a.Markets, ", "))
	}
	if a.OpenItem != "" {
		if lack := marketsWithout(catalog, a.Markets, a.OpenItem); len(lack) > 0 {
			return itemMissing(a.Markets, lack, a.OpenItem).EN
		}
	}
	if problem := textProblem(a.Text); !problem.IsZero() {
		return problem.EN
	}
	return ""
}
