package telegram_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/adapters/telegram"
	"github.com/onboardbot/onboardbot/adapters/telegram/tgtest"
	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/datatest"
)

// An update whose seller's row sits on a damaged page fails each time. By
// webhook, Telegram gets a 500 and redelivers; when polling, the batch is
// fetched again and the offset does not move. After three failures the bot
// acknowledges it (200; the offset moves on, so the updates behind it are
// no longer held back) and the seller is told the message was not saved.
func TestDamagedUpdateIsAcknowledgedAfterThreeFailures(t *testing.T) {
	for _, mode := range []string{"webhook", "poll"} {
		t.Run(mode, func(t *testing.T) {
			srv := tgtest.New()
			defer srv.Close()
			db := filepath.Join(t.TempDir(), "onboard.db")
			const first, last = 6000, 6299
			seed(t, db, first, last)
			e := start(t, srv, db, mode)
			datatest.DamageTable(t, db, "sellers") // the last sellers' rows, up to 6299

			bad := tgtest.Text(last, "zh-hans", "/onboard tiktok-uk")
			bad.ID = 900
			good := tgtest.Text(first, "en", "/status")
			good.ID = 901
			if mode == "webhook" {
				for attempt, want := range []int{http.StatusInternalServerError, http.StatusInternalServerError, http.StatusOK} {
					if code := e.post(bad, secret); code != want {
						t.Errorf("delivery %d: %d, want %d", attempt+1, code, want)
					}
				}
				e.deliver(good)
			} else {
				srv.AddUpdate(bad)
				srv.AddUpdate(good)
				if !srv.Wait(timeout, func() bool { return srv.Confirmed() > good.ID }) {
					t.Fatalf("offset %d never passed the damaged update %d", srv.Confirmed(), bad.ID)
				}
			}
			mustContain(t, nth(t, srv, last, 1), "没能保存", "could not be saved")
			mustContain(t, nth(t, srv, first, 1), "/onboard")
			if got := len(srv.SentTo(last)); got != 1 {
				t.Errorf("%d messages to the set-aside seller, want the notice only: %v", got, texts(srv.SentTo(last)))
			}
		})
	}
}

// seed stores Telegram sellers first to last (user ids), in one transaction.
func seed(t *testing.T, db string, first, last int64) {
	t.Helper()
	ctx := context.Background()
	s := datatest.StoreAt(t, db)
	defer s.Close()
	err := s.Update(ctx, func(tx bot.Tx) error {
		for u := first; u <= last; u++ {
			id := fmt.Sprint(u)
			if err := tx.CreateSeller(ctx, &bot.Seller{Platform: telegram.Platform, UserID: id, ChatID: id, CreatedAt: time.Now()}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
