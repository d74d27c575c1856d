package bot_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/datatest"
)

// BenchmarkAnswers measures the write path sellers use most: answering
// questions and marking checklist items (each saves the state and, since
// projections, its rows), with 40 sellers at once. b.N is the number of
// messages.
func BenchmarkAnswers(b *testing.B) {
	store := datatest.Store(b)
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
	b.ReportMetric(float64(b.N)/time.Since(began).Seconds(), "messages/s")
}
