package bot_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/datatest"
	"github.com/onboardbot/onboardbot/data/sqlite"
)

// BenchmarkAnswers measures the write path sellers use most: answering
// questions and marking checklist items (each saves the state and, since
// projections, its rows), with 40 sellers at once. b.N is the number of
// messages. It measures the same again, in the same run, on a database
// without the indexes the admin pages added (00017_dashboard.sql), which
// every answer keeps up to date: of-without-dashboard-indexes is what they
// cost the answer path.
func BenchmarkAnswers(b *testing.B) {
	with := answerRate(b, datatest.Store(b))
	b.StopTimer()
	path := filepath.Join(b.TempDir(), "plain.db")
	store, err := sqlite.Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		b.Fatal(err)
	}
	// As before 00017: its four indexes gone, and the one its funnel index
	// took the place of back.
	for _, q := range []string{"DROP INDEX outbox_seller", "DROP INDEX onboardings_funnel", "DROP INDEX onboardings_idle",
		"DROP INDEX progress_items_status", "CREATE INDEX onboardings_market_stage ON onboardings (market, stage)"} {
		if _, err := db.Exec(q); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	b.StartTimer()
	without := answerRate(b, store)
	b.ReportMetric(with, "messages/s")
	b.ReportMetric(without, "without-dashboard-indexes/s")
	b.ReportMetric(with/without, "of-without-dashboard-indexes")
}

// answerRate runs b.N messages of 40 sellers' scripted onboardings
// through a core on store, and returns how many it handled a second.
func answerRate(b *testing.B, store bot.Store) float64 {
	core := bot.New(store, datatest.Rules(b))
	script := []string{"/onboard tiktok-uk", "1", "0", "1", "1", "2", "1", "beauty,electronics",
		"/done uk-rp", "/done scpn REF1 2027-06-30", "/na psti", "/todo psti", "/back", "/status"}
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	began := time.Now()
	for w := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seller := w; ; seller += 40 {
				for _, text := range script {
					i := next.Add(1)
					if i > int64(b.N) {
						return
					}
					_, err := core.Handle(context.Background(), bot.Inbound{Platform: "test", UserID: fmt.Sprint(seller),
						ChatID: fmt.Sprint(seller), UpdateID: fmt.Sprint(i), Text: text})
					if err != nil {
						b.Error(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	return float64(b.N) / time.Since(began).Seconds()
}
