package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/onboardbot/onboardbot/adapters/telegram/tgtest"
	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/datatest"
	"github.com/onboardbot/onboardbot/data/sqlite"
)

// chromium is the browser the page tests drive (Debian's chromium package).
const chromium = "/usr/bin/chromium"

// seedDashboard has sellers talk to the core on db ten days ago: one to
// the checklist with an SCPN expiring soon and HTML in its number, one
// stopped by the entity question, one idle at the first question. It
// returns the sellers' ids by Telegram user.
func seedDashboard(t *testing.T, db string) map[int64]int64 {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	then := time.Now().AddDate(0, 0, -10)
	core := bot.New(store, datatest.Rules(t), bot.WithClock(func() time.Time { return then }))
	expiry := time.Now().AddDate(0, 0, 20).Format("2006-01-02")
	script := map[int64][]string{
		7001: {"/lang en", "/onboard tiktok-uk", "1", "0", "1", "1", "2", "1", "beauty", "/done scpn REF-<b>1</b> " + expiry},
		7002: {"/lang zh", "/onboard tiktok-uk", "individual"},
		7003: {"/lang en", "/onboard tiktok-uk"},
	}
	ids := map[int64]int64{}
	for user, texts := range script {
		u := strconv.FormatInt(user, 10)
		for _, text := range texts {
			if _, err := core.Handle(ctx, bot.Inbound{Platform: "telegram", UserID: u, ChatID: u, Text: text}); err != nil {
				t.Fatal(err)
			}
		}
		err := store.Update(ctx, func(tx bot.Tx) error {
			s, err := tx.Seller(ctx, "telegram", u)
			ids[user] = s.ID
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

// testOutput is where tests leave what a person looks at (screenshots):
// ONBOARD_TEST_OUTPUT, or test-output/ in the repository (not committed).
func testOutput(t *testing.T) string {
	dir := os.Getenv("ONBOARD_TEST_OUTPUT")
	if dir == "" {
		dir = "test-output"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestDashboardInABrowser drives the admin pages in headless Chromium
// against the real serve: the admin asks the bot for a link in Telegram,
// signs in, reads the funnel (checked against the store), opens every
// page, nudges the idle seller and sees the nudge reach the test Telegram
// server, and screenshots the funnel and a seller's page.
func TestDashboardInABrowser(t *testing.T) {
	if _, err := exec.LookPath(chromium); err != nil {
		msg := "Chromium is not installed: apt-get install -y chromium (Debian's package) to run the browser tests"
		if os.Getenv("CI") != "" {
			t.Fatal(msg + "; CI must run them")
		}
		t.Skip(msg)
	}
	srv := tgtest.New()
	defer srv.Close()
	db := filepath.Join(t.TempDir(), "onboard.db")
	ids := seedDashboard(t, db)
	env := map[string]string{"ONBOARD_DB": db, "ONBOARD_ADDR": freeAddr(t), "TELEGRAM_BOT_TOKEN": tgtest.Token,
		"TELEGRAM_API_URL": srv.URL, "ONBOARD_TELEGRAM_RATE": "1000", "ONBOARD_ADMINS": "telegram:1000"}
	stop := startServe(t, env)
	defer func() {
		if code, logs := stop(); code != 0 {
			t.Errorf("serve exited %d:\n%s", code, logs)
		}
	}()

	// The admin asks for a link in Telegram.
	srv.AddUpdate(tgtest.Text(1000, "en", "/dashboard"))
	var link string
	linkRE := regexp.MustCompile(`http://\S+/admin/login\?token=[A-Za-z0-9_-]+`)
	if !srv.Wait(10*time.Second, func() bool {
		for _, m := range srv.SentTo(1000) {
			if l := linkRE.FindString(m.Text); l != "" {
				link = l
				return true
			}
		}
		return false
	}) {
		t.Fatalf("no login link in the admin's chat: %+v", srv.SentTo(1000))
	}

	ctx, cancel := browserContext(t)
	defer cancel()
	base := "http://" + env["ONBOARD_ADDR"]
	out := testOutput(t)
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	table := func(id string) [][]string {
		t.Helper()
		rows, err := chromedp.Run(ctx, chromedp.Evaluate[[][]string](`Array.from(document.querySelectorAll("#`+id+
			` tbody tr")).map(tr => Array.from(tr.cells).map(td => td.innerText.trim()))`))
		if err != nil {
			t.Fatalf("read table %s: %v", id, err)
		}
		return rows
	}
	shoot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil || len(png) == 0 {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		path := filepath.Join(out, name)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", path)
	}

	do("sign in", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#signin")), chromedp.Click(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS("#funnel table")))
	funnel := table("funnel")
	shoot("funnel.png")

	store, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	want, err := store.Funnel(context.Background(), bot.FunnelFilter{})
	if err != nil || len(want) != 1 {
		t.Fatalf("store funnel %+v, %v", want, err)
	}
	w := want[0]
	wantRow := []string{"tiktok-uk", fmt.Sprint(w.Started), fmt.Sprint(w.Eligible), fmt.Sprint(w.Logistics), fmt.Sprint(w.Complete), fmt.Sprint(w.Stopped)}
	if len(funnel) != 1 || strings.Join(funnel[0][1:], " ") != strings.Join(wantRow, " ") || w.Started != 3 || w.Stopped != 1 {
		t.Errorf("funnel in the browser %q, store %+v", funnel, w)
	}
	bars, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("svg.funnel rect.bar").length`))
	if err != nil || bars != 4 {
		t.Errorf("%d bars in the chart, %v", bars, err)
	}

	// Every page opens, in both languages, with the store's numbers.
	for _, c := range []struct{ path, table, text string }{
		{"/admin/stops?lang=zh", "stops", "用什么主体开店"},
		{"/admin/items?market=tiktok-uk&lang=en", "items", "scpn"},
		{"/admin/expiring?days=30", "expiring", "REF-<b>1</b>"},
		{"/admin/announcements", "announcements", ""},
		{"/admin/stuck?days=7", "stuck", "telegram:7003"},
	} {
		do(c.path, chromedp.Navigate(base+c.path), chromedp.WaitVisible(chromedp.CSS("#"+c.table)))
		if rows := table(c.table); c.text != "" && !strings.Contains(fmt.Sprint(rows), c.text) {
			t.Errorf("%s: %q lacks %q", c.path, rows, c.text)
		}
	}

	// Nudge the idle seller: the page says so, and the seller gets it.
	before := srv.CountTo(7003)
	do("nudge", chromedp.Click(chromedp.Search(`//tr[td/a[text()="telegram:7003"]]//button`)), chromedp.WaitVisible(chromedp.CSS("#notice")))
	notice, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#notice")))
	if err != nil || !strings.Contains(notice, "queued") {
		t.Errorf("notice after the nudge: %q, %v", notice, err)
	}
	if !srv.Wait(10*time.Second, func() bool {
		sent := srv.SentTo(7003)
		return len(sent) > before && strings.Contains(sent[len(sent)-1].Text, "reminder")
	}) {
		t.Errorf("the nudge did not reach the seller: %+v", srv.SentTo(7003))
	}

	// One seller's page, on a phone.
	do("seller page", chromedp.Navigate(fmt.Sprintf("%s/admin/seller/%d?lang=zh", base, ids[7001])), chromedp.WaitVisible(chromedp.CSS("#checklist table")))
	if checklist := table("checklist"); !strings.Contains(fmt.Sprint(checklist), "REF-<b>1</b>") {
		t.Errorf("the seller's checklist: %q", checklist)
	}
	shoot("seller.png")
}

// browserContext starts headless Chromium with a fresh profile, the size
// of a phone, nothing fetched from the network but the pages.
func browserContext(t *testing.T) (context.Context, context.CancelFunc) {
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(412, 915),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	return ctx, func() { cancelTimeout(); cancelCtx(); cancelAlloc() }
}

// TestDashboardLinkFromTheShell: dashboard-link prints a one-time link at
// ONBOARD_PUBLIC_URL for an admin, and refuses anyone else.
func TestDashboardLinkFromTheShell(t *testing.T) {
	db := filepath.Join(t.TempDir(), "onboard.db")
	env := map[string]string{"ONBOARD_DB": db, "ONBOARD_ADMINS": "telegram:1000,slack:U1", "ONBOARD_PUBLIC_URL": "https://bot.example.com/"}
	code, out, errOut := run(t, env, "", "dashboard-link", "--admin", "slack:U1")
	if code != 0 || !regexp.MustCompile(`^https://bot\.example\.com/admin/login\?token=[A-Za-z0-9_-]{43}\n`).MatchString(out) {
		t.Errorf("exit %d: %q %s", code, out, errOut)
	}
	for _, c := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"not an admin", env, []string{"--admin", "telegram:2"}, "not an admin"},
		{"no admin", env, nil, "usage"},
		{"a bad public URL", map[string]string{"ONBOARD_DB": db, "ONBOARD_ADMINS": "telegram:1000", "ONBOARD_PUBLIC_URL": "ftp://x"}, []string{"--admin", "telegram:1000"}, "ONBOARD_PUBLIC_URL"},
	} {
		code, out, errOut := run(t, c.env, "", append([]string{"dashboard-link"}, c.args...)...)
		if code == 0 || !strings.Contains(errOut, c.want) || strings.Contains(out, "token=") {
			t.Errorf("%s: exit %d, %q %q", c.name, code, out, errOut)
		}
	}
	// Without ONBOARD_PUBLIC_URL the link is on ONBOARD_ADDR.
	code, out, _ = run(t, map[string]string{"ONBOARD_DB": db, "ONBOARD_ADMINS": "telegram:1000", "ONBOARD_ADDR": "127.0.0.1:9999"}, "", "dashboard-link", "--admin", "telegram:1000")
	if code != 0 || !strings.HasPrefix(out, "http://127.0.0.1:9999/admin/login?token=") {
		t.Errorf("default base: %q", out)
	}
}
