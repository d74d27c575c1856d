package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/onboardbot/onboardbot/flows"
)

// RunProgress keeps admins informed while announcements are delivered:
// every interval it edits each admin's progress message when the counts
// changed, and when nothing is pending any more it marks the announcement
// finished and queues a final summary to the admin.
func (c *Core) RunProgress(ctx context.Context, editors map[string]Editor, every time.Duration) error {
	last := map[int64]DeliveryStats{}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := c.progressOnce(ctx, editors, last); err != nil && ctx.Err() == nil {
			c.log.Error("announcement progress", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

type progressEdit struct {
	announcement Announcement
	stats        DeliveryStats
	status       Reply
	lang         flows.Lang
}

func (c *Core) progressOnce(ctx context.Context, editors map[string]Editor, last map[int64]DeliveryStats) error {
	var edits []progressEdit
	queued := false
	now := c.now().UTC()
	err := c.store.Update(ctx, func(tx Tx) error {
		edits, queued = nil, false
		active, err := tx.ActiveAnnouncements(ctx)
		if err != nil {
			return fmt.Errorf("active announcements: %w", err)
		}
		for _, a := range active {
			st, err := tx.Stats(ctx, a.ID)
			if err != nil {
				return fmt.Errorf("announcement %d: %w", a.ID, err)
			}
			status, err := tx.StatusMessage(ctx, a.ID)
			if err != nil && !errors.Is(err, ErrNotFound) {
				return fmt.Errorf("announcement %d status: %w", a.ID, err)
			}
			lang := flows.EN
			if admins, err := tx.SellersByKey(ctx, []string{a.CreatedBy}); err == nil && len(admins) == 1 {
				lang = admins[0].Lang
			}
			if st.Pending == 0 {
				if err := tx.FinishAnnouncement(ctx, a.ID, now); err != nil {
					return fmt.Errorf("finish announcement %d: %w", a.ID, err)
				}
				a.FinishedAt = now
				if status.ID != 0 {
					summary := Reply{Platform: status.Platform, ChatID: status.ChatID, SellerID: status.SellerID, Kind: KindReply,
						Text: ProgressText(a, st, lang)}
					if err := tx.Enqueue(ctx, &summary, now); err != nil {
						return fmt.Errorf("queue summary: %w", err)
					}
					queued = true
				}
			}
			if status.Ref != "" {
				edits = append(edits, progressEdit{announcement: a, stats: st, status: status, lang: lang})
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if queued {
		c.notify.Notify("")
	}
	for _, e := range edits {
		id := e.announcement.ID
		if prev, ok := last[id]; ok && prev == e.stats && e.announcement.FinishedAt.IsZero() {
			continue
		}
		ed, ok := editors[e.status.Platform]
		if !ok {
			continue
		}
		// An edit is a courtesy: the counts are in /announcements anyway.
		if err := ed.Edit(ctx, e.status.ChatID, e.status.Ref, ProgressText(e.announcement, e.stats, e.lang)); err != nil {
			c.log.Warn("edit announcement progress", "announcement", id, "err", err)
			continue
		}
		last[id] = e.stats
		if !e.announcement.FinishedAt.IsZero() {
			delete(last, id)
		}
	}
	return nil
}
