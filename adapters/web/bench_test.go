package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/adapters/web"
	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/bot/admin"
	"github.com/onboardbot/onboardbot/data/datatest"
	"github.com/onboardbot/onboardbot/flows"
)

// BenchmarkPages100k renders every admin page over 100,000 sellers spread
// over the markets and stages, idle for up to 60 days, with certificates
// expiring over the next 120 days (target: each page under 200 ms). It
// logs each page's median time, and reports the slowest page's as max-ms
// and a CSV download of every stuck seller as csv-ms.
func BenchmarkPages100k(b *testing.B) {
	const sellers = 100_000
	ctx := context.Background()
	store := datatest.Store(b)
	catalog := datatest.Rules(b)
	now := time.Now()
	stages := []flows.Stage{flows.StageEligibility, flows.StageLogistics, flows.StageCategories, flows.StageChecklist, flows.StageComplete, flows.StageIneligible}
	markets := catalog.Markets()
	err := store.Update(ctx, func(tx bot.Tx) error {
		for i := range sellers {
			m := markets[i%len(markets)]
			at := now.Add(-time.Duration(i%(60*24)) * time.Hour)
			s := bot.Seller{Platform: []string{"telegram", "slack"}[i%2], UserID: strconv.Itoa(100000 + i), ChatID: strconv.Itoa(100000 + i), Lang: flows.ZH, CreatedAt: at}
			if err := tx.CreateSeller(ctx, &s); err != nil {
				return err
			}
			stage := stages[i%len(stages)]
			p := bot.Projection{SellerID: s.ID, Market: m.ID, Stage: stage, LastActivity: at}
			switch stage {
			case flows.StageEligibility, flows.StageLogistics:
				p.Question = m.Questions[i%len(m.Questions)].ID
			case flows.StageIneligible:
				p.StopQuestion = m.Questions[i%3].ID
			case flows.StageChecklist, flows.StageComplete:
				for j, it := range m.Items[:min(len(m.Items), 10)] {
					row := bot.ItemRow{Item: it.ID, Status: []flows.ItemStatus{flows.ItemTodo, flows.ItemDone, flows.ItemNA}[(i+j)%3]}
					if row.Status == flows.ItemDone && j%2 == 0 {
						row.Number, row.Expiry = fmt.Sprint("N", i), now.AddDate(0, 0, (i+j)%120).Format("2006-01-02")
					}
					p.Items = append(p.Items, row)
				}
			}
			o := bot.Onboarding{SellerID: s.ID, Market: m.ID, RulesVersion: m.Version, Stage: stage, StartedAt: at, UpdatedAt: at}
			if err := tx.SaveOnboarding(ctx, o, p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	adm := admin.New(store, []string{boss}, admin.WithPublicURL("http://pages.test"))
	h := web.New(web.Config{Store: store, Admin: adm, Catalog: func() *flows.Catalog { return catalog }}).Handler()
	link, err := adm.LoginLink(ctx, boss)
	if err != nil {
		b.Fatal(err)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, admin.LoginPath, strings.NewReader("token="+link[strings.Index(link, "token=")+6:]))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	h.ServeHTTP(rec, req)
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 {
		b.Fatalf("login: %d %s", rec.Code, rec.Body)
	}
	pages := []string{"/admin/", "/admin/?platform=slack&from=" + now.AddDate(0, 0, -30).Format("2006-01-02"), "/admin/stuck?days=7",
		"/admin/stuck?days=30&market=tiktok-uk", "/admin/stops", "/admin/items", "/admin/items?market=tiktok-uk", "/admin/expiring?days=90",
		"/admin/announcements", "/admin/seller/50000",
		"/admin/stuck?days=7&csv=stuck"} // the last, a CSV of every stuck seller, is reported apart
	took := make([][]time.Duration, len(pages))
	b.ResetTimer()
	for range b.N {
		for i, path := range pages {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.AddCookie(cookies[0])
			rec := httptest.NewRecorder()
			start := time.Now()
			h.ServeHTTP(rec, req)
			took[i] = append(took[i], time.Since(start))
			if rec.Code != http.StatusOK || rec.Body.Len() < 1000 {
				b.Fatalf("%s: %d %.300s", path, rec.Code, rec.Body)
			}
		}
	}
	b.StopTimer()
	var worst time.Duration
	var lines []string
	for i, path := range pages {
		median := slices.Sorted(slices.Values(took[i]))[len(took[i])/2]
		if i < len(pages)-1 {
			worst = max(worst, median)
		} else {
			b.ReportMetric(float64(median.Microseconds())/1000, "csv-ms")
		}
		lines = append(lines, fmt.Sprintf("%s %.1f ms", path, float64(median.Microseconds())/1000))
	}
	b.Log("median time per page: " + strings.Join(lines, "; "))
	b.ReportMetric(float64(worst.Microseconds())/1000, "max-ms")
}
