package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/adapters/telegram/tgtest"
	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/datatest"
	"github.com/onboardbot/onboardbot/data/markets"
	"github.com/onboardbot/onboardbot/data/sqlite"
	"github.com/onboardbot/onboardbot/flows"
)

// ukChecklistState is a seller at TikTok Shop UK's checklist, selling
// beauty products and toys.
func ukChecklistState() flows.State {
	return flows.State{Answers: []flows.Answer{
		{Question: "entity", Values: []string{"cn-company"}}, {Question: "shops", Text: "0"},
		{Question: "documents", Values: []string{"ready"}}, {Question: "marketplace", Values: []string{"yes"}},
		{Question: "vat", Values: []string{"no"}}, {Question: "stock", Values: []string{"cn-prestock"}},
		{Question: flows.CategoryQuestionID, Values: []string{"beauty", "toys"}},
	}}
}

// seedSellers stores n Telegram sellers (user ids from first on) at TikTok
// Shop UK's checklist, in lang, straight into the store, in one
// transaction; items, when given, are the checklist marks of each.
func seedSellers(tb testing.TB, db string, n, first int, lang flows.Lang, items func(user string) map[string]flows.ItemState) {
	tb.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, db)
	if err != nil {
		tb.Fatal(err)
	}
	defer store.Close()
	catalog := datatest.Rules(tb)
	uk, _ := catalog.Market("tiktok-uk")
	now := time.Now()
	err = store.Update(ctx, func(tx bot.Tx) error {
		for i := range n {
			user := strconv.Itoa(first + i)
			s := bot.Seller{Platform: "telegram", UserID: user, ChatID: user, Lang: lang, LangSet: true, Market: "tiktok-uk", CreatedAt: now}
			if err := tx.CreateSeller(ctx, &s); err != nil {
				return err
			}
			state := ukChecklistState()
			if items != nil {
				state.Items = items(user)
			}
			o := bot.Onboarding{SellerID: s.ID, Market: uk.ID, RulesVersion: uk.Version, Stage: flows.StageChecklist, State: state, StartedAt: now, UpdatedAt: now}
			if err := tx.SaveOnboarding(ctx, o, bot.Project(uk, o, now)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkScale100k puts 100,000 sellers in the database and measures what
// a seller and an operator notice: how long the real binary takes from
// start to answering /healthz (target under 1 s), its resident memory
// after start (target under 100 MB), and how long /status takes for one
// seller (target under 5 ms).
func BenchmarkScale100k(b *testing.B) {
	const sellers = 100_000
	dir := b.TempDir()
	db := filepath.Join(dir, "onboard.db")
	seedSellers(b, db, sellers, 100000, flows.ZH, nil)
	bin := buildBinary(b)
	srv := tgtest.New()
	defer srv.Close()

	var startups []time.Duration
	var rss int
	var backups []time.Duration
	for range 3 {
		addr := freeAddr(b)
		cmd := exec.Command(bin, "serve")
		cmd.Env = append(os.Environ(), "ONBOARD_DB="+db, "ONBOARD_ADDR="+addr, "TELEGRAM_BOT_TOKEN="+tgtest.Token,
			"TELEGRAM_API_URL="+srv.URL, "TELEGRAM_WEBHOOK_SECRET=s")
		began := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		for {
			resp, err := http.Get("http://" + addr + "/healthz")
			if err == nil {
				resp.Body.Close()
				break
			}
			if time.Since(began) > 30*time.Second {
				cmd.Process.Kill()
				b.Fatal("serve never answered")
			}
			time.Sleep(2 * time.Millisecond) // polling a child process: nothing to wait on
		}
		startups = append(startups, time.Since(began))
		rss = max(rss, residentKB(cmd.Process.Pid))
		// A backup while serve runs, as an operator takes one.
		began = time.Now()
		if out, err := exec.Command(bin, "backup", "--db", db, "--to", filepath.Join(dir, fmt.Sprintf("backup-%d.db", len(backups)))).CombinedOutput(); err != nil {
			b.Fatalf("backup: %v\n%s", err, out)
		}
		backups = append(backups, time.Since(began))
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}

	// /status for one seller, through the core, on the same database.
	ctx := context.Background()
	store, err := sqlite.Open(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	fsys, rdir := markets.EmbeddedRules()
	catalog, _ := markets.LoadRules(fsys, rdir)
	core := bot.New(store, catalog)
	b.ResetTimer()
	for i := range b.N {
		user := strconv.Itoa(100000 + (i*7919)%sellers)
		r, err := core.Handle(ctx, bot.Inbound{Platform: "telegram", UserID: user, ChatID: user, Text: "/status"})
		if err != nil || len(r) != 1 || !strings.Contains(r[0].Text, "tiktok-uk") {
			b.Fatalf("status: %v %v", r, err)
		}
	}
	b.StopTimer()
	slow := startups[0]
	for _, s := range startups {
		slow = max(slow, s)
	}
	b.ReportMetric(float64(slow.Milliseconds()), "startup-ms")
	b.ReportMetric(float64(rss)/1024, "rss-MB")
	b.ReportMetric(float64(slices.Max(backups).Milliseconds()), "backup-ms")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "status-ms")
}

// residentKB reads a process's resident set size from /proc.
func residentKB(pid int) int {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return kb
		}
	}
	return 0
}
