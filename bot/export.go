package bot

// /export: a seller's checklist as a workbook, to pass to agents and
// operations teams.

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/onboardbot/onboardbot/flows"
)

// ExportAllCommand is the admins' command behind "/export all <market>",
// which bot/admin provides.
const ExportAllCommand = "export_all"

// exportColumns are the columns of a checklist sheet, with their widths.
var exportColumns = []struct {
	title flows.Text
	width float64
}{
	{flows.Text{ZH: "编号", EN: "No."}, 6},
	{flows.Text{ZH: "分组", EN: "Group"}, 16},
	{flows.Text{ZH: "清单项", EN: "Item"}, 36},
	{flows.Text{ZH: "清单项 ID", EN: "Item ID"}, 16},
	{flows.Text{ZH: "状态", EN: "Status"}, 10},
	{flows.Text{ZH: "证书编号", EN: "Certificate number"}, 20},
	{flows.Text{ZH: "有效期至", EN: "Expiry"}, 12},
	{flows.Text{ZH: "剩余天数", EN: "Days left"}, 10},
	{flows.Text{ZH: "附件", EN: "Files"}, 8},
	{flows.Text{ZH: "规则", EN: "Rule"}, 60},
	{flows.Text{ZH: "来源", EN: "Source"}, 40},
	{flows.Text{ZH: "生效日期", EN: "Effective date"}, 14},
	{flows.Text{ZH: "备注", EN: "Notes"}, 30},
}

// ChecklistHeader is the header row and the column widths of a checklist
// sheet (see /export) in lang, with lead columns before them (an admin's
// export names the seller).
func ChecklistHeader(lang flows.Lang, lead ...flows.Text) ([]string, []float64) {
	return exportHeader(lang, lead...)
}

// ChecklistRows is a seller's checklist in a market as sheet rows, numbered
// as the seller sees it, with the files they attached to each item
// counted; lead cells go before each row.
func ChecklistRows(m *flows.Market, s flows.State, files map[string]int, lang flows.Lang, now time.Time, lead ...any) [][]any {
	return EntryRows(numberedAt(m, s, now), files, lang, now, lead...)
}

// EntryRows is a numbered checklist (numberedAt's, or ProjectedChecklist's)
// as sheet rows, with the files attached to each item counted; lead cells
// go before each row.
func EntryRows(list []flows.Entry, files map[string]int, lang flows.Lang, now time.Time, lead ...any) [][]any {
	var rows [][]any
	for i, e := range list {
		rows = append(rows, append(slices.Clip(lead), exportRow(e, i+1, files[e.Item.ID], lang, now)...))
	}
	return rows
}

// ProjectedChecklist is the checklist a projection stands for at now,
// numbered as the seller sees it, with the stage it puts the seller at:
// the entries flows.Checklist gives for the state the projection was
// worked out from, read from its rows instead of decoding the state (a
// report of a whole market reads thousands). The rows were written at
// the seller's last change, so what the checklist makes of the date is
// worked out again at now: an upcoming item, a certificate expired since
// (which also takes a complete onboarding back to its checklist, as
// Current would, before the scheduled work rewrites the projection). An
// item the rules no longer have is left out: the projections follow a
// rule change once it is loaded (see SyncRules).
func ProjectedChecklist(m *flows.Market, p Projection, now time.Time) (flows.Stage, []flows.Entry) {
	var entries []flows.Entry
	open := false
	for _, r := range p.Items {
		it, ok := m.Item(r.Item)
		if !ok {
			continue
		}
		e := flows.Entry{Item: it, State: flows.ItemState{Status: r.Status, Number: r.Number, Expiry: r.Expiry}, Upcoming: it.Upcoming(now)}
		// Project writes an expired certificate's item as to do with its
		// number and expiry; marking an item to do drops them: so it was
		// done, and has expired.
		if e.State.Status == flows.ItemTodo && e.State.Expiry != "" {
			e.State.Status = flows.ItemDone
		}
		if e.State.Status == flows.ItemDone && e.State.Expiry != "" {
			e.Expired = flows.Expired(e.State.Expiry, now)
		}
		open = open || e.Open()
		entries = append(entries, e)
	}
	stage := p.Stage
	if stage == flows.StageChecklist || stage == flows.StageComplete {
		stage = flows.StageComplete // as Current has it: once no item is open
		if open {
			stage = flows.StageChecklist
		}
	}
	return stage, inGroups(entries)
}

// exportHeader is the header row and the widths of a checklist sheet,
// with lead columns before them (an admin's export names the seller).
func exportHeader(lang flows.Lang, lead ...flows.Text) ([]string, []float64) {
	var head []string
	var widths []float64
	for _, t := range lead {
		head, widths = append(head, t.In(lang)), append(widths, 18)
	}
	for _, c := range exportColumns {
		head, widths = append(head, c.title.In(lang)), append(widths, c.width)
	}
	return head, widths
}

// exportRow is one checklist item as a sheet row, in exportColumns' order:
// n is its number in the seller's checklist, files how many files they
// attached to it.
func exportRow(e flows.Entry, n, files int, lang flows.Lang, now time.Time) []any {
	it := e.Item
	status := flows.Text{ZH: "待办", EN: "To do"}
	switch {
	case e.Expired:
		status = flows.Text{ZH: "已过期", EN: "Expired"}
	case e.State.Status == flows.ItemDone:
		status = flows.Text{ZH: "已完成", EN: "Done"}
	case e.State.Status == flows.ItemNA:
		status = flows.Text{ZH: "不适用", EN: "Not applicable"}
	case e.Upcoming:
		status = flows.Text{ZH: "即将生效", EN: "Upcoming"}
	}
	var daysLeft any = ""
	if d, err := flows.ParseDate(e.State.Expiry); err == nil && e.State.Expiry != "" {
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
		daysLeft = int(d.Sub(today).Hours() / 24)
	}
	var attached any = ""
	if files > 0 {
		attached = files
	}
	effective := it.Effective
	var notes []string
	if effective == "" {
		effective = flows.Textf(flows.Text{ZH: "未写明（%s 核对）", EN: "not given (checked %s)"}, it.Checked).In(lang)
	}
	if e.Upcoming {
		notes = append(notes, flows.Textf(flows.Text{ZH: "%s 起生效", EN: "in force from %s"}, it.Effective).In(lang))
	}
	if e.Expired {
		notes = append(notes, flows.Text{ZH: "证书已过期，请更新后重新标记", EN: "the certificate has expired: renew it and mark the item again"}.In(lang))
	}
	if it.LowConfidence() {
		notes = append(notes, flows.Text{ZH: "未经核实：请向平台确认", EN: "unconfirmed: check with the platform"}.In(lang))
	}
	return []any{n, it.Group.Name().In(lang), it.Title.In(lang), it.ID, status.In(lang), e.State.Number, e.State.Expiry,
		daysLeft, attached, it.Detail.In(lang), it.Source, effective, strings.Join(notes, flows.Text{ZH: "；", EN: "; "}.In(lang))}
}

// export sends the seller's checklist as a workbook: of the market named,
// or of every market they started whose checklist is there, a sheet each.
func (cv *Conversation) export(args []string) error {
	if len(args) > 0 && (strings.EqualFold(args[0], "all") || args[0] == "全部") {
		// /export all <market>: every seller's, for admins (bot/admin).
		for _, cmd := range cv.core.commands {
			if cmd.Admin && cmd.Name == ExportAllCommand {
				return cv.run(cmd, args[1:])
			}
		}
		return cv.run(Command{Admin: true, Name: ExportAllCommand, Run: func(cv *Conversation, _ []string) error {
			cv.sayf("这里不能导出所有卖家的清单。", "Exporting every seller's checklist is not available here.")
			return nil
		}}, nil)
	}
	var onboardings []Onboarding
	if len(args) > 0 {
		m, o, err := cv.namedOnboarding(args, "/export tiktok-uk")
		if m == nil || err != nil {
			return err
		}
		if o == nil {
			cv.sayf("你还没有开始 %s 的入驻。输入 /onboard %s 开始。", "You have not started %s yet. Type /onboard %s to start.", m.Name, m.ID)
			return nil
		}
		onboardings = []Onboarding{*o}
	} else {
		all, err := cv.tx.Onboardings(cv.ctx, cv.seller.ID)
		if err != nil {
			return fmt.Errorf("list onboardings: %w", err)
		}
		onboardings = all
	}
	lang := cv.lang()
	var sheets []Sheet
	var names []string
	items, done := 0, 0
	for _, o := range onboardings {
		m, ok := cv.catalog.Market(o.Market)
		if !ok {
			continue
		}
		list := numbered(m, o.State, cv)
		if len(list) == 0 {
			continue // no checklist yet: the questions come first
		}
		files, err := cv.fileCounts(m.ID)
		if err != nil {
			return err
		}
		head, widths := exportHeader(lang)
		sh := Sheet{Name: m.ID, Header: head, Widths: widths, Rows: ChecklistRows(m, o.State, files, lang, cv.now)}
		d, _, _ := counts(list)
		items, done = items+len(list), done+d
		sheets = append(sheets, sh)
		names = append(names, m.Name.In(lang))
	}
	if len(sheets) == 0 {
		cv.sayf("还没有可以导出的清单：清单要等问题答完才会生成。", "There is no checklist to export yet: it comes once the questions are answered.")
		if m, o, err := cv.currentMarket(); err == nil && o != nil {
			cv.present(m, o, flows.Current(m, o.State, cv.now))
		}
		return nil
	}
	title := flows.Text{ZH: "入驻清单", EN: "Onboarding checklist"}.In(lang)
	data, err := Workbook(title, sheets)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	name := "checklist-" + cv.now.Format("2006-01-02") + ".xlsx"
	if len(sheets) == 1 {
		name = "checklist-" + sheets[0].Name + "-" + cv.now.Format("2006-01-02") + ".xlsx"
	}
	cv.file = &File{Name: name, MIME: XLSX, Size: int64(len(data)), Data: data}
	sep := flows.Text{ZH: "、", EN: ", "}.In(lang)
	cv.sayf("📊 你的入驻清单（Excel）：%s。共 %d 项，已完成 %d 项。", "📊 Your checklist as a workbook: %s. %d items, %d done.", strings.Join(names, sep), items, done)
	return nil
}
