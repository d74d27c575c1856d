package admin

// The preview: who an announcement would reach, on which platform and in
// which language, who it skips, and why nobody matches when nobody does.

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/flows"
)

// Preview is what an announcement would do, worked out without queueing it.
type Preview struct {
	Announcement bot.Announcement
	// Recipients counts the sellers who would get it, Unreachable those of
	// them who blocked the bot (counted, never sent), Muted the sellers
	// skipped because they muted the market.
	Recipients, Unreachable, Muted int
	// Platforms counts the recipients on each platform, by the language
	// they get, in platform name order.
	Platforms []PlatformCount
	// Nobody says why nobody would get it; zero when somebody would.
	Nobody flows.Text
}

// PlatformCount is how many recipients on one platform get each language.
type PlatformCount struct {
	Platform string
	ZH, EN   int
}

// preview works out an announcement's preview from its selection.
func preview(catalog *flows.Catalog, a bot.Announcement, sel selection) Preview {
	p := Preview{Announcement: a, Recipients: len(sel.recipients), Muted: sel.muted}
	at := map[string]int{}
	for _, s := range sel.recipients {
		i, ok := at[s.Seller.Platform]
		if !ok {
			i = len(p.Platforms)
			at[s.Seller.Platform] = i
			p.Platforms = append(p.Platforms, PlatformCount{Platform: s.Seller.Platform})
		}
		if received(a.Text, s.Seller.Lang) == flows.ZH {
			p.Platforms[i].ZH++
		} else {
			p.Platforms[i].EN++
		}
		if s.Seller.Unreachable {
			p.Unreachable++
		}
	}
	sort.Slice(p.Platforms, func(i, j int) bool { return p.Platforms[i].Platform < p.Platforms[j].Platform })
	if p.Recipients == 0 {
		p.Nobody = nobodyBecause(catalog, a, sel)
	}
	return p
}

// previewIn works out an announcement's preview in the caller's transaction.
func previewIn(ctx context.Context, tx bot.Tx, catalog *flows.Catalog, a bot.Announcement, now time.Time) (Preview, selection, error) {
	sel, err := selectRecipients(ctx, tx, catalog, a, now)
	if err != nil {
		return Preview{}, sel, err
	}
	return preview(catalog, a, sel), sel, nil
}

// received is the language a seller of language l reads an announcement
// of text t in: theirs, or the other when t lacks it (as flows.Text.In).
func received(t flows.Text, l flows.Lang) flows.Lang {
	if l == flows.ZH && t.ZH != "" || t.EN == "" {
		return flows.ZH
	}
	return flows.EN
}

// nobodyBecause says which filter left nobody.
func nobodyBecause(catalog *flows.Catalog, a bot.Announcement, sel selection) flows.Text {
	markets := marketList(a.Markets)
	switch {
	case sel.onboarding == 0:
		return flows.Textf(flows.Text{ZH: "没有卖家在入驻 %s（静音了公告的不算）。", EN: "No seller is onboarding %s (not counting those who muted its announcements)."}, markets)
	case sel.inCategory == 0:
		return flows.Textf(flows.Text{ZH: "入驻 %[1]s 的 %[2]d 位卖家都没有选类目“%[3]s”。", EN: "None of the %[2]d sellers onboarding %[1]s sells %[3]s."},
			markets, sel.onboarding, categoryName(catalog, a.Markets, a.Category))
	}
	those := flows.Textf(flows.Text{ZH: "入驻 %[1]s 的 %[2]d 位卖家", EN: "the %[2]d sellers onboarding %[1]s"}, markets, sel.onboarding)
	if a.Category != "" {
		those = flows.Textf(flows.Text{ZH: "入驻 %[1]s、卖“%[2]s”的 %[3]d 位卖家", EN: "the %[3]d sellers onboarding %[1]s who sell %[2]s"},
			markets, categoryName(catalog, a.Markets, a.Category), sel.inCategory)
	}
	if a.Stage != "" {
		return flows.Textf(flows.Text{ZH: "%s都不在“%s”阶段。", EN: "None of %s is at the %s stage."}, those, a.Stage.Name())
	}
	return flows.Textf(flows.Text{ZH: "%s都已经完成（或不需要）清单项 %s。", EN: "All of %s have done (or need not do) checklist item %s."}, those, a.OpenItem)
}

// PreviewText is a preview as an admin reads it, in lang.
func PreviewText(p Preview, catalog *flows.Catalog, lang flows.Lang) string {
	a := p.Announcement
	lines := []flows.Text{
		{ZH: "📢 公告预览", EN: "📢 Announcement preview"},
		flows.Textf(flows.Text{ZH: "市场：%s", EN: "Markets: %s"}, marketList(a.Markets)),
	}
	if a.Category != "" {
		lines = append(lines, flows.Textf(flows.Text{ZH: "类目：%s", EN: "Category: %s"}, categoryName(catalog, a.Markets, a.Category)))
	}
	if a.Stage != "" {
		lines = append(lines, flows.Textf(flows.Text{ZH: "阶段：%s", EN: "Stage: %s"}, a.Stage.Name()))
	}
	if a.OpenItem != "" {
		lines = append(lines, flows.Textf(flows.Text{ZH: "清单项 %s 还没完成的卖家", EN: "Sellers who have not done checklist item %s"}, a.OpenItem))
	}
	lines = append(lines, flows.Textf(flows.Text{ZH: "收件人：%d 人", EN: "Recipients: %d"}, p.Recipients))
	zh, en := 0, 0
	for _, c := range p.Platforms {
		zh, en = zh+c.ZH, en+c.EN
		lines = append(lines, flows.Textf(flows.Text{ZH: "  %s：%d 人（中文 %d，英文 %d）", EN: "  %s: %d (Chinese %d, English %d)"}, c.Platform, c.ZH+c.EN, c.ZH, c.EN))
	}
	if p.Recipients > 0 {
		lines = append(lines, flows.Textf(flows.Text{ZH: "收到中文 %d 人，英文 %d 人", EN: "In Chinese: %d · in English: %d"}, zh, en))
	}
	if p.Unreachable > 0 {
		lines = append(lines, flows.Textf(flows.Text{ZH: "其中 %d 人屏蔽了机器人，收不到", EN: "Of them, %d blocked the bot and will not get it"}, p.Unreachable))
	}
	lines = append(lines, flows.Textf(flows.Text{ZH: "已静音、跳过：%d 人", EN: "Muted, skipped: %d"}, p.Muted))
	if !p.Nobody.IsZero() {
		lines = append(lines, flows.Textf(flows.Text{ZH: "没有人会收到：%s", EN: "Nobody would get it: %s"}, p.Nobody))
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.In(lang)
	}
	return strings.Join(out, "\n")
}

// marketList names markets by id, as Chinese or English lists them.
func marketList(ids []string) flows.Text {
	return flows.Text{ZH: strings.Join(ids, "、"), EN: strings.Join(ids, ", ")}
}

// categoryName is a category's name and id ("美妆个护（beauty）"), from the
// first of the markets that has it.
func categoryName(catalog *flows.Catalog, markets []string, id string) flows.Text {
	for _, mid := range markets {
		if m, ok := catalog.Market(mid); ok {
			if c, ok := m.Category(id); ok {
				return flows.Textf(flows.Text{ZH: "%s（%s）", EN: "%s (%s)"}, c.Name, id)
			}
		}
	}
	return flows.Text{ZH: id, EN: id}
}
