package sqlite

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/bot"
)

// TestFileBytesLeaveWithTheirMessage: the bytes an export carries are
// stored beside its message, read back with it (Pending, Outgoing), and
// deleted when the message is pruned.
func TestFileBytesLeaveWithTheirMessage(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, filepath.Join(t.TempDir(), "onboard.db"))
	data := bytes.Repeat([]byte("PK\x03\x04 workbook "), 1000)
	var withFile, plain bot.Reply
	err := s.Update(ctx, func(tx bot.Tx) error {
		withFile = bot.Reply{Platform: "test", ChatID: "c1", Kind: bot.KindReply, Text: "📊 export",
			File: &bot.File{Name: "checklist.xlsx", MIME: bot.XLSX, Size: int64(len(data)), Data: data}}
		plain = bot.Reply{Platform: "test", ChatID: "c1", Kind: bot.KindReply, Text: "hello"}
		if err := tx.Enqueue(ctx, &withFile, t0); err != nil {
			return err
		}
		return tx.Enqueue(ctx, &plain, t0)
	})
	if err != nil {
		t.Fatal(err)
	}
	pending, err := s.Pending(ctx, "test", "c1")
	if err != nil || len(pending) != 2 {
		t.Fatalf("pending %d (%v)", len(pending), err)
	}
	if f := pending[0].File; f == nil || !bytes.Equal(f.Data, data) || f.Name != "checklist.xlsx" || pending[1].File != nil {
		t.Fatalf("pending files: %+v, %+v", pending[0].File, pending[1].File)
	}
	if r, err := s.Outgoing(ctx, withFile.ID); err != nil || r.File == nil || !bytes.Equal(r.File.Data, data) {
		t.Fatalf("outgoing: %+v (%v)", r.File, err)
	}
	if err := s.MarkSent(ctx, []int64{withFile.ID, plain.ID}, t0); err != nil {
		t.Fatal(err)
	}
	files := func() (n int) {
		t.Helper()
		if err := s.rget(ctx, &n, `SELECT count(*) FROM outbox_files`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := files(); n != 1 {
		t.Fatalf("%d stored files, want 1", n)
	}
	if _, err := s.Prune(ctx, bot.PruneBefore{Claims: t0, Outbox: t0.Add(time.Hour)}, 500); err != nil {
		t.Fatal(err)
	}
	if n := files(); n != 0 {
		t.Errorf("%d stored files after their message was pruned, want 0", n)
	}
}
