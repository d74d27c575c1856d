package admin

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/flows"
)

// Bounds of /expiring: how far ahead it looks by default and at most, and
// how many certificates it lists per market and in all (one message).
const (
	expiringDays       = 30
	maxExpiringDays    = 366
	expiringPerMarket  = 15
	expiringAltogether = 60
)

// expiringCmd lists the sellers whose certificates expire within days
// (30 unless given), per market, soonest first: who to remind, or ask.
func (a *Admin) expiringCmd(cv *bot.Conversation, args []string) error {
	days := expiringDays
	if len(args) > 0 {
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSuffix(args[0], "d"), "天"))
		if err != nil || n < 1 || n > maxExpiringDays {
			cv.Sayf("用法：/expiring [天数]，1 到 %d 天，默认 %d 天。", "Usage: /expiring [days], 1 to %d, %d by default.", maxExpiringDays, expiringDays)
			return nil
		}
		days = n
	}
	today := cv.Now().UTC()
	from, to := today.Format(flows.DateLayout), today.AddDate(0, 0, days).Format(flows.DateLayout)
	items, err := a.store.ExpiringByMarket(cv.Ctx(), from, to)
	if err != nil {
		return fmt.Errorf("expiring certificates: %w", err)
	}
	lang := cv.Lang()
	if len(items) == 0 {
		cv.Sayf("%d 天内（%s 到 %s）没有到期的证书。", "No certificate expires within %d days (%s to %s).", days, from, to)
		return nil
	}
	var b strings.Builder
	b.WriteString(flows.Textf(flows.Text{ZH: "⏰ %d 天内（%s 到 %s）到期的证书：%d 张", EN: "⏰ Certificates expiring within %d days (%s to %s): %d"},
		days, from, to, len(items)).In(lang))
	listed, market, inMarket := 0, "", 0
	for i, it := range items {
		if it.Market != market {
			market, inMarket = it.Market, 0
			name := flows.Text{ZH: market, EN: market}
			if m, ok := cv.Catalog().Market(market); ok {
				name = m.Name
			}
			n := 0
			for _, x := range items[i:] {
				if x.Market == market {
					n++
				}
			}
			fmt.Fprintf(&b, "\n\n【%s · %s】%d", name.In(lang), market, n)
		}
		inMarket++
		if inMarket > expiringPerMarket || listed >= expiringAltogether {
			continue
		}
		listed++
		title := it.Item
		if m, ok := cv.Catalog().Market(it.Market); ok {
			if item, ok := m.Item(it.Item); ok {
				title = item.Title.In(lang)
			}
		}
		fmt.Fprintf(&b, "\n  %s  %s  %s", it.Expiry, it.Seller.Key(), bot.Shorten(title, 24))
		if it.Number != "" {
			b.WriteString(flows.Textf(flows.Text{ZH: "（编号 %s）", EN: " (no. %s)"}, it.Number).In(lang))
		}
	}
	if rest := len(items) - listed; rest > 0 {
		b.WriteString("\n\n" + flows.Textf(flows.Text{ZH: "还有 %d 张没有列出：用更短的天数查看。", EN: "%d more not listed: ask for fewer days."}, rest).In(lang))
	}
	cv.Write(b.String())
	cv.Sayf("卖家会在到期前 30、7、1 天和到期当天收到提醒。", "Sellers are reminded 30, 7 and 1 days before, and on the day.")
	return nil
}
