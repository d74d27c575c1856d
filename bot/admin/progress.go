package admin

// Delivery progress: the admin's message, edited as delivery goes.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/bot/schedule"
	"github.com/onboardbot/onboardbot/flows"
)

// ProgressText is an admin's progress message for an announcement.
func ProgressText(a bot.Announcement, st bot.DeliveryStats, lang flows.Lang) string {
	head := flows.Textf(flows.Text{ZH: "📢 公告 #%d（%s）：%d 位收件人", EN: "📢 Announcement #%d (%s): %d recipients"}, a.ID, marketList(a.Markets), a.Recipients)
	line := flows.Textf(flows.Text{ZH: "已发送 %d · 待发送 %d · 无法送达 %d", EN: "sent %d · pending %d · unreachable %d"}, st.Sent, st.Pending, st.Unreachable)
	if st.Failed > 0 {
		line = flows.Textf(flows.Text{ZH: "%s · 失败 %d", EN: "%s · failed %d"}, line, st.Failed)
	}
	out := head.In(lang) + "\n" + line.In(lang)
	if st.Pending == 0 && !a.FinishedAt.IsZero() {
		out += "\n" + flows.Text{ZH: "✅ 发送完毕。", EN: "✅ Delivery finished."}.In(lang)
	}
	return out
}

// ProgressJob keeps admins informed while announcements are delivered:
// every interval it edits each admin's progress message when the counts
// changed, and when nothing is pending any more it marks the announcement
// finished and queues a final summary to the admin.
func (c *Admin) ProgressJob(editors map[string]bot.Editor, every time.Duration) schedule.Job {
	last := map[int64]bot.DeliveryStats{} // only this job's goroutine touches it
	return schedule.Job{Name: "announcement progress", Every: every, Run: func(ctx context.Context) error {
		return c.progressOnce(ctx, editors, last)
	}}
}

type progressEdit struct {
	announcement bot.Announcement
	stats        bot.DeliveryStats
	status       bot.Reply
	lang         flows.Lang
}

func (c *Admin) progressOnce(ctx context.Context, editors map[string]bot.Editor, last map[int64]bot.DeliveryStats) error {
	var edits []progressEdit
	queued := false
	now := c.now().UTC()
	err := c.store.Update(ctx, func(tx bot.Tx) error {
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
			if err != nil && !errors.Is(err, bot.ErrNotFound) {
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
					summary := bot.Reply{Platform: status.Platform, ChatID: status.ChatID, SellerID: status.SellerID, Kind: bot.KindReply,
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
		c.notifyAll()
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
