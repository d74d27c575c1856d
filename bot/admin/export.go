package admin

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/flows"
)

// exportAll sends an admin every seller's checklist in a market as a
// workbook (/export all <market>): a row per seller and item, led by who
// the seller is, their stage and when they were last active; a seller
// without a checklist yet (still answering, or stopped) has one row.
//
// The workbook is read and made outside the message's transaction (see
// bot.Conversation.Outside), from the projections on the read side: on a
// large market that takes long, and inside the transaction it would hold
// the store's only writer, so every seller's message would wait for it.
// Only the reply and the workbook are written in the transaction, which
// commits them with the message's claim. Reading committed data before
// that transaction gives what reading inside it would: nothing the
// admin's message does changes a seller's progress or files (the market's
// sellers, the admin among them if onboarding it, are read as they stand
// before it). A seller's answer committed after the read and before the
// reply is not in the workbook, as if the admin had asked a moment
// earlier: the workbook is the market as it stood when it was read.
func exportAll(cv *bot.Conversation, args []string) error {
	if len(args) == 0 {
		cv.Sayf("请写上市场编号，例如 /export all tiktok-uk。", "Please name a market, for example /export all tiktok-uk.")
		return nil
	}
	m, ok := cv.Catalog().Market(strings.ToLower(args[0]))
	if !ok {
		cv.Sayf("没有这个市场：%s。/markets 列出所有市场。", "There is no market %q. /markets lists them.", args[0])
		return nil
	}
	lang, now := cv.Lang(), cv.Now()
	key := fmt.Sprintf("export all %s %s %s %s", m.ID, m.Version, lang, now.Format(time.RFC3339Nano))
	v, err := cv.Outside(key, func(ctx context.Context, r bot.Reader) (any, error) {
		return marketExport(ctx, r, m, lang, now)
	})
	if err != nil {
		return fmt.Errorf("export %s: %w", m.ID, err)
	}
	x := v.(*exported)
	if x.sellers == 0 {
		cv.Sayf("还没有卖家开始 %s 的入驻，没有可以导出的。", "No seller has started %s yet: there is nothing to export.", m.Name)
		return nil
	}
	cv.Attach(x.file)
	// The Chinese counts need no plural: it takes its arguments by index.
	cv.Sayf("📊 %[1]s 所有卖家的清单（Excel）：%[2]d 位卖家（%[4]d 位已有清单），共 %[5]d 项，已完成 %[7]d 项。",
		"📊 Every seller's checklist for %s, as a workbook: %d %s (%d with a checklist), %d %s, %d done.",
		m.Name, x.sellers, flows.Text{EN: bot.Plural(x.sellers, "seller", "sellers")}, x.withList, x.items, flows.Text{EN: bot.Plural(x.items, "item", "items")}, x.done)
	return nil
}

// exported is a market's workbook and what the reply says of it.
type exported struct {
	file                           *bot.File // nil when nobody started the market
	sellers, withList, items, done int
}

// marketExport reads a market's onboardings, with their sellers, and the
// files attached in it, from committed data (three queries and one, however
// many sellers), and makes the workbook in lang at now.
func marketExport(ctx context.Context, r bot.Reader, m *flows.Market, lang flows.Lang, now time.Time) (*exported, error) {
	ps, err := r.MarketProjections(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	files, err := r.MarketFiles(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	x := &exported{sellers: len(ps)}
	if len(ps) == 0 {
		return x, nil
	}
	head, widths := bot.ChecklistHeader(lang,
		flows.Text{ZH: "卖家", EN: "Seller"}, flows.Text{ZH: "阶段", EN: "Stage"}, flows.Text{ZH: "最近活动（UTC）", EN: "Last active (UTC)"})
	sheet := bot.Sheet{Name: m.ID, Header: head, Widths: widths}
	for _, p := range ps { // by seller id, as the store lists them
		stage, list := bot.ProjectedChecklist(m, p.Projection, now)
		lead := []any{p.Seller.Key(), stage.Name().In(lang), p.LastActivity.UTC().Format("2006-01-02 15:04")}
		rows := bot.EntryRows(list, files[p.SellerID], lang, now, lead...)
		if len(rows) == 0 {
			rows = [][]any{lead}
		} else {
			x.withList++
			x.items += len(rows)
			for _, e := range list {
				if !e.Open() && e.State.Status == flows.ItemDone {
					x.done++
				}
			}
		}
		sheet.Rows = append(sheet.Rows, rows...)
	}
	data, err := bot.Workbook(flows.Textf(flows.Text{ZH: "%s 卖家清单", EN: "%s sellers' checklists"}, m.Name).In(lang), []bot.Sheet{sheet})
	if err != nil {
		return nil, fmt.Errorf("make workbook: %w", err)
	}
	x.file = &bot.File{Name: "checklists-" + m.ID + "-" + now.Format("2006-01-02") + ".xlsx", MIME: bot.XLSX, Size: int64(len(data)), Data: data}
	return x, nil
}
