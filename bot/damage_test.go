package bot_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/datatest"
	"github.com/onboardbot/onboardbot/data/sqlite"
)

// An update that fails on a damaged page fails each time it is delivered,
// and the adapters answer each failure with a 5xx (or, when polling, fetch
// the batch again). After three failures the core acknowledges it instead:
// the delivery is recorded as handled and the seller is told, in both
// languages, that the message was not saved. Sellers on intact pages are
// answered throughout.
func TestDamagedUpdateIsAcknowledgedAfterThreeFailures(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "onboard.db")
	catalog := datatest.Rules(t)
	open := func() (*sqlite.Store, *bot.Core) {
		s := datatest.StoreAt(t, path)
		return s, bot.New(s, catalog, bot.WithClock(func() time.Time { return today }))
	}
	store, core := open()
	for i := range 300 {
		if _, err := core.Handle(ctx, bot.Inbound{Platform: "telegram", UserID: fmt.Sprint(i), ChatID: fmt.Sprint(i), UpdateID: fmt.Sprint("seed-", i), Text: "/start"}); err != nil {
			t.Fatal(err)
		}
	}
	store.Close()
	store, core = open()                     // a new process, which has read no seller yet
	datatest.DamageTable(t, path, "sellers") // the last sellers' rows, up to "299"

	in := bot.Inbound{Platform: "telegram", UserID: "299", ChatID: "299", UpdateID: "777", Text: "/onboard tiktok-uk", LangHint: "zh-hans"}
	for attempt := 1; attempt <= 4; attempt++ {
		replies, err := core.Handle(ctx, in)
		switch {
		case attempt < 3 && err == nil:
			t.Fatalf("delivery %d on a damaged page: no error (the platform would not redeliver it)", attempt)
		case attempt == 3 && (err != nil || len(replies) != 1):
			t.Fatalf("delivery 3: replies %+v, err %v; want it acknowledged with a notice", replies, err)
		case attempt == 3:
			r := replies[0]
			zh, en := strings.Index(r.Text, "没能保存"), strings.Index(r.Text, "could not be saved")
			if r.ID == 0 || r.ChatID != "299" || zh < 0 || en < zh {
				t.Errorf("notice = %+v; want it queued to the chat, in Chinese then English", r)
			}
		case attempt == 4 && (err != nil || len(replies) != 0):
			t.Errorf("delivery 4: replies %+v, err %v; want it taken as a duplicate", replies, err)
		}
		if r, err := core.Handle(ctx, bot.Inbound{Platform: "telegram", UserID: "0", ChatID: "0", UpdateID: fmt.Sprint("ok-", attempt), Text: "/status"}); err != nil || len(r) != 1 {
			t.Errorf("a seller on an intact page: replies %+v, err %v", r, err)
		}
	}
	pending, err := store.Pending(ctx, "telegram", "299") // the answer to /start, and the notice
	if err != nil || len(pending) != 2 || !strings.Contains(pending[1].Text, "send it again later") {
		t.Errorf("outbox of the set-aside seller = %+v, %v; want the notice last", pending, err)
	}

	// An update the bot only records (Skip), on damaged claims.
	datatest.DamageTable(t, path, "inbound")
	for attempt := 1; attempt <= 3; attempt++ {
		err := core.Skip(ctx, "telegram", "zzz")
		if (err == nil) != (attempt == 3) {
			t.Errorf("skip %d on a damaged page: err = %v", attempt, err)
		}
	}
}
