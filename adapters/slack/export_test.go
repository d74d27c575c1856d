package slack_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/onboardbot/onboardbot/adapters/slack/slacktest"
)

// ukAnswers take a seller through tiktok-uk's questions to its checklist.
var ukAnswers = []string{"1", "0", "1", "1", "1", "GB123456789", "2", "1"}

// uploads waits until channel has n files shared and returns them.
func uploads(t *testing.T, srv *slacktest.Server, channel string, n int) []slacktest.Upload {
	t.Helper()
	if !srv.Wait(timeout, func() bool { return len(srv.Uploads(channel)) >= n }) {
		t.Fatalf("%s got %d files, want %d: %q", channel, len(srv.Uploads(channel)), n, texts(srv.SentTo(channel)))
	}
	return srv.Uploads(channel)
}

// TestExportIsUploaded: /export reaches a Slack seller as a file uploaded
// the way Slack asks now (files.getUploadURLExternal, the bytes posted to
// the URL it gave, files.completeUploadExternal sharing it to the DM, with
// the reply as its comment), after a 429 on the share; the workbook opens
// and its cells, Chinese included, are the seller's checklist.
func TestExportIsUploaded(t *testing.T) {
	srv := slacktest.New()
	defer srv.Close()
	e := start(t, srv, filepath.Join(t.TempDir(), "onboard.db"), "http")
	const user = "U7001"
	dm := slacktest.DMChannel(user)
	for _, in := range append([]string{"lang zh", "onboard tiktok-uk"}, ukAnswers...) {
		e.answered(dm, func() { e.dm(user, in) })
	}
	e.answered(dm, func() { e.dm(user, "done uk-rp 英国代表-001 2027-06-30") })
	srv.FailNext(dm, slacktest.Failure{Status: 429, RetryAfter: 1})
	e.dm(user, "export")
	up := uploads(t, srv, dm, 1)[0]
	if !strings.HasPrefix(up.Name, "checklist-tiktok-uk-") || up.Length != len(up.Data) {
		t.Errorf("uploaded %q, %d bytes announced, %d posted", up.Name, up.Length, len(up.Data))
	}
	if !strings.Contains(up.InitialComment, "📊") || !strings.Contains(up.InitialComment, "已完成 1 项") {
		t.Errorf("comment %q", up.InitialComment)
	}
	if n := len(srv.Calls("files.completeUploadExternal")); n != 2 {
		t.Errorf("%d completeUploadExternal calls, want 2 (the 429, then the upload again)", n)
	}
	f, err := excelize.OpenReader(bytes.NewReader(up.Data))
	if err != nil {
		t.Fatalf("not a workbook: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows("tiktok-uk")
	if err != nil || len(rows) < 2 || rows[0][2] != "清单项" {
		t.Fatalf("rows %q (%v)", rows, err)
	}
	found := false
	for _, r := range rows[1:] {
		if len(r) > 6 && r[3] == "uk-rp" {
			found = r[4] == "已完成" && r[5] == "英国代表-001" && r[6] == "2027-06-30"
		}
	}
	if !found {
		t.Errorf("no uk-rp row marked done in %q", rows)
	}
	if n := len(uploads(t, srv, dm, 1)); n != 1 {
		t.Errorf("%d files shared, want 1", n)
	}
}
