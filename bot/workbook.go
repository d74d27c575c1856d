package bot

// Workbooks: exports as .xlsx files, written with excelize.

import (
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Sheet is one sheet of a workbook: a header row, then the rows, each
// cell a string or a number.
type Sheet struct {
	Name   string
	Header []string
	Rows   [][]any
	// Widths are the columns' widths, in characters (Excel's unit).
	Widths []float64
}

// workbookFont renders Chinese and Latin text alike: Excel and WPS on
// Windows have it, and on a Mac they substitute their own Chinese font.
// The charset (134, GB2312) tells Excel the font is a Chinese one, so it
// does not fall back to a Western font for the Chinese in a cell.
const workbookFont = "Microsoft YaHei"

var gb2312 = 134

// Workbook writes sheets as an .xlsx workbook: a bold, shaded header row
// that stays in view when scrolling, filter buttons on every column (an
// Excel table), wrapped text, and a font that shows Chinese in Excel and
// WPS. Sheet names are cut to Excel's 31 characters, without the
// characters it refuses.
func Workbook(title string, sheets []Sheet) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetDefaultFont(workbookFont); err != nil {
		return nil, fmt.Errorf("workbook font: %w", err)
	}
	font := &excelize.Font{Family: workbookFont, Size: 11, Charset: &gb2312}
	body, err := f.NewStyle(&excelize.Style{Font: font, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	if err != nil {
		return nil, fmt.Errorf("workbook style: %w", err)
	}
	headFont := *font
	headFont.Bold = true
	head, err := f.NewStyle(&excelize.Style{Font: &headFont, Alignment: &excelize.Alignment{Vertical: "center", WrapText: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}})
	if err != nil {
		return nil, fmt.Errorf("workbook style: %w", err)
	}
	for i, sh := range sheets {
		name := sheetName(sh.Name, i)
		if i == 0 {
			err = f.SetSheetName("Sheet1", name)
		} else {
			_, err = f.NewSheet(name)
		}
		if err != nil {
			return nil, fmt.Errorf("sheet %s: %w", name, err)
		}
		if err := writeSheet(f, name, i, sh, head, body); err != nil {
			return nil, fmt.Errorf("sheet %s: %w", name, err)
		}
	}
	if err := f.SetDocProps(&excelize.DocProperties{Title: title, Creator: "onboardbot"}); err != nil {
		return nil, fmt.Errorf("workbook properties: %w", err)
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, fmt.Errorf("write workbook: %w", err)
	}
	return buf.Bytes(), nil
}

// writeSheet streams one sheet: rows are written as they come, so a
// large export (an admin's, of a whole market) does not hold a model of
// every cell.
func writeSheet(f *excelize.File, name string, n int, sh Sheet, head, body int) error {
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	for c, w := range sh.Widths {
		if err := sw.SetColWidth(c+1, c+1, w); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	cells := make([]any, len(sh.Header))
	for c, h := range sh.Header {
		cells[c] = excelize.Cell{StyleID: head, Value: h}
	}
	if err := sw.SetRow("A1", cells, excelize.RowOpts{Height: 30}); err != nil {
		return err
	}
	for r, row := range sh.Rows {
		cells := make([]any, len(row))
		for c, v := range row {
			cells[c] = excelize.Cell{StyleID: body, Value: v}
		}
		cell, _ := excelize.CoordinatesToCellName(1, r+2)
		if err := sw.SetRow(cell, cells); err != nil {
			return err
		}
	}
	if len(sh.Rows) > 0 && len(sh.Header) > 0 {
		last, _ := excelize.CoordinatesToCellName(len(sh.Header), len(sh.Rows)+1)
		// A table gives every column its filter button; its own style is
		// left out so the header keeps the sheet's font and shading.
		if err := sw.AddTable(&excelize.Table{Range: "A1:" + last, Name: fmt.Sprintf("Table%d", n+1), StyleName: ""}); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// sheetName makes a name Excel takes: at most 31 characters, none of
// : \ / ? * [ ], not empty.
func sheetName(s string, i int) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) {
			return '-'
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 31 {
		s = string(r[:31])
	}
	if strings.TrimSpace(s) == "" {
		s = fmt.Sprintf("Sheet%d", i+1)
	}
	return s
}
