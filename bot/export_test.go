package bot_test

import (
	"bytes"
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/onboardbot/onboardbot/bot"
)

// ukAnswers take a seller through tiktok-uk's questions to its checklist.
var ukAnswers = []string{"1", "0", "1", "1", "1", "GB123456789", "2", "1"}

// openWorkbook reads an export's bytes with excelize and returns each
// sheet's rows.
func openWorkbook(t *testing.T, data []byte) map[string][][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the export does not open as a workbook: %v", err)
	}
	defer f.Close()
	out := map[string][][]string{}
	for _, name := range f.GetSheetList() {
		rows, err := f.GetRows(name)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = rows
	}
	return out
}

// TestExportWorkbook exports checklists through the core and the real
// store and reads the workbook back: one sheet per market with a
// checklist, the header and the cells in the seller's language (Chinese
// included), each item where /checklist numbers it, its status, number,
// expiry and days left; the bytes travel with the queued message.
func TestExportWorkbook(t *testing.T) {
	tests := []struct {
		name     string
		lang     string
		markets  map[string][]string // market -> answers
		marks    []string
		export   string
		sheets   []string
		header   []string
		wantRows map[string][]string // item id -> cells from "Status" to "Files"
		reply    []string
		noFile   string // the reply when nothing is exported
	}{
		{name: "english, one market", lang: "en", markets: map[string][]string{"tiktok-uk": ukAnswers},
			marks: []string{"/done uk-rp RP-1 2027-06-30", "/na scpn"}, export: "/export tiktok-uk",
			sheets: []string{"tiktok-uk"},
			header: []string{"No.", "Group", "Item", "Item ID", "Status", "Certificate number", "Expiry", "Days left", "Files", "Rule", "Source", "Effective date", "Notes"},
			wantRows: map[string][]string{
				"uk-rp": {"Done", "RP-1", "2027-06-30", "217"},
				"scpn":  {"Not applicable", "", "", ""},
			},
			reply: []string{"📊", "TikTok Shop UK", "items", "1 done"}},
		{name: "chinese, every market", lang: "zh", markets: map[string][]string{"tiktok-uk": ukAnswers, "tiktok-id": {"1"}},
			marks: []string{"/done uk-rp 负责人-甲 2027-06-30"}, export: "/export",
			sheets:   []string{"tiktok-uk"},
			header:   []string{"编号", "分组", "清单项", "清单项 ID", "状态", "证书编号", "有效期至", "剩余天数", "附件", "规则", "来源", "生效日期", "备注"},
			wantRows: map[string][]string{"uk-rp": {"已完成", "负责人-甲", "2027-06-30", "217"}},
			reply:    []string{"📊", "Excel", "已完成 1 项"}},
		{name: "nothing to export yet", lang: "en", markets: map[string][]string{"tiktok-uk": {"1"}}, export: "/export",
			noFile: "no checklist to export yet"},
		{name: "a market not started", lang: "en", export: "/export tiktok-uk", noFile: "You have not started"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.send("eve", "/lang "+tt.lang)
			for _, m := range slices.Sorted(mapKeys(tt.markets)) {
				h.send("eve", "/onboard "+m)
				for _, a := range tt.markets[m] {
					h.send("eve", a)
				}
			}
			for _, m := range tt.marks {
				h.send("eve", m)
			}
			got := h.send("eve", tt.export)
			if tt.noFile != "" {
				if got.File != nil {
					t.Fatalf("a file with %q", got.Text)
				}
				mustContain(t, got, tt.noFile)
				return
			}
			mustContain(t, got, tt.reply...)
			if got.File == nil || got.File.MIME != bot.XLSX || !strings.HasSuffix(got.File.Name, ".xlsx") || got.File.Size != int64(len(got.File.Data)) {
				t.Fatalf("no workbook with the reply: %+v", got.File)
			}
			// The bytes are stored with the message, for the dispatcher.
			pending, err := h.store.Pending(context.Background(), "test", "chat-eve")
			if err != nil {
				t.Fatal(err)
			}
			last := pending[len(pending)-1]
			if last.File == nil || !bytes.Equal(last.File.Data, got.File.Data) || last.File.Name != got.File.Name {
				t.Fatalf("the queued message lost its file: %+v", last.File)
			}
			book := openWorkbook(t, got.File.Data)
			if names := slices.Sorted(mapKeys(book)); !slices.Equal(names, tt.sheets) {
				t.Fatalf("sheets %v, want %v", names, tt.sheets)
			}
			rows := book[tt.sheets[0]]
			if !slices.Equal(rows[0], tt.header) {
				t.Errorf("header %q, want %q", rows[0], tt.header)
			}
			// Each row is the item /checklist shows under that number.
			checklist := h.send("eve", "/checklist "+tt.sheets[0]).Text
			for _, row := range rows[1:] {
				n, err := strconv.Atoi(row[0])
				if err != nil {
					t.Fatalf("row %q has no number", row)
				}
				if line := n2line(checklist, n); !strings.Contains(line, row[2][:min(len(row[2]), 12)]) {
					t.Errorf("row %d is %q, but /checklist shows %q", n, row[2], line)
				}
			}
			for id, want := range tt.wantRows {
				found := false
				for _, row := range rows[1:] {
					if len(row) > 8 && row[3] == id {
						found = true
						if got := row[4:8]; !slices.Equal(got, want) {
							t.Errorf("%s: %q, want %q", id, got, want)
						}
					}
				}
				if !found {
					t.Errorf("no row for %s", id)
				}
			}
			if tt.lang == "zh" {
				for _, row := range rows[1:] {
					if !hasHan(row[2]) || !hasHan(row[1]) {
						t.Errorf("row without Chinese: %q", row)
					}
				}
			}
		})
	}
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// n2line finds the line of a checklist that shows item n.
func n2line(checklist string, n int) string {
	for _, line := range strings.Split(checklist, "\n") {
		if strings.Contains(line, " "+strconv.Itoa(n)+". ") {
			return line
		}
	}
	return ""
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

// TestAdminExportsEveryoneInAMarket: "/export all <market>" gives an admin
// every seller's checklist in a market, a row per seller and item (a
// seller still answering has one row), with what each recorded; anyone
// else is refused.
func TestAdminExportsEveryoneInAMarket(t *testing.T) {
	h := newHarness(t, "test:boss")
	for _, u := range []string{"eve", "carol"} {
		h.send(u, "/onboard tiktok-uk")
		for _, a := range ukAnswers {
			h.send(u, a)
		}
	}
	h.send("eve", "/done uk-rp RP-1 2027-06-30")
	h.file("done scpn", certPDF)
	h.send("bob", "/onboard tiktok-uk")
	h.send("bob", "1")

	mustContain(t, h.send("eve", "/export all tiktok-uk"), "Only admins")
	mustContain(t, h.send("boss", "/export all nosuch"), "There is no market")
	got := h.send("boss", "/export all tiktok-uk")
	mustContain(t, got, "3 sellers (2 with a checklist)", "2 done")
	if got.File == nil || !strings.HasPrefix(got.File.Name, "checklists-tiktok-uk-") {
		t.Fatalf("no workbook: %+v", got.File)
	}
	rows := openWorkbook(t, got.File.Data)["tiktok-uk"]
	if want := []string{"Seller", "Stage", "Last active (UTC)", "No.", "Group", "Item"}; !slices.Equal(rows[0][:6], want) {
		t.Errorf("header %q", rows[0])
	}
	bySeller := map[string][][]string{}
	for _, r := range rows[1:] {
		bySeller[r[0]] = append(bySeller[r[0]], r)
	}
	if len(bySeller["test:bob"]) != 1 || len(bySeller["test:eve"]) < 5 || len(bySeller["test:eve"]) != len(bySeller["test:carol"]) {
		t.Errorf("rows per seller: bob %d, eve %d, carol %d", len(bySeller["test:bob"]), len(bySeller["test:eve"]), len(bySeller["test:carol"]))
	}
	for _, r := range bySeller["test:eve"] {
		switch r[6] {
		case "uk-rp":
			if r[7] != "Done" || r[8] != "RP-1" || r[9] != "2027-06-30" {
				t.Errorf("eve's uk-rp: %q", r)
			}
		case "scpn":
			if r[7] != "Done" || r[11] != "1" {
				t.Errorf("eve's scpn: %q", r)
			}
		}
	}
	// The admins' own command works too, and shows in their /help.
	mustContain(t, h.send("boss", "/export_all tiktok-uk"), "3 sellers")
	mustContain(t, h.send("boss", "/help"), "/export_all <market>")
}
