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

// selection is who an announcement reaches, and what a preview says about
// the others.
type selection struct {
	recipients []bot.Subscriber // one per seller
	// onboarding counts the sellers onboarding a chosen market who did not
	// mute it; inCategory those of them who sell the category (all of
	// them without one).
	onboarding, inCategory int
	// muted counts the sellers who would get it had they not muted the
	// market.
	muted int
}

// selectRecipients works out who an announcement reaches.
func selectRecipients(ctx context.Context, tx bot.Tx, catalog *flows.Catalog, a bot.Announcement, now time.Time) (selection, error) {
	var sel selection
	subs, err := tx.Subscribers(ctx, a.Markets)
	if err != nil {
		return sel, fmt.Errorf("list subscribers: %w", err)
	}
	onboarding, inCategory, got := map[int64]bool{}, map[int64]bool{}, map[int64]bool{}
	for _, s := range subs {
		m, ok := catalog.Market(s.Onboarding.Market)
		if !ok {
			continue
		}
		onboarding[s.Seller.ID] = true
		cut := filteredOut(a, m, s.Onboarding.State, now)
		if cut == cutCategory {
			continue
		}
		inCategory[s.Seller.ID] = true
		if cut == "" && !got[s.Seller.ID] {
			got[s.Seller.ID] = true
			sel.recipients = append(sel.recipients, s)
		}
	}
	sel.onboarding, sel.inCategory = len(onboarding), len(inCategory)
	muted, err := tx.MutedSubscribers(ctx, a.Markets)
	if err != nil {
		return sel, fmt.Errorf("list muted subscribers: %w", err)
	}
	skipped := map[int64]bool{}
	for _, s := range muted {
		if m, ok := catalog.Market(s.Onboarding.Market); ok && !got[s.Seller.ID] && filteredOut(a, m, s.Onboarding.State, now) == "" {
			skipped[s.Seller.ID] = true
		}
	}
	sel.muted = len(skipped)
	return sel, nil
}

// What leaves a seller out of an announcement: its category, or its stage
// or checklist item.
const (
	cutCategory = "category"
	cutProgress = "progress"
)

// filteredOut says which of an announcement's filters leaves out a seller
// with state st in market m, or "" when none does.
func filteredOut(a bot.Announcement, m *flows.Market, st flows.State, now time.Time) string {
	if a.Category != "" && !slices.Contains(st.Categories(), a.Category) {
		return cutCategory
	}
	if a.Stage != "" && flows.Current(m, st, now).Stage != a.Stage {
		return cutProgress
	}
	if a.OpenItem != "" {
		for _, e := range flows.Checklist(m, st, now) {
			if e.Item.ID == a.OpenItem && e.Open() {
				return ""
			}
		}
		return cutProgress
	}
	return ""
}

// marketsWithout lists the markets that have no checklist item id.
func marketsWithout(catalog *flows.Catalog, markets []string, id string) []string {
	var lack []string
	for _, mid := range markets {
		m, ok := catalog.Market(mid)
		if !ok {
			continue
		}
		if _, ok := m.Item(id); !ok {
			lack = append(lack, mid)
		}
	}
	return lack
}

// itemMissing says which of the markets lack a checklist item: an
// announcement to the sellers who have not done it would leave out every
// seller there, which is never what was meant.
func itemMissing(markets, lack []string, id string) flows.Text {
	if len(lack) == len(markets) {
		return flows.Textf(flows.Text{ZH: "%[1]s 没有清单项“%[2]s”。", EN: "No checklist item %[2]q in %[1]s."}, marketList(lack), id)
	}
	var have []string
	for _, m := range markets {
		if !slices.Contains(lack, m) {
			have = append(have, m)
		}
	}
	return flows.Textf(flows.Text{ZH: "%[1]s 没有清单项“%[2]s”（只有 %[3]s 有）。请只选有这一项的市场（从头再来），或换一个清单项。",
		EN: "No checklist item %[2]q in %[1]s (only in %[3]s). Choose only markets that have it (start over), or another item."}, marketList(lack), id, marketList(have))
}

// commonItem is the first checklist item every one of the markets has,
// or "".
func commonItem(catalog *flows.Catalog, markets []string) string {
	if len(markets) == 0 {
		return ""
	}
	first, ok := catalog.Market(markets[0])
	if !ok {
		return ""
	}
	for _, it := range first.Items {
		if len(marketsWithout(catalog, markets, it.ID)) == 0 {
			return it.ID
		}
	}
	return ""
}

// queueAnnouncement stores an announcement and one outbox row per
// recipient (subs, from selectRecipients), in the caller's transaction:
// all of it or none.
func queueAnnouncement(ctx context.Context, tx bot.Tx, catalog *flows.Catalog, a *bot.Announcement, subs []bot.Subscriber, now time.Time) (queued, error) {
	var q queued
	if len(a.Markets) == 0 {
		return q, errors.New("announcement without a market")
	}
	for _, id := range a.Markets {
		if _, ok := catalog.Market(id); !ok {
			return q, fmt.Errorf("unknown market %q", id)
		}
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
