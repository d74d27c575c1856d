package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/bot/schedule"
	"github.com/onboardbot/onboardbot/data/sqlite"
)

// BenchmarkPrune prunes a backlog (200,000 delivered messages and as many
// claims, nine tenths of them old enough to go: a first start-up with
// pruning on a database that never had it) while another writer records
// claims as fast as it can, and reports how fast the rows went and how
// long that writer's transactions waited.
func BenchmarkPrune(b *testing.B) {
	const rows = 200_000
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cut := t0.Add(rows * 9 / 10 * time.Second)
	for range b.N {
		b.StopTimer()
		s, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "prune.db"))
		if err != nil {
			b.Fatal(err)
		}
		var ids []int64
		err = s.Update(ctx, func(tx bot.Tx) error {
			ids = ids[:0]
			sel := bot.Seller{Platform: "slack", UserID: "U1", CreatedAt: t0}
			if err := tx.CreateSeller(ctx, &sel); err != nil {
				return err
			}
			for i := range rows {
				at := t0.Add(time.Duration(i) * time.Second)
				// Slack's event ids come in no order.
				if _, err := tx.Claim(ctx, "slack", fmt.Sprintf("Ev%08x", uint32(i)*2654435761), at); err != nil {
					return err
				}
				r := bot.Reply{Platform: "slack", ChatID: "D1", SellerID: sel.ID, Kind: bot.KindReply, Text: fmt.Sprintf("reply %0500d", i)}
				if err := tx.Enqueue(ctx, &r, at); err != nil {
					return err
				}
				ids = append(ids, r.ID)
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		for chunk := range slices.Chunk(ids, 10_000) {
			if err := s.MarkSent(ctx, chunk, t0); err != nil {
				b.Fatal(err)
			}
		}

		stop, waits := make(chan struct{}), make(chan []time.Duration)
		go func() {
			var w []time.Duration
			for i := 0; ; i++ {
				select {
				case <-stop:
					waits <- w
					return
				default:
				}
				began := time.Now()
				err := s.Update(ctx, func(tx bot.Tx) error {
					_, err := tx.Claim(ctx, "telegram", fmt.Sprint(i), cut) // young: kept
					return err
				})
				if err != nil {
					b.Error(err)
				}
				w = append(w, time.Since(began))
			}
		}()
		b.StartTimer()
		began := time.Now()
		n, err := s.Prune(ctx, bot.PruneBefore{Claims: cut, Outbox: cut}, schedule.PruneBatch)
		took := time.Since(began)
		b.StopTimer()
		close(stop)
		w := <-waits
		if err != nil {
			b.Fatal(err)
		}
		if want := rows * 9 / 10; n.Claims != want || n.Messages != want {
			b.Fatalf("pruned %+v, want %d of each", n, want)
		}
		slices.Sort(w)
		b.ReportMetric(float64(n.Claims+n.Messages)/took.Seconds(), "rows/s")
		b.ReportMetric(float64(w[len(w)*99/100].Microseconds())/1000, "writer-p99-ms")
		b.ReportMetric(float64(w[len(w)-1].Microseconds())/1000, "writer-max-ms")
		s.Close()
	}
}
