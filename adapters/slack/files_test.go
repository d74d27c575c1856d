package slack_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/onboardbot/onboardbot/adapters/slack/slacktest"
)

// TestCertificateFilesOnSlack: a PDF shared in the DM with "done <item>
// ..." marks the item and is kept; "files <item>" sends it back as its
// link, which Slack shows the file under (nothing uploaded again); a file
// of another type, or a file shared without naming an item, is answered
// and not kept.
func TestCertificateFilesOnSlack(t *testing.T) {
	srv := slacktest.New()
	defer srv.Close()
	e := start(t, srv, filepath.Join(t.TempDir(), "onboard.db"), "http")
	const user = "U7101"
	dm := slacktest.DMChannel(user)
	for _, in := range append([]string{"onboard tiktok-uk"}, ukAnswers...) {
		e.answered(dm, func() { e.dm(user, in) })
	}
	pdf := slacktest.SharedFile{ID: "F0PDF", Name: "rp-letter.pdf", MIME: "application/pdf", Size: 48000}
	zip := slacktest.SharedFile{ID: "F0ZIP", Name: "certs.zip", MIME: "application/zip", Size: 1000}
	share := func(text string, f ...slacktest.SharedFile) slacktest.Sent {
		return e.answered(dm, func() { e.event(slacktest.EventID(), slacktest.FileShare(user, text, f...)) })
	}
	mustContain(t, share("done uk-rp RP-1 2027-06-30", pdf), "📎 File kept with the item: rp-letter.pdf")
	mustContain(t, share("done psti", zip), "PDF files and images")
	mustContain(t, share("", pdf), "not which item")
	// One message with several files: all of them are the item's evidence;
	// one that cannot be kept sends the message back whole.
	front := slacktest.SharedFile{ID: "F0FRONT", Name: "licence-front.jpg", MIME: "image/jpeg", Size: 90000}
	back := slacktest.SharedFile{ID: "F0BACK", Name: "licence-back.jpg", MIME: "image/jpeg", Size: 91000}
	mustContain(t, share("done psti", front, zip), "PDF files and images", "None of this message's 2 files is kept")
	got := share("done company-cert", front, back)
	mustContain(t, got, "licence-front.jpg", "licence-back.jpg (2 for this item")
	before := len(srv.SentTo(dm))
	e.answered(dm, func() { e.dm(user, "files company-cert") })
	listed := strings.Join(texts(srv.SentTo(dm)[before:]), "\n")
	if !strings.Contains(listed, "licence-front.jpg") || !strings.Contains(listed, "licence-back.jpg") {
		t.Errorf("files company-cert sent:\n%s", listed)
	}
	mustContain(t, e.answered(dm, func() { e.dm(user, "checklist") }), "RP-1", "📎")

	got = e.answered(dm, func() { e.dm(user, "files uk-rp") })
	mustContain(t, got, "rp-letter.pdf")
	var posted slacktest.Call
	for _, c := range srv.Calls("chat.postMessage") {
		if strings.Contains(c.Params["blocks"], pdf.Permalink()) {
			posted = c
		}
	}
	if posted.Method == "" || posted.Params["unfurl_media"] == "false" {
		t.Errorf("the file's link was not posted to unfurl: %+v", posted)
	}
	if n := len(srv.Calls("files.getUploadURLExternal")); n != 0 {
		t.Errorf("%d uploads, want none", n)
	}
}
