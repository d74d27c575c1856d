package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/adapters/slack"
	"github.com/onboardbot/onboardbot/adapters/slack/slacktest"
	"github.com/onboardbot/onboardbot/adapters/telegram"
	"github.com/onboardbot/onboardbot/adapters/telegram/tgtest"
	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data"
)

// rawWriteRate measures the store's smallest write transaction (recording
// one handled update) on a fresh SQLite file like the bot's, with as many
// concurrent writers as the throughput benchmark has clients: the ceiling
// that one transaction per message could reach.
func rawWriteRate(b *testing.B, n, writers int) float64 {
	b.Helper()
	store, err := data.Open(context.Background(), filepath.Join(b.TempDir(), "raw.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	var wg sync.WaitGroup
	var next atomic.Int64
	begin := time.Now()
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				err := store.Update(context.Background(), func(tx bot.Tx) error {
					_, err := tx.Claim(context.Background(), "raw", fmt.Sprint(i), time.Now())
					return err
				})
				if err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return float64(n) / time.Since(begin).Seconds()
}

// loadBot is one platform's bot under load: a handler that takes the
// platform's inbound requests, and a count of replies the platform got.
type loadBot struct {
	handler http.Handler
	request func(i int64) *http.Request // the i-th inbound message, from one of 1,000 sellers
	wait    func(n int) bool            // until n replies reached the platform
	close   func()
}

var loadTexts = []string{"/status", "/help", "/markets", "hello"}

// The load generator stands for the platform: it should cost the bot's
// machine little. Each inbound body is made from a template encoded once
// per seller and text, with the message's id written in.
const (
	idMark   = "8642097531"
	idNumber = 8642097531
)

// templates encodes message(seller, text) for 1,000 sellers and each load
// text: template i is seller 1+i%1000 sending loadTexts[i%4].
func templates(message func(seller int64, text string) any) []string {
	out := make([]string, 4000)
	for i := range out {
		body, err := json.Marshal(message(int64(1+i%1000), loadTexts[i%len(loadTexts)]))
		if err != nil {
			panic(err)
		}
		out[i] = string(body)
	}
	return out
}

// inbound is a request as the HTTP server hands it to a handler.
func inbound(path, body string) *http.Request {
	req, err := http.NewRequest(http.MethodPost, "http://bot.test"+path, strings.NewReader(body))
	if err != nil {
		panic(err)
	}
	req.RemoteAddr = "192.0.2.1:443"
	return req
}

func telegramBot(b *testing.B) *loadBot {
	srv := tgtest.New()
	store, core := loadCore(b)
	ctx, cancel := context.WithCancel(context.Background())
	var disp *bot.Dispatcher
	a, err := telegram.New(ctx, telegram.Config{Token: tgtest.Token, ServerURL: srv.URL, WebhookSecret: "s", Rate: 1e6, ChatRate: 1e6,
		Notify: func(chats ...string) { disp.Notify(chats...) }}, core, store)
	if err != nil {
		b.Fatal(err)
	}
	disp = bot.NewDispatcher(store, telegram.Platform, a)
	tmpl := templates(func(seller int64, text string) any {
		u := tgtest.Text(seller, "en", text)
		u.ID = idNumber
		return u
	})
	done := make(chan struct{})
	go func() { disp.Run(ctx); close(done) }()
	return &loadBot{
		handler: a.WebhookHandler(),
		request: func(i int64) *http.Request {
			body := strings.Replace(tmpl[i%int64(len(tmpl))], idMark, strconv.FormatInt(i+1, 10), 1)
			req := inbound("/telegram/webhook", body)
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "s")
			return req
		},
		wait:  func(n int) bool { return srv.Wait(time.Minute, func() bool { return srv.Count() >= n }) },
		close: func() { cancel(); <-done; store.Close(); srv.Close() },
	}
}

func slackBot(b *testing.B) *loadBot {
	srv := slacktest.New()
	store, core := loadCore(b)
	ctx, cancel := context.WithCancel(context.Background())
	var disp *bot.Dispatcher
	a, err := slack.New(ctx, slack.Config{BotToken: slacktest.BotToken, APIURL: srv.URL + "/", SigningSecret: slacktest.SigningSecret,
		Rate: 1e6, ChatRate: 1e6, Notify: func(chats ...string) { disp.Notify(chats...) }}, core, store)
	if err != nil {
		b.Fatal(err)
	}
	disp = bot.NewDispatcher(store, slack.Platform, a)
	tmpl := templates(func(seller int64, text string) any {
		dm := slacktest.DM(fmt.Sprintf("U%d", seller), text)
		dm["ts"], dm["event_ts"], dm["client_msg_id"] = "1764000000."+idMark, "1764000000."+idMark, idMark
		return slacktest.Callback("Ev"+idMark, dm)
	})
	done := make(chan struct{})
	go func() { disp.Run(ctx); close(done) }()
	return &loadBot{
		handler: a.EventsHandler(),
		request: func(i int64) *http.Request {
			body := strings.ReplaceAll(tmpl[i%int64(len(tmpl))], idMark, strconv.FormatInt(i+1, 10))
			req := inbound("/slack/events", body)
			req.Header.Set("Content-Type", "application/json")
			slacktest.Sign(req.Header, []byte(body), slacktest.SigningSecret, time.Now())
			return req
		},
		wait:  func(n int) bool { return srv.Wait(time.Minute, func() bool { return srv.Count() >= n }) },
		close: func() { cancel(); <-done; store.Close(); srv.Close() },
	}
}

func loadCore(b *testing.B) (*data.Store, *bot.Core) {
	store, err := data.Open(context.Background(), filepath.Join(b.TempDir(), "onboard.db"))
	if err != nil {
		b.Fatal(err)
	}
	fsys, dir := data.EmbeddedRules()
	catalog, err := data.LoadRules(fsys, dir)
	if err != nil {
		b.Fatal(err)
	}
	return store, bot.New(store, catalog)
}

func serve(b *testing.B, lb *loadBot, i int64) time.Duration {
	req := lb.request(i)
	w := httptest.NewRecorder()
	t0 := time.Now()
	lb.handler.ServeHTTP(w, req)
	took := time.Since(t0)
	if w.Code != http.StatusOK {
		b.Errorf("inbound message answered %d", w.Code)
	}
	return took
}

func p99(ds []time.Duration) float64 {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return float64(ds[len(ds)*99/100].Microseconds()) / 1000
}

// BenchmarkThroughput sends inbound messages through the real Telegram
// webhook handler and the real Slack events handler, each committed before
// its 2xx and answered through the outbox to the platform's test server, on
// a SQLite file. "saturated" sends as fast as 8 clients can and compares
// the rate with the raw write rate measured in the same run; "at500" sends
// 500 messages a second and reports the handling latency.
func BenchmarkThroughput(b *testing.B) {
	raw := rawWriteRate(b, 5000, 8)      // concurrent writers: their transactions share commits
	rawAlone := rawWriteRate(b, 3000, 1) // one writer: one commit per transaction
	for _, p := range []struct {
		name string
		bot  func(*testing.B) *loadBot
	}{{"telegram", telegramBot}, {"slack", slackBot}} {
		b.Run(p.name+"/saturated", func(b *testing.B) {
			lb := p.bot(b)
			defer lb.close()
			var id atomic.Int64
			var mu sync.Mutex
			var lat []time.Duration
			b.ReportAllocs()
			b.SetParallelism(20)
			b.ResetTimer()
			begin := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				var mine []time.Duration
				for pb.Next() {
					mine = append(mine, serve(b, lb, id.Add(1)))
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			})
			rate := float64(b.N) / time.Since(begin).Seconds()
			b.StopTimer()
			waitReplies(b, lb, b.N)
			b.ReportMetric(raw, "raw-tx/s")
			b.ReportMetric(rawAlone, "raw-1writer-tx/s")
			b.ReportMetric(rate, "handled/s")
			b.ReportMetric(rate/raw, "of-raw-rate")
			b.ReportMetric(rate/rawAlone, "of-1writer-rate")
			b.ReportMetric(p99(lat), "p99-ms")
		})
		b.Run(p.name+"/at500", func(b *testing.B) {
			lb := p.bot(b)
			defer lb.close()
			n := max(b.N, 1000)
			lat := make([]time.Duration, n)
			var wg sync.WaitGroup
			tick := time.NewTicker(time.Second / 500)
			defer tick.Stop()
			b.ResetTimer()
			for i := range n {
				<-tick.C
				wg.Add(1)
				go func() { defer wg.Done(); lat[i] = serve(b, lb, int64(i)) }()
			}
			wg.Wait()
			b.StopTimer()
			waitReplies(b, lb, n)
			b.ReportMetric(p99(lat), "p99-ms")
			b.ReportMetric(float64(n), "messages")
		})
	}
}

func waitReplies(b *testing.B, lb *loadBot, n int) {
	if !lb.wait(n) {
		b.Fatalf("not all %d replies were delivered", n)
	}
}
