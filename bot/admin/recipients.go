package admin

// Who an announcement reaches, and queueing it to them.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/flows"
)

type queued struct{ queued, unreachable int }

// recipients lists the subscribers an announcement reaches, one per seller.
func recipients(ctx context.Context, tx bot.Tx, catalog *flows.Catalog, a bot.Announcement, now time.Time) ([]bot.Subscriber, error) {
	subs, err := tx.Subscribers(ctx, a.Markets)
	if err != nil {
		return nil, fmt.Errorf("list subscribers: %w", err)
	}
	seen := map[int64]bool{}
	var out []bot.Subscriber
	for _, s := range subs {
		m, ok := catalog.Market(s.Onboarding.Market)
		if !ok || seen[s.Seller.ID] {
			continue
		}
		st := s.Onboarding.State
		if a.Category != "" && !slices.Contains(st.Categories(), a.Category) {
			continue
		}
		if a.Stage != "" && flows.Current(m, st, now).Stage != a.Stage {
			continue
		}
		if a.OpenItem != "" {
			open := false
			for _, e := range flows.Checklist(m, st, now) {
				open = open || (e.Item.ID == a.OpenItem && e.Open())
			}
			if !open {
				continue
			}
		}
		seen[s.Seller.ID] = true
		out = append(out, s)
	}
	return out, nil
}

// queueAnnouncement stores an announcement and one outbox row per
// recipient, in the caller's transaction: all of it or none.
func queueAnnouncement(ctx context.Context, tx bot.Tx, catalog *flows.Catalog, a *bot.Announcement, now time.Time) (queued, error) {
	var q queued
	if len(a.Markets) == 0 {
		return q, errors.New("announcement without a market")
	}
	for _, id := range a.Markets {
		if _, ok := catalog.Market(id); !ok {
			return q, fmt.Errorf("unknown market %q", id)
		}
	}
	subs, err := recipients(ctx, tx, catalog, *a, now)
	if err != nil {
		return q, err
	}
	a.CreatedAt, a.Recipients = now, len(subs)
	if err := tx.CreateAnnouncement(ctx, a); err != nil {
		return q, fmt.Errorf("create announcement: %w", err)
	}
	type textKey struct {
		market string
		lang   flows.Lang
	}
	texts := map[textKey]string{} // one text per market and language, not per recipient
	for _, s := range subs {
		k := textKey{s.Onboarding.Market, s.Seller.Lang}
		text, ok := texts[k]
		if !ok {
			text = announcementText(catalog, *a, k.market, k.lang)
			texts[k] = text
		}
		r := bot.Reply{
			Platform: s.Seller.Platform, ChatID: s.Seller.ChatID, SellerID: s.Seller.ID, Kind: bot.KindAnnouncement,
			Announcement: a.ID, Text: text,
		}
		if s.Seller.Unreachable {
			r.Undeliverable = "unreachable: the seller blocked the bot"
			q.unreachable++
		} else {
			q.queued++
		}
		if err := tx.Enqueue(ctx, &r, now); err != nil {
			return q, fmt.Errorf("queue announcement to seller %d: %w", s.Seller.ID, err)
		}
	}
	return q, nil
}

// announcementText is what one seller reads: which market it is about, the
// text in their language, and how to mute it.
func announcementText(catalog *flows.Catalog, a bot.Announcement, market string, lang flows.Lang) string {
	name := market
	if m, ok := catalog.Market(market); ok {
		name = m.Name.In(lang)
	}
	head := flows.Textf(flows.Text{ZH: "📢 %s 公告", EN: "📢 %s announcement"}, name).In(lang)
	foot := flows.Textf(flows.Text{ZH: "不想再收到这个市场的公告？/mute %s", EN: "No more announcements for this market: /mute %s"}, market).In(lang)
	return head + "\n\n" + a.Text.In(lang) + "\n\n" + foot
}
