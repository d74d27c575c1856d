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
