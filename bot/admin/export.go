package admin

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/flows"
)

// exportAll sends an admin every seller's checklist in a market as a
// workbook (/export all <market>): a row per seller and item, led by who
// the seller is, their stage and when they were last active; a seller
// without a checklist yet (still answering, or stopped) has one row.
func exportAll(cv *bot.Conversation, args []string) error {
	lang := cv.Lang()
	if len(args) == 0 {
		cv.Sayf("请写上市场编号，例如 /export all tiktok-uk。", "Please name a market, for example /export all tiktok-uk.")
		return nil
	}
	m, ok := cv.Catalog().Market(strings.ToLower(args[0]))
	if !ok {
		cv.Sayf("没有这个市场：%s。/markets 列出所有市场。", "There is no market %q. /markets lists them.", args[0])
		return nil
	}
	ctx, tx := cv.Ctx(), cv.Tx()
	subs, err := tx.Subscribers(ctx, []string{m.ID})
	if err != nil {
		return fmt.Errorf("export %s: %w", m.ID, err)
	}
	muted, err := tx.MutedSubscribers(ctx, []string{m.ID})
	if err != nil {
		return fmt.Errorf("export %s: %w", m.ID, err)
	}
	subs = append(subs, muted...)
	slices.SortFunc(subs, func(a, b bot.Subscriber) int { return cmp.Compare(a.Seller.ID, b.Seller.ID) })
	head, widths := bot.ChecklistHeader(lang,
		flows.Text{ZH: "卖家", EN: "Seller"}, flows.Text{ZH: "阶段", EN: "Stage"}, flows.Text{ZH: "最近活动（UTC）", EN: "Last active (UTC)"})
	sheet := bot.Sheet{Name: m.ID, Header: head, Widths: widths}
	withList, items, done := 0, 0, 0
	for _, s := range subs {
		o := s.Onboarding
		files, err := tx.ItemFiles(ctx, s.Seller.ID, m.ID, "")
		if err != nil {
			return fmt.Errorf("export %s: %w", m.ID, err)
		}
		count := map[string]int{}
		for _, f := range files {
			count[f.Item]++
		}
		stage := flows.Current(m, o.State, cv.Now()).Stage
		lead := []any{s.Seller.Key(), stage.Name().In(lang), o.UpdatedAt.UTC().Format("2006-01-02 15:04")}
		rows := bot.ChecklistRows(m, o.State, count, lang, cv.Now(), lead...)
		if len(rows) == 0 {
			rows = [][]any{lead}
		} else {
			withList++
			items += len(rows)
			for _, e := range flows.Checklist(m, o.State, cv.Now()) {
				if !e.Open() && e.State.Status == flows.ItemDone {
					done++
				}
			}
		}
		sheet.Rows = append(sheet.Rows, rows...)
	}
	if len(subs) == 0 {
		cv.Sayf("还没有卖家开始 %s 的入驻，没有可以导出的。", "No seller has started %s yet: there is nothing to export.", m.Name)
		return nil
	}
	data, err := bot.Workbook(flows.Textf(flows.Text{ZH: "%s 卖家清单", EN: "%s sellers' checklists"}, m.Name).In(lang), []bot.Sheet{sheet})
	if err != nil {
		return fmt.Errorf("export %s: %w", m.ID, err)
	}
	cv.Attach(&bot.File{Name: "checklists-" + m.ID + "-" + cv.Now().Format("2006-01-02") + ".xlsx", MIME: bot.XLSX, Size: int64(len(data)), Data: data})
	cv.Sayf("📊 %s 所有卖家的清单（Excel）：%d 位卖家（%d 位已有清单），共 %d 项，已完成 %d 项。",
		"📊 Every seller's checklist for %s, as a workbook: %d sellers (%d with a checklist), %d items, %d done.", m.Name, len(subs), withList, items, done)
	return nil
}
