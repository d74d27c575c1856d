package telegram_test

import (
	"bytes"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/onboardbot/onboardbot/adapters/telegram/tgtest"
)

// ukAnswers take a seller through tiktok-uk's questions to its checklist.
var ukAnswers = []string{"1", "0", "1", "1", "1", "GB123456789", "2", "1"}

// onboardUK takes user through tiktok-uk by text, in lang, and waits for
// each answer.
func onboardUK(t *testing.T, e *env, user int64, lang string) {
	t.Helper()
	for _, in := range append([]string{"/onboard tiktok-uk"}, ukAnswers...) {
		e.answered(user, func() { e.deliver(tgtest.Text(user, lang, in)) })
	}
}

// files waits until chat has received n files and returns them.
func files(t *testing.T, srv *tgtest.Server, chat int64, n int) []tgtest.Sent {
	t.Helper()
	var out []tgtest.Sent
	ok := srv.Wait(timeout, func() bool {
		out = nil
		for _, m := range srv.SentTo(chat) {
			if m.File != nil {
				out = append(out, m)
			}
		}
		return len(out) >= n
	})
	if !ok {
		t.Fatalf("chat %d got %d files, want %d: %v", chat, len(out), n, texts(srv.SentTo(chat)))
	}
	return out
}

// sheetRows opens a workbook's bytes with excelize and returns a sheet's rows.
func sheetRows(t *testing.T, data []byte, sheet string) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a workbook: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatalf("sheet %s: %v", sheet, err)
	}
	return rows
}

// TestExportArrivesAsADocument: /export reaches a Telegram seller as a
// document uploaded with sendDocument (a multipart upload, its caption the
// reply), sent once after a 429; the workbook opens and its cells, Chinese
// included, are the seller's checklist.
func TestExportArrivesAsADocument(t *testing.T) {
	srv := tgtest.New()
	defer srv.Close()
	e := start(t, srv, filepath.Join(t.TempDir(), "onboard.db"), "webhook")
	const user = 7001
	onboardUK(t, e, user, "zh-hans")
	e.answered(user, func() { e.deliver(tgtest.Text(user, "zh-hans", "/done uk-rp 英国代表-001 2027-06-30")) })
	srv.FailNext(user, tgtest.Failure{Code: 429, RetryAfter: 1})
	e.deliver(tgtest.Text(user, "zh-hans", "导出"))
	doc := files(t, srv, user, 1)[0]
	if !strings.HasPrefix(doc.File.Name, "checklist-tiktok-uk-") || doc.File.MIME != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Errorf("sent as %q (%s)", doc.File.Name, doc.File.MIME)
	}
	mustContain(t, doc, "📊", "TikTok Shop 英国跨境店", "已完成 1 项")
	if calls := srv.Calls("sendDocument"); len(calls) != 2 || calls[0].Params["chat_id"] != calls[1].Params["chat_id"] {
		t.Errorf("%d sendDocument calls, want 2 (the 429, then the same upload)", len(calls))
	}
	rows := sheetRows(t, doc.File.Data, "tiktok-uk")
	if rows[0][2] != "清单项" {
		t.Errorf("header %q", rows[0])
	}
	found := false
	for _, r := range rows[1:] {
		if len(r) > 6 && r[3] == "uk-rp" {
			found = true
			if r[4] != "已完成" || r[5] != "英国代表-001" || r[6] != "2027-06-30" || !strings.Contains(r[2], "英国") {
				t.Errorf("uk-rp row %q", r)
			}
		}
	}
	if !found {
		t.Errorf("no uk-rp row in %q", rows)
	}
	if n := len(files(t, srv, user, 1)); n != 1 {
		t.Errorf("%d documents, want 1", n)
	}
}

// TestRestartDuringAnExportSendsItOnce stops the bot while the document
// is being uploaded (the Bot API answers late, and with a 500), and starts
// it again on the same database: the export, committed with its bytes, is
// sent once.
func TestRestartDuringAnExportSendsItOnce(t *testing.T) {
	srv := tgtest.New()
	defer srv.Close()
	db := filepath.Join(t.TempDir(), "onboard.db")
	e := start(t, srv, db, "webhook")
	const user = 7002
	onboardUK(t, e, user, "en")
	srv.Slow(time.Second, "sendDocument")
	srv.FailNext(user, tgtest.Failure{Code: 500})
	e.deliver(tgtest.Text(user, "en", "/export"))
	if !srv.Wait(timeout, func() bool { return len(srv.Calls("sendDocument")) > 0 }) {
		t.Fatal("the export was not sent")
	}
	e.stop()
	srv.Slow(0)
	if n := len(slices.DeleteFunc(srv.SentTo(user), func(m tgtest.Sent) bool { return m.File == nil })); n != 0 {
		t.Fatalf("%d documents before the restart", n)
	}

	e = start(t, srv, db, "webhook")
	doc := files(t, srv, user, 1)[0]
	mustContain(t, doc, "Your checklist as a workbook")
	if rows := sheetRows(t, doc.File.Data, "tiktok-uk"); rows[0][2] != "Item" {
		t.Errorf("header %q", rows[0])
	}
	e.answered(user, func() { e.deliver(tgtest.Text(user, "en", "/status")) })
	if n := len(files(t, srv, user, 1)); n != 1 {
		t.Errorf("%d documents, want 1", n)
	}
}
