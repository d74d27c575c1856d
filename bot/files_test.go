package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/onboardbot/onboardbot/bot"
)

// file sends an attachment from eve with a caption and returns the replies.
func (h *harness) file(caption string, a bot.Attachment) []bot.Reply {
	h.t.Helper()
	replies, err := h.core.Handle(context.Background(), bot.Inbound{Platform: "test", UserID: "eve", ChatID: "chat-eve", Text: caption, Attachment: &a})
	if err != nil {
		h.t.Fatal(err)
	}
	return replies
}

var (
	certPDF = bot.Attachment{Ref: "file-1", UniqueID: "u-1", Name: "rp-letter.pdf", MIME: "application/pdf", Size: 200 << 10}
	photo   = bot.Attachment{Ref: "photo-1", UniqueID: "u-2", Name: "photo.jpg", MIME: "image/jpeg", Size: 90 << 10, Photo: true}
)

// TestCertificateFiles attaches files to items through the core and the
// real store, each row on what the rows before it left: a file with the
// caption "done <item>", or as a reply to the item's message, marks the
// item and is kept (once), shows as 📎 in the checklist and the export,
// and comes back with /files; files of other types, too large, or naming
// no item are answered and not kept.
func TestCertificateFiles(t *testing.T) {
	h := newHarness(t)
	h.send("eve", "/onboard tiktok-uk")
	for _, a := range ukAnswers {
		h.send("eve", a)
	}
	why := h.send("eve", "/why scpn") // the item's message, with its Done button
	docx := bot.Attachment{Ref: "file-9", UniqueID: "u-9", Name: "cert.docx", MIME: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", Size: 1000}
	huge := certPDF
	huge.UniqueID, huge.Size = "u-10", 25<<20
	svg := bot.Attachment{Ref: "file-11", UniqueID: "u-11", Name: "logo.svg", MIME: "image/svg+xml", Size: 1000}
	noType := bot.Attachment{Ref: "file-12", UniqueID: "u-12", Name: "scan.PDF", Size: 1000}
	replyToWhy := photo
	replyToWhy.ReplyTo = bot.ButtonID(why.ID, 0)
	strayReply := photo
	strayReply.UniqueID, strayReply.ReplyTo = "u-13", bot.ButtonID(why.ID+1000, 0)
	tests := []struct {
		name    string
		caption string
		file    bot.Attachment
		wants   []string
		kept    map[string]int // item -> files kept afterwards
	}{
		{"a PDF with done and evidence", "done uk-rp RP-1 2027-06-30", certPDF,
			[]string{"✅ Done", "no. RP-1", "📎 File kept with the item: rp-letter.pdf (1 for this item; /files uk-rp"}, map[string]int{"uk-rp": 1}},
		{"the same file again", "/done uk-rp", certPDF, []string{"already kept", "(1 for this item)"}, map[string]int{"uk-rp": 1}},
		{"a photo as a reply to the item's message", "", replyToWhy, []string{"✅ Done", "📎 File kept", "photo.jpg"}, map[string]int{"uk-rp": 1, "scpn": 1}},
		{"a Word file", "done payout", docx, []string{"PDF files and images", "application/vnd.openxmlformats"}, map[string]int{"payout": 0}},
		{"over 20 MB", "done payout", huge, []string{"too large (25.0 MB)", "20 MB"}, map[string]int{"payout": 0}},
		{"an SVG", "done payout", svg, []string{"PDF files and images"}, map[string]int{"payout": 0}},
		{"no caption, no reply", "", noType, []string{"not which item", "done <item>"}, map[string]int{"payout": 0}},
		{"a reply to a message that is not an item's", "", strayReply, []string{"not which item"}, map[string]int{"scpn": 1}},
		{"an item that is not there", "done nosuch", noType, []string{"There is no checklist item"}, map[string]int{"payout": 0}},
		{"a caption that is not done", "hello", noType, []string{"not which item"}, map[string]int{"payout": 0}},
		{"a date that could be two", "done uk-rp RP-2 06.07.2027", noType, []string{"The file is not kept"}, map[string]int{"uk-rp": 1}},
		{"a file without a type, by its name", "done payout", noType, []string{"✅ Done", "scan.PDF"}, map[string]int{"payout": 1}},
	}
	for _, tt := range tests {
		got := joined(h.file(tt.caption, tt.file))
		for _, w := range tt.wants {
			if !strings.Contains(got.Text, w) {
				t.Errorf("%s: reply lacks %q:\n%s", tt.name, w, got.Text)
			}
		}
		for item, n := range tt.kept {
			files := h.send("eve", "/files "+item)
			if n == 0 && !strings.Contains(files.Text, "No files") {
				t.Errorf("%s: %s has files: %s", tt.name, item, files.Text)
			}
			if n > 0 && !strings.Contains(files.Text, "files.") {
				t.Errorf("%s: %s has no files: %s", tt.name, item, files.Text)
			}
		}
	}
	// /files sends each file again by the platform's reference.
	replies, err := h.core.Handle(context.Background(), bot.Inbound{Platform: "test", UserID: "eve", ChatID: "chat-eve", Text: "/files scpn"})
	if err != nil {
		t.Fatal(err)
	}
	if len(replies) != 2 || replies[1].File == nil || replies[1].File.Ref != "photo-1" || !replies[1].File.Photo || replies[0].File != nil {
		t.Fatalf("/files: %+v", replies)
	}
	// The checklist and the export show the files.
	checklist := h.send("eve", "/checklist tiktok-uk").Text
	for _, line := range strings.Split(checklist, "\n") {
		if strings.Contains(line, "RP-1") && !strings.HasSuffix(line, "📎") { // uk-rp's line
			t.Errorf("no 📎 on uk-rp: %s", line)
		}
	}
	if strings.Count(checklist, "📎") != 3 {
		t.Errorf("want 3 items with 📎:\n%s", checklist)
	}
	book := openWorkbook(t, h.send("eve", "/export tiktok-uk").File.Data)
	for _, row := range book["tiktok-uk"][1:] {
		want := map[string]string{"uk-rp": "1", "scpn": "1", "payout": "1"}[row[3]]
		if row[8] != want {
			t.Errorf("%s has %q files in the export, want %q", row[3], row[8], want)
		}
	}
	// /why offers the files.
	mustOffer(t, h.send("eve", "/why scpn"), "files tiktok-uk:scpn")
}
