package telegram_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/onboardbot/onboardbot/adapters/telegram/tgtest"
	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/flows"
)

// BenchmarkFanout broadcasts to 20,000 Telegram sellers through the real
// dispatcher, adapter and client against the test Bot API, at a high
// configured rate, while 40 other sellers keep onboarding. It reports the
// achieved broadcast rate as a fraction of the configured one (target 0.95
// or more) and the latency of the interactive replies (target p99 < 100 ms).
func BenchmarkFanout(b *testing.B) {
	const recipients, configured, interactive = 20000, 2000.0, 40
	for range b.N {
		srv := tgtest.New()
		db := filepath.Join(b.TempDir(), "onboard.db")
		e := start(b, srv, db, "webhook", options{rate: configured})
		seedSellers(b, e, 1_000_000, recipients)

		// Interactive sellers: started before the broadcast.
		for i := range interactive {
			post(b, e, tgtest.Text(int64(10+i), "en", "/onboard tiktok-uk"))
		}
		if !srv.Wait(time.Minute, func() bool { return srv.Count() >= interactive }) {
			b.Fatal("interactive sellers not started")
		}
		base := srv.Count()

		b.ResetTimer()
		begin := time.Now()
		if _, err := e.admin.Announce(context.Background(), e.core.Catalog(), bot.Announcement{Markets: []string{"tiktok-uk"}, Category: "food", Text: flows.Text{EN: "broadcast"}, CreatedBy: "shell"}, false); err != nil {
			b.Fatal(err)
		}
		queued := time.Since(begin)
		begin = time.Now() // the rate is the dispatcher's: from the moment the rows are committed

		// While it runs, each interactive seller answers about once a second.
		var mu sync.Mutex
		var latencies []time.Duration
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(time.Second / interactive)
			defer tick.Stop()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				chat := int64(10 + i%interactive)
				before := srv.CountTo(chat)
				sent := time.Now()
				post(b, e, tgtest.Text(chat, "en", "/status"))
				wg.Add(1)
				go func() {
					defer wg.Done()
					if srv.Wait(10*time.Second, func() bool { return srv.CountTo(chat) > before }) {
						mu.Lock()
						latencies = append(latencies, srv.SentTo(chat)[before].At.Sub(sent))
						mu.Unlock()
					}
				}()
			}
		}()
		if !srv.Wait(5*time.Minute, func() bool { return srv.Count()-base >= recipients }) {
			b.Fatalf("only %d of %d delivered", srv.Count()-base, recipients)
		}
		elapsed := time.Since(begin)
		close(stop)
		wg.Wait()
		b.StopTimer()

		achieved := float64(recipients) / elapsed.Seconds()
		slices.Sort(latencies)
		p := func(q float64) float64 {
			if len(latencies) == 0 {
				return 0
			}
			return float64(latencies[int(q*float64(len(latencies)-1))].Microseconds()) / 1000
		}
		b.ReportMetric(achieved, "sent/s")
		b.ReportMetric(achieved/configured, "of-configured-rate")
		b.ReportMetric(p(0.5), "reply-p50-ms")
		b.ReportMetric(p(0.99), "reply-p99-ms")
		b.ReportMetric(float64(len(latencies)), "replies")
		b.ReportMetric(float64(queued.Milliseconds()), "queue-ms")
		e.stop()
		srv.Close()
	}
}

// seedSellers stores n sellers at the checklist stage of TikTok Shop UK,
// selling food, straight into the store.
func seedSellers(b *testing.B, e *env, first int64, n int) {
	b.Helper()
	state := flows.State{Answers: []flows.Answer{
		{Question: "entity", Values: []string{"cn-company"}}, {Question: "shops", Text: "0"},
		{Question: "documents", Values: []string{"ready"}}, {Question: "marketplace", Values: []string{"yes"}},
		{Question: "vat", Values: []string{"no"}}, {Question: "stock", Values: []string{"cn-prestock"}},
		{Question: flows.CategoryQuestionID, Values: []string{"food"}},
	}}
	now := time.Now()
	err := e.store.Update(context.Background(), func(tx bot.Tx) error {
		for i := range n {
			id := fmt.Sprint(first + int64(i))
			s := bot.Seller{Platform: "telegram", UserID: id, ChatID: id, Lang: flows.EN, CreatedAt: now}
			if err := tx.CreateSeller(context.Background(), &s); err != nil {
				return err
			}
			o := bot.Onboarding{SellerID: s.ID, Market: "tiktok-uk", RulesVersion: "2025.08.1", Stage: flows.StageChecklist, State: state, StartedAt: now, UpdatedAt: now}
			p := bot.Projection{SellerID: s.ID, Market: o.Market, Stage: o.Stage, LastActivity: now}
			if err := tx.SaveOnboarding(context.Background(), o, p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

var updateIDs atomic.Int64

func post(b *testing.B, e *env, u *models.Update) {
	u.ID = updateIDs.Add(1)
	body, _ := json.Marshal(u)
	req, _ := http.NewRequest(http.MethodPost, e.webhook.URL, bytes.NewReader(body))
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Error(err)
		return
	}
	resp.Body.Close()
}

// BenchmarkReadyChats: 2,000 chats each holding several replies, the
// overall rate set far above what they can take (10,000 a second) and
// each chat at Telegram's one message a second, through the real
// dispatcher, adapter and client against the test Bot API. Delivery should
// run at the chats' pace, 2,000 a second, not at the workers' (64 workers
// each asleep on one chat's pace gave about 80 a second): it reports
// delivered/s and its ratio to that ideal.
func BenchmarkReadyChats(b *testing.B) {
	const chats, perChat, rate, chatRate = 2000, 5, 10000.0, 1.0
	for range b.N {
		srv := tgtest.New()
		e := start(b, srv, filepath.Join(b.TempDir(), "onboard.db"), "webhook", options{rate: rate, chatRate: chatRate})
		now := time.Now()
		err := e.store.Update(context.Background(), func(tx bot.Tx) error {
			for round := range perChat {
				for c := range chats {
					r := bot.Reply{Platform: "telegram", ChatID: fmt.Sprint(5_000_000 + c), Kind: bot.KindReply, Text: fmt.Sprintf("reply %d", round)}
					if err := tx.Enqueue(context.Background(), &r, now); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		begin := time.Now()
		// The dispatcher finds them on its next look at the outbox, as after a restart.
		if !srv.Wait(5*time.Minute, func() bool { return srv.Count() >= chats*perChat }) {
			b.Fatalf("only %d of %d delivered", srv.Count(), chats*perChat)
		}
		took := time.Since(begin)
		b.StopTimer()
		for c := range chats {
			if n := srv.CountTo(int64(5_000_000 + c)); n != perChat {
				b.Fatalf("chat %d got %d messages, want %d", c, n, perChat)
			}
		}
		delivered := float64(chats*perChat) / took.Seconds()
		b.ReportMetric(delivered, "delivered/s")
		b.ReportMetric(delivered/(chats*chatRate), "of-chats-pace")
		e.stop()
		srv.Close()
	}
}
