package telegram_test

import (
	"path/filepath"
	"testing"

	"github.com/onboardbot/onboardbot/adapters/telegram/tgtest"
)

// TestCertificateFilesOnTelegram: a PDF sent with the caption "done
// <item> ..." and a photo sent as a reply to an item's message mark those
// items and are kept; /files sends each back by its file_id (the PDF with
// sendDocument, the photo with sendPhoto), nothing uploaded again; a file
// of another type, or over 20 MB, is answered and not kept.
func TestCertificateFilesOnTelegram(t *testing.T) {
	srv := tgtest.New()
	defer srv.Close()
	e := start(t, srv, filepath.Join(t.TempDir(), "onboard.db"), "webhook")
	const user = 7101
	onboardUK(t, e, user, "en")
	pdf := srv.AddFile("rp-letter.pdf", "application/pdf", []byte("%PDF-1.7 the Responsible Person's letter"), false)
	photo := srv.AddFile("", "image/jpeg", []byte("\xff\xd8\xff a label"), true)
	zip := srv.AddFile("certs.zip", "application/zip", []byte("PK"), false)

	got := e.answered(user, func() { e.deliver(tgtest.Document(user, "en", "done uk-rp RP-1 2027-06-30", pdf)) })
	mustContain(t, got, "📎 File kept with the item: rp-letter.pdf")
	why := e.answered(user, func() { e.deliver(tgtest.Text(user, "en", "/why scpn")) })
	got = e.answered(user, func() { e.deliver(tgtest.ReplyTo(tgtest.Document(user, "en", "", photo), why)) })
	mustContain(t, got, "SCPN", "📎 File kept")
	mustContain(t, e.answered(user, func() { e.deliver(tgtest.Document(user, "en", "done psti", zip)) }), "PDF files and images", "application/zip")
	big := tgtest.Document(user, "en", "done psti", pdf)
	big.Message.Document.FileSize, big.Message.Document.FileUniqueID = 30<<20, "big"
	mustContain(t, e.answered(user, func() { e.deliver(big) }), "too large (30.0 MB)")
	mustContain(t, e.answered(user, func() { e.deliver(tgtest.Text(user, "en", "/checklist")) }), "📎")

	uploads := len(srv.Calls("sendDocument"))
	e.deliver(tgtest.Text(user, "en", "/files uk-rp"))
	e.deliver(tgtest.Text(user, "en", "/files scpn"))
	sent := files(t, srv, user, 2)
	if sent[0].File.ID != pdf.ID || sent[0].File.Photo || sent[1].File.ID != photo.ID || !sent[1].File.Photo {
		t.Errorf("sent back %+v and %+v", sent[0].File, sent[1].File)
	}
	mustContain(t, sent[0], "rp-letter.pdf")
	for _, c := range srv.Calls("sendDocument")[uploads:] {
		if c.Params["document"] != pdf.ID {
			t.Errorf("sendDocument with %q, want the file_id", c.Params["document"])
		}
	}
	if c := srv.Calls("sendPhoto"); len(c) != 1 || c[0].Params["photo"] != photo.ID {
		t.Errorf("sendPhoto calls %+v", c)
	}
}
