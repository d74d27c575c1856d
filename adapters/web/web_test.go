package web_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/adapters/web"
	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/bot/admin"
	"github.com/onboardbot/onboardbot/data/datatest"
	"github.com/onboardbot/onboardbot/data/sqlite"
)

const boss = "telegram:1000"

var t0 = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

// site is the pages over a real store, with sellers who talked to the
// real core, and a clock the test moves.
type site struct {
	t     *testing.T
	store *sqlite.Store
	core  *bot.Core
	adm   *admin.Admin
	srv   *httptest.Server
	mu    sync.Mutex
	now   time.Time
	// admins is who is an admin for the pages; a test may change it.
	admins []string
}

func (s *site) clock() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now
}

func (s *site) setClock(t time.Time) {
	s.mu.Lock()
	s.now = t
	s.mu.Unlock()
}

func newSite(t *testing.T) *site {
	t.Helper()
	s := &site{t: t, store: datatest.Store(t), now: t0, admins: []string{boss}}
	catalog := datatest.Rules(t)
	s.adm = admin.New(s.store, s.admins, admin.WithClock(s.clock), admin.WithPublicURL("http://pages.test"))
	s.core = bot.New(s.store, catalog, bot.WithClock(s.clock), bot.WithAdmins(s.adm))
	s.srv = httptest.NewServer(s.handler(s.adm))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *site) handler(adm *admin.Admin) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/admin/", web.New(web.Config{Store: s.store, Admin: adm, Catalog: s.core.Catalog, Now: s.clock}).Handler())
	return mux
}

// say sends seller (telegram:<user>) each text, in order.
func (s *site) say(user string, texts ...string) {
	s.t.Helper()
	for _, text := range texts {
		if _, err := s.core.Handle(context.Background(), bot.Inbound{Platform: "telegram", UserID: user, ChatID: user, Text: text}); err != nil {
			s.t.Fatalf("%s says %q: %v", user, text, err)
		}
	}
}

// toChecklist are the answers that take a seller of tiktok-uk to the
// checklist with the beauty category.
var toChecklist = []string{"/lang en", "/onboard tiktok-uk", "1", "0", "1", "1", "2", "1", "beauty"}

// seedSellers: one at the checklist with an SCPN that expires soon, one
// stopped by the entity question, one idle at the first question.
func (s *site) seedSellers() {
	s.t.Helper()
	s.say("201", append(toChecklist, "/done scpn REF-<b>1</b> 2026-11-20")...)
	s.say("202", "/lang zh", "/onboard tiktok-uk", "individual")
	s.say("203", "/lang en", "/onboard tiktok-uk")
}

// browser is an HTTP client with its own cookies that does not follow
// redirects, so a test sees each answer.
type browser struct {
	t      *testing.T
	site   *site
	client *http.Client
}

func (s *site) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: s.t, site: s, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func (b *browser) get(path string) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.site.srv.URL+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.site.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// link asks for a login link as /dashboard would and returns its token.
func (s *site) link() string {
	s.t.Helper()
	link, err := s.adm.LoginLink(context.Background(), boss)
	if err != nil {
		s.t.Fatal(err)
	}
	u, err := url.Parse(link)
	if err != nil || u.Host != "pages.test" || u.Path != admin.LoginPath {
		s.t.Fatalf("link %q", link)
	}
	return u.Query().Get("token")
}

// login signs b in with a fresh link and returns the CSRF token of its
// pages.
func (b *browser) login() string {
	b.t.Helper()
	token := b.site.link()
	resp, body := b.get(admin.LoginPath + "?token=" + url.QueryEscape(token))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `name="token"`) {
		b.t.Fatalf("login form: %d %s", resp.StatusCode, body)
	}
	resp, body = b.post(admin.LoginPath, url.Values{"token": {token}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/" {
		b.t.Fatalf("login: %d %s", resp.StatusCode, body)
	}
	resp, body = b.get("/admin/")
	if resp.StatusCode != http.StatusOK {
		b.t.Fatalf("funnel after login: %d %s", resp.StatusCode, body)
	}
	return csrfOf(b.t, body)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token in the page:\n%s", body)
	}
	return m[1]
}

// cells lists the text of a page's table cells, row by row.
func cells(body, tableID string) [][]string {
	start := strings.Index(body, `<section id="`+tableID+`">`)
	if start < 0 {
		return nil
	}
	section := body[start:]
	section = section[:strings.Index(section, "</section>")]
	var rows [][]string
	for _, tr := range regexp.MustCompile(`(?s)<tr>(.*?)</tr>`).FindAllStringSubmatch(section, -1) {
		var row []string
		for _, td := range regexp.MustCompile(`(?s)<td[^>]*>(.*?)</td>`).FindAllStringSubmatch(tr[1], -1) {
			row = append(row, html.UnescapeString(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(td[1], "")))
		}
		if row != nil {
			rows = append(rows, row)
		}
	}
	return rows
}

func TestLoginAndFunnel(t *testing.T) {
	s := newSite(t)
	s.seedSellers()
	s.say("204", toChecklist...)
	b := s.browser()
	b.login()
	cookie := b.client.Jar.Cookies(mustURL(s.srv.URL + "/admin/"))
	if len(cookie) == 0 {
		t.Fatal("no session cookie")
	}
	_, body := b.get("/admin/?lang=en")
	want, err := s.store.Funnel(context.Background(), bot.FunnelFilter{})
	if err != nil || len(want) != 1 {
		t.Fatalf("store funnel: %+v, %v", want, err)
	}
	got := cells(body, "funnel")
	w := want[0]
	if len(got) != 1 || got[0][1] != "tiktok-uk" || got[0][2] != fmt.Sprint(w.Started) || got[0][3] != fmt.Sprint(w.Eligible) ||
		got[0][4] != fmt.Sprint(w.Logistics) || got[0][5] != fmt.Sprint(w.Complete) || got[0][6] != fmt.Sprint(w.Stopped) {
		t.Errorf("funnel table %q, store %+v", got, w)
	}
	if w.Started != 4 || w.Eligible != 2 || w.Stopped != 1 {
		t.Errorf("store funnel %+v: want 4 started, 2 eligible, 1 stopped", w)
	}
	// The chart: one bar per stage, each with its number on it.
	for _, n := range []int{w.Started, w.Eligible, w.Logistics, w.Complete} {
		if !strings.Contains(body, fmt.Sprintf(`class="bar" data-value="%d"`, n)) || !strings.Contains(body, fmt.Sprintf(`class="value">%d</text>`, n)) {
			t.Errorf("no bar of %d in the chart", n)
		}
	}
	for _, label := range []string{"Started", "Eligible", "Checklist", ">sellers<"} {
		if !strings.Contains(body, label) {
			t.Errorf("the chart has no %q", label)
		}
	}
	// In Chinese, and filtered: nobody on Slack; started on a day nobody did.
	_, body = b.get("/admin/?lang=zh")
	if !strings.Contains(body, "符合资质") || !strings.Contains(body, "TikTok Shop") {
		t.Errorf("no Chinese funnel:\n%s", body)
	}
	if _, body = b.get("/admin/?platform=slack"); len(cells(body, "funnel")) != 0 {
		t.Errorf("Slack funnel: %q", cells(body, "funnel"))
	}
	if _, body = b.get("/admin/?from=2026-11-02"); len(cells(body, "funnel")) != 0 {
		t.Errorf("funnel from a later day: %q", cells(body, "funnel"))
	}
	if _, body = b.get("/admin/?from=2026-11-01&to=2026-11-01&platform=telegram&market=tiktok-uk"); len(cells(body, "funnel")) != 1 {
		t.Errorf("funnel of that day: %q", cells(body, "funnel"))
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// The session cookie is HttpOnly, SameSite=Strict, for /admin/ only, 12
// hours long, and Secure when the public URL is https.
func TestSessionCookie(t *testing.T) {
	for _, secure := range []bool{false, true} {
		s := newSite(t)
		h := web.New(web.Config{Store: s.store, Admin: s.adm, Catalog: s.core.Catalog, Now: s.clock, Secure: secure}).Handler()
		token := s.link()
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, admin.LoginPath, strings.NewReader("token="+token))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		h.ServeHTTP(rec, req)
		cookies := rec.Result().Cookies()
		if rec.Code != http.StatusSeeOther || len(cookies) != 1 {
			t.Fatalf("login: %d, cookies %v", rec.Code, cookies)
		}
		c := cookies[0]
		if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/admin/" || c.MaxAge != 12*3600 || c.Secure != secure || len(c.Value) < 40 {
			t.Errorf("secure=%v: cookie %+v", secure, c)
		}
		for _, h := range []string{"Content-Security-Policy", "X-Frame-Options", "Referrer-Policy", "Cache-Control"} {
			if rec.Header().Get(h) == "" {
				t.Errorf("no %s header", h)
			}
		}
	}
}

// Each page shows what the store holds, in both languages.
func TestPages(t *testing.T) {
	s := newSite(t)
	s.seedSellers()
	// An announcement to the market, with HTML in its text.
	s.say("1000", "/lang en")
	_, err := s.adm.Announce(context.Background(), s.core.Catalog(), bot.Announcement{Markets: []string{"tiktok-uk"},
		Text: bot.Announcement{}.Text, CreatedBy: "shell"}, false)
	if err == nil {
		t.Fatal("an empty announcement was queued")
	}
	a := bot.Announcement{Markets: []string{"tiktok-uk"}, CreatedBy: "shell"}
	a.Text.ZH, a.Text.EN = "新规 <img src=x onerror=alert(1)>", "New rule <script>alert(1)</script>"
	if _, err := s.adm.Announce(context.Background(), s.core.Catalog(), a, false); err != nil {
		t.Fatal(err)
	}
	s.setClock(t0.AddDate(0, 0, 10))
	b := s.browser()
	b.login()
	sellerID := func(user string) int64 {
		var id int64
		err := s.store.Update(context.Background(), func(tx bot.Tx) error {
			sel, err := tx.Seller(context.Background(), "telegram", user)
			id = sel.ID
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	for _, c := range []struct {
		path, table string
		want        [][]string // each row's leading cells
	}{
		{"/admin/stuck?lang=en", "stuck", [][]string{{"telegram:201", "TikTok Shop UK (cross-border)", "certification checklist"}, {"telegram:203", "TikTok Shop UK (cross-border)", "eligibility"}}},
		{"/admin/stuck?days=11", "stuck", nil},
		{"/admin/stops?lang=en", "stops", [][]string{{"TikTok Shop UK (cross-border)", "Who will open the shop?", "1"}}},
		{"/admin/expiring?days=30", "expiring", [][]string{{"2026-11-20", "telegram:201", "TikTok Shop UK (cross-border)", "", "REF-<b>1</b>"}}},
		{"/admin/announcements", "announcements", [][]string{{"1", "", "shell", "TikTok Shop UK (cross-border)", "新规 <img src=x onerror=alert(1)>", "New rule <script>alert(1)</script>", "3"}}},
		{fmt.Sprintf("/admin/seller/%d", sellerID("201")), "seller", [][]string{{"telegram", "201", "en"}}},
	} {
		resp, body := b.get(c.path)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", c.path, resp.StatusCode)
			continue
		}
		got := cells(body, c.table)
		if len(got) != len(c.want) {
			t.Errorf("%s: rows %q, want %q", c.path, got, c.want)
			continue
		}
		for i, row := range c.want {
			for j, v := range row {
				if v != "" && got[i][j] != v {
					t.Errorf("%s: row %d cell %d is %q, want %q (row %q)", c.path, i, j, got[i][j], v, got[i])
				}
			}
		}
		// Seller-written and admin-written text is escaped wherever it shows.
		for _, raw := range []string{"<script>alert", "<img src=x", "<b>1</b>"} {
			if strings.Contains(body, raw) {
				t.Errorf("%s: %q unescaped", c.path, raw)
			}
		}
	}
	// The checklist items: SCPN done by one seller and expiring within 30 days.
	_, body := b.get("/admin/items?market=tiktok-uk&lang=en")
	found := false
	for _, row := range cells(body, "items") {
		if row[2] == "scpn" {
			found = true
			if row[3] != "0" || row[4] != "1" || row[6] != "1" {
				t.Errorf("scpn counts %q: want 0 open, 1 done, 1 expiring", row)
			}
		}
	}
	if !found {
		t.Errorf("no scpn row: %q", cells(body, "items"))
	}
	// The seller page: markets, answers with times, checklist, messages.
	_, body = b.get(fmt.Sprintf("/admin/seller/%d?lang=en", sellerID("201")))
	for table, least := range map[string]int{"markets": 1, "answers": 9, "checklist": 3, "messages": 9} {
		if n := len(cells(body, table)); n < least {
			t.Errorf("seller page: %d rows of %s, want at least %d", n, table, least)
		}
	}
	if !strings.Contains(body, "REF-&lt;b&gt;1&lt;/b&gt;") {
		t.Error("the certificate number is not shown escaped on the seller page")
	}
	// The history reads in the admin's language: actions in words, a
	// choice by its label, a mark in words (the store keeps ids, and a
	// mark's value in English).
	for lang, want := range map[string][][2]string{
		"en": {{"answered", "Beauty and cosmetics"}, {"marked", "done no. REF-<b>1</b>"}},
		"zh": {{"回答", "美妆个护"}, {"标记", "已完成（编号 REF-<b>1</b>"}},
	} {
		_, body := b.get(fmt.Sprintf("/admin/seller/%d?lang=%s", sellerID("201"), lang))
		for _, w := range want {
			found := false
			for _, row := range cells(body, "answers") {
				found = found || len(row) > 5 && row[2] == w[0] && strings.Contains(row[4], w[1]) && row[5] == "telegram:201" // who did it
			}
			if !found {
				t.Errorf("seller page (%s): no %q row with %q: %q", lang, w[0], w[1], cells(body, "answers"))
			}
		}
	}
	// A colleague joins the company: the seller page's history says so,
	// in the admin's language, with the entries that have no market.
	out, err := s.core.Handle(context.Background(), bot.Inbound{Platform: "telegram", UserID: "201", ChatID: "201", Text: "/invite"})
	if err != nil || len(out) == 0 {
		t.Fatalf("/invite: %v, %+v", err, out)
	}
	code := regexp.MustCompile(`[A-Z0-9]{4}-[A-Z0-9]{4}`).FindString(out[0].Text)
	company := sellerID("201") // the company's row names the account used last: soon 299's
	s.say("299", "join "+code)
	for lang, want := range map[string]string{"en": "joined the team", "zh": "加入了团队"} {
		_, body = b.get(fmt.Sprintf("/admin/seller/%d?lang=%s", company, lang))
		found := false
		for _, row := range cells(body, "answers") {
			found = found || len(row) > 3 && strings.Contains(row[3], want) && (row[1] == "Accounts and team" || row[1] == "账号和团队")
		}
		if !found {
			t.Errorf("seller page (%s): no %q among the answers: %q", lang, want, cells(body, "answers"))
		}
	}
}

// A nudge goes through the outbox once, in the seller's language, with a
// button to continue; a second click sends nothing.
func TestNudge(t *testing.T) {
	s := newSite(t)
	s.seedSellers()
	s.setClock(t0.AddDate(0, 0, 8))
	b := s.browser()
	csrf := b.login()
	var seller bot.Seller
	s.store.Update(context.Background(), func(tx bot.Tx) error {
		var err error
		seller, err = tx.Seller(context.Background(), "telegram", "203")
		return err
	})
	pending := func() []bot.Reply {
		t.Helper()
		p, err := s.store.Pending(context.Background(), "telegram", "203")
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	before := len(pending())
	form := url.Values{"csrf": {csrf}, "seller": {fmt.Sprint(seller.ID)}, "market": {"tiktok-uk"}, "back": {"days=7&evil=https://x"}}
	resp, _ := b.post("/admin/nudge", form)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/stuck?days=7&nudged=0" {
		t.Fatalf("nudge: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	after := pending()
	if len(after) != before+1 {
		t.Fatalf("%d messages pending after the nudge, %d before", len(after), before)
	}
	n := after[len(after)-1]
	if !strings.Contains(n.Text, "reminder") || !strings.Contains(n.Text, "TikTok Shop UK") || len(n.Choices) != 1 || n.Choices[0].Ref.Choice != "onboard tiktok-uk" {
		t.Errorf("nudge %+v", n)
	}
	resp, _ = b.post("/admin/nudge", form)
	if resp.Header.Get("Location") != "/admin/stuck?days=7&nudged=1" || len(pending()) != before+1 {
		t.Errorf("second nudge: to %q, %d pending", resp.Header.Get("Location"), len(pending()))
	}
	_, body := b.get("/admin/stuck?lang=en&nudged=1")
	if !strings.Contains(body, "already nudged") {
		t.Error("no notice of the second nudge")
	}
	for _, row := range cells(body, "stuck") {
		if row[0] == "telegram:203" && !strings.HasPrefix(row[6], "nudged 2026-11-09") {
			t.Errorf("stuck row %q: want nudged", row)
		}
	}
	// A seller who finished is not nudged.
	form.Set("seller", fmt.Sprint(seller.ID-1)) // 202, stopped
	if resp, _ := b.post("/admin/nudge", form); resp.Header.Get("Location") != "/admin/stuck?days=7&nudged=2" {
		t.Errorf("nudge of a stopped seller: to %q", resp.Header.Get("Location"))
	}
}

// Bad input gets a clear 4xx and changes nothing: no session, forged,
// expired or reused links and sessions, a session of someone no longer an
// admin, POSTs without the CSRF token, query parameters out of range.
func TestRefused(t *testing.T) {
	s := newSite(t)
	s.seedSellers()
	b := s.browser()
	csrf := b.login()

	anon := s.browser()
	forged := s.browser()
	forged.client.Jar.SetCookies(mustURL(s.srv.URL+"/admin/"), []*http.Cookie{{Name: "onboard_session", Value: "forged-session-token", Path: "/admin/"}})
	for _, c := range []struct {
		name string
		b    *browser
		path string
	}{
		{"no session", anon, "/admin/"},
		{"no session, another page", anon, "/admin/seller/1"},
		{"no session, a CSV", anon, "/admin/?csv=funnel"},
		{"a forged session", forged, "/admin/stuck"},
	} {
		if resp, body := c.b.get(c.path); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "/dashboard") {
			t.Errorf("%s: %d", c.name, resp.StatusCode)
		}
	}

	// Links: a forged one, one used twice, one expired.
	token := s.link()
	for _, c := range []struct {
		name  string
		token string
		at    time.Time
		want  int
	}{
		{"forged", "AAAAforgedAAAAforgedAAAAforgedAAAAforgedAAA", t0, http.StatusUnauthorized},
		{"empty", "", t0, http.StatusBadRequest},
		{"first use", token, t0.Add(time.Minute), http.StatusSeeOther},
		{"reused", token, t0.Add(2 * time.Minute), http.StatusUnauthorized},
		{"expired", s.link(), t0.Add(10 * time.Minute), http.StatusUnauthorized},
	} {
		s.setClock(c.at)
		if resp, body := s.browser().post(admin.LoginPath, url.Values{"token": {c.token}}); resp.StatusCode != c.want {
			t.Errorf("link %s: %d, want %d: %s", c.name, resp.StatusCode, c.want, body)
		}
	}
	s.setClock(t0)
	// Opening the link (a link preview does) uses nothing.
	fresh := s.link()
	s.browser().get(admin.LoginPath + "?token=" + fresh)
	if resp, _ := s.browser().post(admin.LoginPath, url.Values{"token": {fresh}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a link whose page was fetched first: %d", resp.StatusCode)
	}

	// POSTs without the right CSRF token.
	queued, _ := s.store.Pending(context.Background(), "telegram", "203")
	for _, token := range []string{"", "wrong", csrf + "x"} {
		if resp, _ := b.post("/admin/nudge", url.Values{"csrf": {token}, "seller": {"3"}, "market": {"tiktok-uk"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("nudge with CSRF %q: %d", token, resp.StatusCode)
		}
		if resp, _ := b.post("/admin/logout", url.Values{"csrf": {token}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("logout with CSRF %q: %d", token, resp.StatusCode)
		}
	}
	if p, _ := s.store.Pending(context.Background(), "telegram", "203"); len(p) != len(queued) {
		t.Errorf("a refused nudge queued something: %d pending", len(p))
	}
	// A nudge by GET is not a nudge.
	if resp, _ := b.get("/admin/nudge?csrf=" + csrf + "&seller=3&market=tiktok-uk"); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("nudge by GET: %d", resp.StatusCode)
	}

	// Query parameters out of range.
	for _, path := range []string{
		"/admin/stuck?days=0", "/admin/stuck?days=366", "/admin/stuck?days=abc", "/admin/stuck?days=1e9",
		"/admin/?market=%3Cscript%3E", "/admin/?platform=irc", "/admin/?from=2026-13-01", "/admin/?from=99999-01-01",
		"/admin/?from=2026-11-02&to=2026-11-01", "/admin/expiring?days=45", "/admin/announcements?limit=-1",
		"/admin/seller/abc", "/admin/seller/-1", "/admin/?csv=nope", "/admin/items?market=nowhere",
	} {
		resp, body := b.get(path)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", path, resp.StatusCode)
		}
		if strings.Contains(body, "<script>") {
			t.Errorf("%s: the parameter is echoed unescaped", path)
		}
	}
	if resp, _ := b.get("/admin/seller/999999"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown seller: %d", resp.StatusCode)
	}

	// The session expires after 12 hours.
	s.setClock(t0.Add(12 * time.Hour))
	if resp, _ := b.get("/admin/"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a session 12 hours old: %d", resp.StatusCode)
	}
	s.setClock(t0)

	// Someone removed from ONBOARD_ADMINS: their session ends.
	c := s.browser()
	c.login()
	removed := httptest.NewServer(s.handler(admin.New(s.store, []string{"telegram:2000"}, admin.WithClock(s.clock))))
	defer removed.Close()
	req, _ := http.NewRequest(http.MethodGet, removed.URL+"/admin/", nil)
	for _, ck := range c.client.Jar.Cookies(mustURL(s.srv.URL + "/admin/")) {
		req.AddCookie(ck)
	}
	if resp, body := c.do(req); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "ONBOARD_ADMINS") {
		t.Errorf("a removed admin: %d", resp.StatusCode)
	}
	if resp, _ := c.get("/admin/"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the removed admin's session still works after being restored: %d", resp.StatusCode)
	}
	// A link for someone who is not an admin is never made.
	if _, err := s.adm.LoginLink(context.Background(), "telegram:2000"); err == nil {
		t.Error("a link for a non-admin")
	}

	// Signing out ends the session.
	if resp, _ := b.post("/admin/logout", url.Values{"csrf": {csrf}}); resp.StatusCode != http.StatusOK {
		t.Errorf("logout: %d", resp.StatusCode)
	}
	if resp, _ := b.get("/admin/"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("after logout: %d", resp.StatusCode)
	}
}

// Every table downloads as CSV in UTF-8 with a byte-order mark; a cell a
// spreadsheet would take for a formula is defused.
func TestCSV(t *testing.T) {
	s := newSite(t)
	s.seedSellers()
	s.say("205", append(toChecklist, "/done scpn =HYPERLINK(1) 2026-11-21")...)
	s.setClock(t0.AddDate(0, 0, 1))
	b := s.browser()
	b.login()
	for _, path := range []string{"/admin/?csv=funnel&lang=zh", "/admin/stuck?csv=stuck&days=1", "/admin/stops?csv=stops", "/admin/items?csv=items",
		"/admin/expiring?csv=expiring", "/admin/announcements?csv=announcements", "/admin/seller/1?csv=answers"} {
		resp, body := b.get(path)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
			!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("%s: %d %s", path, resp.StatusCode, resp.Header)
			continue
		}
		if !strings.HasPrefix(body, "\ufeff") || strings.Count(body, "\n") < 1 {
			t.Errorf("%s: %q", path, body)
		}
	}
	_, body := b.get("/admin/?csv=funnel&lang=zh")
	if !strings.Contains(body, "市场,ID,开始,符合资质") || !strings.Contains(body, "tiktok-uk,4,") {
		t.Errorf("funnel CSV: %q", body)
	}
	_, body = b.get("/admin/expiring?csv=expiring")
	if !strings.Contains(body, "'=HYPERLINK(1)") {
		t.Errorf("a formula in a CSV cell: %q", body)
	}
}

// /dashboard in chat answers an admin with a working one-time link, in
// their language; anyone else is refused and gets none.
func TestDashboardCommand(t *testing.T) {
	s := newSite(t)
	s.say("1000", "/lang zh", "/dashboard")
	s.say("555", "/dashboard")
	last := func(chat string) string {
		t.Helper()
		p, err := s.store.Pending(context.Background(), "telegram", chat)
		if err != nil || len(p) == 0 {
			t.Fatalf("nothing for %s: %v", chat, err)
		}
		return p[len(p)-1].Text
	}
	answer := last("1000")
	link := regexp.MustCompile(`http://pages\.test/admin/login\?token=([A-Za-z0-9_-]{43})`).FindStringSubmatch(answer)
	if link == nil || !strings.Contains(answer, "10 分钟") {
		t.Fatalf("the admin's answer: %q", answer)
	}
	if other := last("555"); strings.Contains(other, "token=") {
		t.Errorf("a seller got a link: %q", other)
	}
	b := s.browser()
	if resp, _ := b.post(admin.LoginPath, url.Values{"token": {link[1]}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the link from chat: %d", resp.StatusCode)
	}
	// The session is in the admin's language.
	if _, body := b.get("/admin/stops"); !strings.Contains(body, "卖家为什么没通过") {
		t.Errorf("not in Chinese:\n%.500s", body)
	}
}
