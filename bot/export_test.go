package bot_test

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/bot/admin"
	"github.com/onboardbot/onboardbot/data/datatest"
	"github.com/onboardbot/onboardbot/flows"
)

// ukAnswers take a seller through tiktok-uk's questions to its checklist.
var ukAnswers = []string{"1", "0", "1", "1", "1", "GB123456789", "2", "1"}

// toChecklist takes sellers through tiktok-uk's questions to its checklist.
func (h *harness) toChecklist(users ...string) {
	h.t.Helper()
	for _, u := range users {
		h.send(u, "/onboard tiktok-uk")
		for _, a := range ukAnswers {
			h.send(u, a)
		}
	}
}

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
	h.toChecklist("eve", "carol")
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

// readHook is the real store with a hook run where an export reads the
// sellers of a market: on the read side (MarketProjections), or in a write
// transaction (Subscribers, MutedSubscribers), where the export used to.
type readHook struct {
	bot.Store
	onRead func()
	fail   error // what the read side's read of the market fails with, if set
}

func (s *readHook) MarketProjections(ctx context.Context, market string) ([]bot.SellerProjection, error) {
	s.onRead()
	if s.fail != nil {
		return nil, s.fail
	}
	return s.Store.MarketProjections(ctx, market)
}

func (s *readHook) Update(ctx context.Context, fn func(bot.Tx) error) error {
	return s.Store.Update(ctx, func(tx bot.Tx) error { return fn(hookTx{tx, s.onRead}) })
}

type hookTx struct {
	bot.Tx
	onRead func()
}

func (t hookTx) Subscribers(ctx context.Context, markets []string) ([]bot.Subscriber, error) {
	t.onRead()
	return t.Tx.Subscribers(ctx, markets)
}

func (t hookTx) MutedSubscribers(ctx context.Context, markets []string) ([]bot.Subscriber, error) {
	t.onRead()
	return t.Tx.MutedSubscribers(ctx, markets)
}

// TestExportAllLetsSellersWrite: while "/export all" reads the market,
// another seller's answer is committed (the export holds no write
// transaction, which every seller's message would wait for), and the
// workbook has it: it is made from the data committed when it is read.
// The admin's reply is still committed with the message's claim: the same
// update delivered again is answered once, and not exported again.
func TestExportAllLetsSellersWrite(t *testing.T) {
	h := newHarness(t, "test:boss")
	h.toChecklist("eve", "dave")
	h.send("bob", "/onboard tiktok-uk")
	h.send("bob", "1")
	h.send("bob", "/mute tiktok-uk")

	reads := 0
	answered := make(chan error, 1)
	w := &readHook{Store: h.store}
	w.onRead = func() {
		reads++
		if reads > 1 {
			return
		}
		go func() {
			_, err := h.core.Handle(context.Background(), bot.Inbound{Platform: "test", UserID: "dave", ChatID: "chat-dave", Text: "/done uk-rp RP-9 2027-01-31"})
			answered <- err
		}()
		select {
		case err := <-answered:
			answered <- err // for the test's end
		case <-time.After(10 * time.Second):
			// Waiting longer would wait for ever: the answer is committed
			// only after the transaction this read is in.
			t.Error("dave's answer was not committed while the export read the market: the export holds the writer")
		}
	}
	clock := func() time.Time { return today }
	a := admin.New(w, []string{"test:boss"}, admin.WithClock(clock))
	h.core = bot.New(w, datatest.Rules(t), bot.WithClock(clock), bot.WithAdmins(a))

	export := bot.Inbound{Platform: "test", UserID: "boss", ChatID: "chat-boss", Text: "/export all tiktok-uk", UpdateID: "export-1"}
	got := h.deliver(export)
	mustContain(t, got, "3 sellers (2 with a checklist)", "1 done")
	if reads != 1 {
		t.Errorf("the market was read %d times for one export", reads)
	}
	if got.File == nil {
		t.Fatal("no workbook")
	}
	found := false
	for _, r := range openWorkbook(t, got.File.Data)["tiktok-uk"] {
		if r[0] == "test:dave" && r[6] == "uk-rp" {
			found = true
			if r[7] != "Done" || r[8] != "RP-9" {
				t.Errorf("dave's uk-rp in the workbook: %q; want his answer, committed during the export", r)
			}
		}
	}
	if !found {
		t.Error("dave's uk-rp is not in the workbook")
	}
	if again, err := h.core.Handle(context.Background(), export); err != nil || len(again) != 0 || reads != 1 {
		t.Errorf("the export delivered again: %d replies, %v; the market read %d times in all", len(again), err, reads)
	}
	if err := <-answered; err != nil {
		t.Errorf("dave's answer during the export: %v", err)
	}
}

// TestProjectedRowsAreTheStatesRows: the rows /export all makes from a
// seller's projection are those made from their state, cell for cell, and
// the stage is the one the rules give, on the day the projection was
// written and on later days: when a certificate expires (before and after
// the scheduled work rewrites the projection) and after.
func TestProjectedRowsAreTheStatesRows(t *testing.T) {
	h := newHarness(t)
	h.toChecklist("eve")
	h.send("eve", "/done uk-rp RP-1 2026-12-10")
	h.send("eve", "/done uk-vat GB123456789")
	h.file("done scpn", certPDF)
	m, _ := h.core.Catalog().Market("tiktok-uk")
	for _, it := range m.Items { // the rest not applicable: the onboarding is complete until uk-rp expires
		if it.ID != "uk-rp" && it.ID != "uk-vat" && it.ID != "scpn" {
			h.send("eve", "/na "+it.ID)
		}
	}
	ctx := context.Background()
	stored, err := h.store.MarketProjections(ctx, "tiktok-uk")
	if err != nil || len(stored) != 1 {
		t.Fatalf("projections: %+v, %v", stored, err)
	}
	files, err := h.store.MarketFiles(ctx, "tiktok-uk")
	if err != nil {
		t.Fatal(err)
	}
	eve := stored[0].Seller
	all, err := h.store.Onboardings(ctx, eve.ID)
	if err != nil || len(all) != 1 {
		t.Fatalf("onboardings: %+v, %v", all, err)
	}
	o := all[0]
	if stored[0].Stage != flows.StageComplete {
		t.Fatalf("eve's stage %s, want complete", stored[0].Stage)
	}
	expires := time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC)
	for _, now := range []time.Time{today, expires.Add(-time.Second), expires, expires.AddDate(0, 2, 0)} {
		// As stored, and as the scheduled work rewrites it at now.
		for _, p := range []bot.Projection{stored[0].Projection, bot.Project(m, o, now)} {
			for _, lang := range []flows.Lang{flows.EN, flows.ZH} {
				want := bot.ChecklistRows(m, o.State, files[eve.ID], lang, now, "lead")
				stage, list := bot.ProjectedChecklist(m, p, now)
				if got := bot.EntryRows(list, files[eve.ID], lang, now, "lead"); !reflect.DeepEqual(got, want) {
					t.Errorf("%s, %s, projection of %s:\n got %v\nwant %v", now, lang, p.LastActivity, got, want)
				}
				if want := flows.Current(m, o.State, now).Stage; stage != want {
					t.Errorf("%s, projection of %s: stage %s, want %s", now, p.LastActivity, stage, want)
				}
			}
		}
	}
}

// TestExportAllReadFails: when reading the market fails, the export's
// message fails as a whole: nothing of it is committed, its claim neither,
// so the platform's redelivery is handled, and answered, once it can be.
func TestExportAllReadFails(t *testing.T) {
	h := newHarness(t, "test:boss")
	h.toChecklist("eve")
	w := &readHook{Store: h.store, onRead: func() {}, fail: errors.New("disk gone")}
	clock := func() time.Time { return today }
	h.core = bot.New(w, datatest.Rules(t), bot.WithClock(clock), bot.WithAdmins(admin.New(w, []string{"test:boss"}, admin.WithClock(clock))))
	export := bot.Inbound{Platform: "test", UserID: "boss", ChatID: "chat-boss", Text: "/export all tiktok-uk", UpdateID: "export-1"}
	if replies, err := h.core.Handle(context.Background(), export); !errors.Is(err, w.fail) || len(replies) != 0 {
		t.Fatalf("a failed read: %d replies, %v; want none and the read's error", len(replies), err)
	}
	w.fail = nil
	mustContain(t, h.deliver(export), "1 seller (1 with a checklist)")
}
