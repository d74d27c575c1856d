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
	"github.com/onboardbot/onboardbot/bot/outbox"
	"github.com/onboardbot/onboardbot/data/datatest"
	"github.com/onboardbot/onboardbot/data/sqlite"
)

// rawWriteRate measures the store's smallest write transaction (recording
// one handled update) on a fresh SQLite file like the bot's: with one
// writer, each commits alone, the ceiling of one transaction per message;
// with many, their transactions share commits.
func rawWriteRate(b *testing.B, n, writers int) float64 {
	b.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "raw.db"))
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
// platform's inbound requests, its dispatcher (started by dispatch), and a
// count of replies the platform got.
type loadBot struct {
	handler  http.Handler
	request  func(i int64) *http.Request // the i-th inbound message, from one of 1,000 sellers
	dispatch func()                      // starts sending the outbox
	wait     func(n int) bool            // until n replies reached the platform
	close    func()
}

// dispatcher runs disp from when start is called until stop.
func dispatcher(ctx context.Context, disp *outbox.Dispatcher) (start, stop func()) {
	var once sync.Once
	done := make(chan struct{})
	started := false
	start = func() {
		once.Do(func() { started = true; go func() { disp.Run(ctx); close(done) }() })
	}
	stop = func() {
		once.Do(func() {}) // not started: nothing to wait for
		if started {
			<-done
		}
	}
	return start, stop
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

func telegramBot(b *testing.B) *loadBot { return telegramBotOn(b, sqliteStore(b), nil) }

// sqliteStore opens a store on a fresh SQLite file.
func sqliteStore(b *testing.B) *sqlite.Store {
	store, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "onboard.db"))
	if err != nil {
		b.Fatal(err)
	}
	return store
}

// telegramBotOn is the Telegram bot under load on the given store, which
// it closes, sending to srv (nil: a test Bot API server of its own).
func telegramBotOn(b *testing.B, store interface {
	bot.Store
	Close() error
}, srv *tgtest.Server) *loadBot {
	closeSrv := func() {}
	if srv == nil {
		srv = tgtest.New()
		closeSrv = srv.Close
	}
	hub := outbox.NewHub()
	core := bot.New(store, datatest.Rules(b), bot.WithNotifier(hub))
	ctx, cancel := context.WithCancel(context.Background())
	a, err := telegram.New(ctx, telegram.Config{Token: tgtest.Token, ServerURL: srv.URL, WebhookSecret: "s", Rate: 1e6, ChatRate: 1e6}, core)
	if err != nil {
		b.Fatal(err)
	}
	disp := outbox.NewDispatcher(store, telegram.Platform, a)
	hub.Add(telegram.Platform, disp)
	tmpl := templates(func(seller int64, text string) any {
		u := tgtest.Text(seller, "en", text)
		u.ID = idNumber
		return u
	})
	start, stop := dispatcher(ctx, disp)
	return &loadBot{
		dispatch: start,
		handler:  a.WebhookHandler(),
		request: func(i int64) *http.Request {
			body := strings.Replace(tmpl[i%int64(len(tmpl))], idMark, strconv.FormatInt(i+1, 10), 1)
			req := inbound("/telegram/webhook", body)
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "s")
			return req
		},
		wait:  func(n int) bool { return srv.Wait(time.Minute, func() bool { return srv.Count() >= n }) },
		close: func() { cancel(); stop(); store.Close(); closeSrv() },
	}
}

func slackBot(b *testing.B) *loadBot {
	srv := slacktest.New()
	hub := outbox.NewHub()
	store, core := loadCore(b, hub)
	ctx, cancel := context.WithCancel(context.Background())
	a, err := slack.New(ctx, slack.Config{BotToken: slacktest.BotToken, APIURL: srv.URL + "/", SigningSecret: slacktest.SigningSecret,
		Rate: 1e6, ChatRate: 1e6}, core)
	if err != nil {
		b.Fatal(err)
	}
	disp := outbox.NewDispatcher(store, slack.Platform, a)
	hub.Add(slack.Platform, disp)
	tmpl := templates(func(seller int64, text string) any {
		dm := slacktest.DM(fmt.Sprintf("U%d", seller), text)
		dm["ts"], dm["event_ts"], dm["client_msg_id"] = "1764000000."+idMark, "1764000000."+idMark, idMark
		return slacktest.Callback("Ev"+idMark, dm)
	})
	start, stop := dispatcher(ctx, disp)
	return &loadBot{
		dispatch: start,
		handler:  a.EventsHandler(),
		request: func(i int64) *http.Request {
			body := strings.ReplaceAll(tmpl[i%int64(len(tmpl))], idMark, strconv.FormatInt(i+1, 10))
			req := inbound("/slack/events", body)
			req.Header.Set("Content-Type", "application/json")
			slacktest.Sign(req.Header, []byte(body), slacktest.SigningSecret, time.Now())
			return req
		},
		wait:  func(n int) bool { return srv.Wait(time.Minute, func() bool { return srv.Count() >= n }) },
		close: func() { cancel(); stop(); store.Close(); srv.Close() },
	}
}

func loadCore(b *testing.B, notifier bot.Notifier) (*sqlite.Store, *bot.Core) {
	store, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "onboard.db"))
	if err != nil {
		b.Fatal(err)
	}
	catalog := datatest.Rules(b)
	return store, bot.New(store, catalog, bot.WithNotifier(notifier))
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
// webhook handler and the real Slack events handler, each committed with its
// reply in the outbox before its 2xx, and every reply delivered to the
// platform's test server, on a SQLite file.
//
//   - intake: 40 clients (Telegram's default webhook connections) send as
//     fast as they can; handled/s is compared with the raw rate of the
//     store's smallest write transaction, one commit each, measured just
//     before on the same kind of file. The replies wait in the outbox, as
//     they do when a platform takes them at its own pace, and are then
//     delivered (delivered/s).
//   - end-to-end: the same, with the dispatcher sending every reply at once
//     to a test server that takes all it gets, on the same two cores.
//   - at500: 500 messages a second (1,000 to 5,000 of them), replies sent
//     as they come; the handling latency.
func BenchmarkThroughput(b *testing.B) {
	for _, p := range []struct {
		name string
		bot  func(*testing.B) *loadBot
	}{{"telegram", telegramBot}, {"slack", slackBot}} {
		b.Run(p.name+"/intake", func(b *testing.B) {
			raw, grouped := rawWriteRate(b, 20000, 1), rawWriteRate(b, 20000, 40)
			lb := p.bot(b)
			defer lb.close()
			rate, lat := saturate(b, lb)
			began := time.Now()
			lb.dispatch()
			waitReplies(b, lb, b.N)
			delivered := float64(b.N) / time.Since(began).Seconds()
			b.ReportMetric(raw, "raw-tx/s")
			b.ReportMetric(grouped, "raw-grouped-tx/s")
			b.ReportMetric(rate, "handled/s")
			b.ReportMetric(rate/raw, "of-raw-rate")
			b.ReportMetric(p99(lat), "p99-ms")
			b.ReportMetric(delivered, "delivered/s")
		})
		b.Run(p.name+"/end-to-end", func(b *testing.B) {
			raw := rawWriteRate(b, 20000, 1)
			lb := p.bot(b)
			defer lb.close()
			lb.dispatch()
			rate, lat := saturate(b, lb)
			waitReplies(b, lb, b.N)
			b.ReportMetric(raw, "raw-tx/s")
			b.ReportMetric(rate, "handled/s")
			b.ReportMetric(rate/raw, "of-raw-rate")
			b.ReportMetric(p99(lat), "p99-ms")
		})
		b.Run(p.name+"/at500", func(b *testing.B) {
			lb := p.bot(b)
			defer lb.close()
			lb.dispatch()
			n := min(max(b.N, 1000), 5000) // 2 to 10 seconds at 500 a second
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

// saturate sends b.N messages from 40 clients as fast as they are
// answered; it returns the rate and each message's handling time.
func saturate(b *testing.B, lb *loadBot) (float64, []time.Duration) {
	var id atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	b.ReportAllocs()
	b.SetParallelism(20) // 40 clients on 2 cores
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
	return rate, lat
}

func waitReplies(b *testing.B, lb *loadBot, n int) {
	if !lb.wait(n) {
		b.Fatalf("not all %d replies were delivered", n)
	}
}
