package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/adapters/telegram/tgtest"
	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/pgtest"
	"github.com/onboardbot/onboardbot/data/postgres"
)

// pgRawRate measures the smallest write transaction (recording one handled
// update) on PostgreSQL, one writer, one transaction after another: the
// raw single-transaction rate of the server the bot runs on.
func pgRawRate(b *testing.B, url string, n int) float64 {
	b.Helper()
	store := pgStore(b, url)
	defer store.Close()
	begin := time.Now()
	for i := range n {
		err := store.Update(context.Background(), func(tx bot.Tx) error {
			_, err := tx.Claim(context.Background(), "raw", strconv.Itoa(i), time.Now())
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return float64(n) / time.Since(begin).Seconds()
}

func pgStore(b *testing.B, url string) *postgres.Store {
	b.Helper()
	store, err := postgres.Open(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	return store
}

// pgInstance is one in-process instance of a fleet: a store of its own
// (its own connections) that joined the fleet, and the bot on it.
func pgInstance(b *testing.B, url string, n int, srv *tgtest.Server) *loadBot {
	store := pgStore(b, url)
	leave, err := store.Join(context.Background(), fmt.Sprintf("bench-%d", n))
	if err != nil {
		b.Fatal(err)
	}
	lb := telegramBotOn(b, store, srv)
	closeBot := lb.close
	lb.close = func() { leave(); closeBot() }
	return lb
}

// fleetOf routes the i-th message to instance i mod len(bots), as a
// load balancer in front of a fleet's webhooks would; the instances send
// to one test Bot API server, srv.
func fleetOf(bots []*loadBot, srv *tgtest.Server) *loadBot {
	return &loadBot{
		handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			k, _ := strconv.Atoi(r.Header.Get("X-Bench-Instance"))
			bots[k].handler.ServeHTTP(w, r)
		}),
		request: func(i int64) *http.Request {
			k := int(i % int64(len(bots)))
			req := bots[k].request(i)
			req.Header.Set("X-Bench-Instance", strconv.Itoa(k))
			return req
		},
		dispatch: func() {
			for _, lb := range bots {
				lb.dispatch()
			}
		},
		wait: func(n int) bool { return srv.Wait(time.Minute, func() bool { return srv.Count() >= n }) },
		close: func() {
			for _, lb := range bots {
				lb.close()
			}
		},
	}
}

// BenchmarkPostgres sends inbound messages through the real Telegram
// webhook handler on a PostgreSQL store (a throwaway local cluster, fsync
// off), 40 clients as fast as they are answered, each message committed
// with its reply before its 2xx, and every reply delivered:
//
//   - intake: one instance; handled/s against the raw single-transaction
//     rate of the same server, measured just before (target 0.5 or more).
//   - fleet3: three instances on one database, each with its own
//     connections, the messages spread over them, their dispatchers
//     sharing the outbox through chat leases; handled/s against one
//     instance measured just before (no collapse: about 1 or more).
func BenchmarkPostgres(b *testing.B) {
	cluster := pgtest.Start(b)
	b.Run("intake", func(b *testing.B) {
		raw := pgRawRate(b, cluster.DB(b), 3000)
		lb := pgInstance(b, cluster.DB(b), 0, nil)
		defer lb.close()
		rate, lat := saturate(b, lb)
		lb.dispatch()
		waitReplies(b, lb, b.N)
		b.ReportMetric(raw, "raw-tx/s")
		b.ReportMetric(rate, "handled/s")
		b.ReportMetric(rate/raw, "of-raw-rate")
		b.ReportMetric(p99(lat), "p99-ms")
	})
	b.Run("fleet3", func(b *testing.B) {
		one := pgInstance(b, cluster.DB(b), 0, nil)
		single, _ := saturate(b, one)
		one.dispatch()
		waitReplies(b, one, b.N)
		one.close()
		url := cluster.DB(b)
		srv := tgtest.New()
		defer srv.Close()
		var bots []*loadBot
		for k := range 3 {
			bots = append(bots, pgInstance(b, url, k, srv))
		}
		lb := fleetOf(bots, srv)
		defer lb.close()
		rate, lat := saturate(b, lb)
		lb.dispatch()
		waitReplies(b, lb, b.N)
		b.ReportMetric(single, "one-handled/s")
		b.ReportMetric(rate, "handled/s")
		b.ReportMetric(rate/single, "of-one-instance")
		b.ReportMetric(p99(lat), "p99-ms")
	})
}
