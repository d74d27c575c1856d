// Package web is the admins' pages under /admin/: who is stuck where, why
// sellers stop, the checklist items, expiring certificates, announcements
// and one seller, rendered on the server (html/template, the funnel chart
// as SVG), in Chinese and English, readable on a phone. Admins sign in by a
// one-time link from the bot (/dashboard) or the shell (onboardbot
// dashboard-link); a session lasts 12 hours and ends as soon as its admin
// leaves ONBOARD_ADMINS. What changes something (a nudge) is a POST that
// carries the session's CSRF token.
package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/bot/admin"
	"github.com/onboardbot/onboardbot/flows"
)

// Config is what the pages need.
type Config struct {
	Store   bot.Store
	Admin   *admin.Admin
	Catalog func() *flows.Catalog
	// Secure marks the cookies Secure: set it when the public URL is https.
	Secure bool
	Now    func() time.Time
	Logger *slog.Logger
}

// Server serves the admins' pages.
type Server struct {
	cfg Config
	mux *http.ServeMux
}

// Cookie names.
const (
	sessionCookie = "onboard_session"
	langCookie    = "onboard_lang"
)

// New returns the pages over cfg.
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /admin/login", s.loginForm)
	s.mux.HandleFunc("POST /admin/login", s.login)
	s.mux.HandleFunc("GET /admin/style.css", style)
	s.mux.Handle("POST /admin/logout", s.authed(s.logout))
	s.mux.Handle("POST /admin/nudge", s.authed(s.nudge))
	for path, build := range map[string]builder{
		"/admin/{$}":           s.funnelPage,
		"/admin/stuck":         s.stuckPage,
		"/admin/stops":         s.stopsPage,
		"/admin/items":         s.itemsPage,
		"/admin/expiring":      s.expiringPage,
		"/admin/announcements": s.announcementsPage,
		"/admin/seller/{id}":   s.sellerPage,
	} {
		s.mux.Handle("GET "+path, s.authed(s.page(build)))
	}
	return s
}

// Handler serves everything under /admin/, with the headers every page
// gets: no caching, no framing, no referrer (a login link carries its
// token), and a content policy that runs no script at all.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		s.mux.ServeHTTP(w, r)
	})
}

// request is one authenticated request.
type request struct {
	*http.Request
	session bot.Session
	lang    flows.Lang
}

// t picks the text in the request's language.
func (r *request) t(zh, en string) string { return flows.Text{ZH: zh, EN: en}.In(r.lang) }

type authedFunc func(w http.ResponseWriter, r *request)

// authed serves h only with a live session of someone still an admin;
// POSTs must carry the session's CSRF token too.
func (s *Server) authed(h authedFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := requestLang(r, "")
		c, err := r.Cookie(sessionCookie)
		if err != nil || c.Value == "" {
			s.refuse(w, lang, http.StatusUnauthorized, "no session")
			return
		}
		hash := admin.HashToken(c.Value)
		sess, err := s.cfg.Store.Session(r.Context(), hash)
		if errors.Is(err, bot.ErrNotFound) {
			s.refuse(w, lang, http.StatusUnauthorized, "unknown session")
			return
		}
		if err != nil {
			s.fail(w, lang, "load session", err)
			return
		}
		if !s.cfg.Now().Before(sess.ExpiresAt) {
			s.refuse(w, lang, http.StatusUnauthorized, "session expired")
			return
		}
		if !s.cfg.Admin.IsAdminKey(sess.Admin) {
			// Removed from ONBOARD_ADMINS: the session ends here.
			s.cfg.Logger.Warn("dashboard session of someone no longer an admin refused", "admin", sess.Admin)
			if err := s.cfg.Store.Update(r.Context(), func(tx bot.Tx) error { return tx.DeleteSession(r.Context(), hash) }); err != nil {
				s.cfg.Logger.Error("end session", "err", err)
			}
			s.refuse(w, lang, http.StatusForbidden, "not an admin")
			return
		}
		if r.Method == http.MethodPost {
			got := r.PostFormValue("csrf")
			if subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRF)) != 1 {
				s.cfg.Logger.Warn("dashboard POST without a valid CSRF token refused", "admin", sess.Admin, "path", r.URL.Path)
				s.refuse(w, lang, http.StatusForbidden, "bad csrf")
				return
			}
		}
		req := &request{Request: r, session: sess, lang: requestLang(r, sess.Lang)}
		if l := r.URL.Query().Get("lang"); l == "zh" || l == "en" {
			http.SetCookie(w, &http.Cookie{Name: langCookie, Value: l, Path: "/admin/", MaxAge: 365 * 24 * 3600,
				HttpOnly: true, Secure: s.cfg.Secure, SameSite: http.SameSiteStrictMode})
		}
		h(w, req)
	})
}

// requestLang is the language asked for (?lang=), else the one chosen
// before (a cookie), else def, else English.
func requestLang(r *http.Request, def flows.Lang) flows.Lang {
	if l := r.URL.Query().Get("lang"); l == "zh" || l == "en" {
		return flows.Lang(l)
	}
	if c, err := r.Cookie(langCookie); err == nil && (c.Value == "zh" || c.Value == "en") {
		return flows.Lang(c.Value)
	}
	if def == flows.ZH {
		return def
	}
	return flows.EN
}

// refuse answers a request that may not be served, saying how to sign in.
func (s *Server) refuse(w http.ResponseWriter, lang flows.Lang, status int, why string) {
	s.cfg.Logger.Info("dashboard request refused", "status", status, "why", why)
	msg := flows.Text{
		ZH: "请先登录：在聊天里给机器人发 /dashboard，点它回复的链接（10 分钟内有效，只能用一次）。",
		EN: "Please sign in: send /dashboard to the bot in chat and open the link it answers with (valid for 10 minutes, once).",
	}
	if status == http.StatusForbidden && why == "not an admin" {
		msg = flows.Text{ZH: "你已不在管理员名单（ONBOARD_ADMINS）里，会话已结束。", EN: "You are no longer an admin (ONBOARD_ADMINS): the session has ended."}
	} else if status == http.StatusForbidden {
		msg = flows.Text{ZH: "这个表单已失效，请重新打开页面再试。", EN: "This form is no longer valid: open the page again and retry."}
	}
	s.message(w, lang, status, msg)
}

// fail answers a request the store could not serve.
func (s *Server) fail(w http.ResponseWriter, lang flows.Lang, what string, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	s.cfg.Logger.Error("dashboard: "+what, "err", err)
	s.message(w, lang, http.StatusInternalServerError, flows.Text{ZH: "出错了，请稍后再试。", EN: "Something went wrong; please try again later."})
}

// badRequest answers a query parameter out of range.
func (s *Server) badRequest(w http.ResponseWriter, lang flows.Lang, msg flows.Text) {
	s.message(w, lang, http.StatusBadRequest, msg)
}

// loginForm shows a button that takes the link: following a link signs
// nobody in, so a link preview or a scanner that fetches it uses nothing.
func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	lang := requestLang(r, "")
	token := r.URL.Query().Get("token")
	if token == "" || len(token) > 100 {
		s.refuse(w, lang, http.StatusBadRequest, "login link without a token")
		return
	}
	s.render(w, http.StatusOK, view{Lang: lang, Title: flows.Text{ZH: "登录管理后台", EN: "Sign in to the admin pages"}.In(lang),
		Login: token})
}

// login takes a one-time link and starts a session.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	lang := requestLang(r, "")
	token := r.PostFormValue("token")
	if token == "" || len(token) > 100 {
		s.refuse(w, lang, http.StatusBadRequest, "login without a token")
		return
	}
	now := s.cfg.Now().UTC()
	sessToken, sessHash := admin.NewToken()
	csrf, _ := admin.NewToken()
	var sess bot.Session
	err := s.cfg.Store.Update(r.Context(), func(tx bot.Tx) error {
		l, err := tx.UseLogin(r.Context(), admin.HashToken(token), now)
		if err != nil {
			return err
		}
		if !s.cfg.Admin.IsAdminKey(l.Admin) {
			return errNotAdmin
		}
		sess = bot.Session{Hash: sessHash, Admin: l.Admin, CSRF: csrf, Lang: flows.EN, CreatedAt: now, ExpiresAt: now.Add(admin.SessionTTL)}
		platform, user, _ := strings.Cut(l.Admin, ":")
		if seller, err := tx.Seller(r.Context(), platform, user); err == nil {
			sess.Lang = seller.Lang
		}
		return tx.CreateSession(r.Context(), sess)
	})
	switch {
	case errors.Is(err, bot.ErrNotFound):
		s.cfg.Logger.Warn("dashboard login with an unknown, used or expired link refused")
		s.message(w, lang, http.StatusUnauthorized, flows.Text{
			ZH: "这个登录链接无效、已用过或已过期。请在聊天里重新发 /dashboard 获取新链接。",
			EN: "This login link is unknown, used or expired. Send /dashboard to the bot again for a new one."})
		return
	case errors.Is(err, errNotAdmin):
		s.refuse(w, lang, http.StatusForbidden, "not an admin")
		return
	case err != nil:
		s.fail(w, lang, "login", err)
		return
	}
	s.cfg.Logger.Info("dashboard session started", "admin", sess.Admin)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sessToken, Path: "/admin/", MaxAge: int(admin.SessionTTL.Seconds()),
		HttpOnly: true, Secure: s.cfg.Secure, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/admin/", http.StatusSeeOther)
}

var errNotAdmin = errors.New("not an admin")

// logout ends the session.
func (s *Server) logout(w http.ResponseWriter, r *request) {
	err := s.cfg.Store.Update(r.Context(), func(tx bot.Tx) error { return tx.DeleteSession(r.Context(), r.session.Hash) })
	if err != nil {
		s.fail(w, r.lang, "logout", err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/admin/", MaxAge: -1, HttpOnly: true, Secure: s.cfg.Secure, SameSite: http.SameSiteStrictMode})
	s.message(w, r.lang, http.StatusOK, flows.Text{ZH: "已退出。", EN: "Signed out."})
}

// nudge sends a stuck seller a reminder, then goes back to the list.
func (s *Server) nudge(w http.ResponseWriter, r *request) {
	id, err := parseID(r.PostFormValue("seller"))
	market := r.PostFormValue("market")
	if err != nil || market == "" {
		s.badRequest(w, r.lang, flows.Text{ZH: "缺少卖家或市场。", EN: "The seller or the market is missing."})
		return
	}
	seller, err := s.cfg.Store.SellerByID(r.Context(), id)
	if errors.Is(err, bot.ErrNotFound) {
		s.badRequest(w, r.lang, flows.Text{ZH: "没有这个卖家。", EN: "No such seller."})
		return
	}
	if err != nil {
		s.fail(w, r.lang, "nudge", err)
		return
	}
	if _, ok := s.cfg.Catalog().Market(market); !ok {
		s.badRequest(w, r.lang, flows.Text{ZH: "没有这个市场。", EN: "No such market."})
		return
	}
	res, err := s.cfg.Admin.Nudge(r.Context(), s.cfg.Catalog(), r.session.Admin, seller, market)
	if err != nil {
		s.fail(w, r.lang, "nudge", err)
		return
	}
	back := "/admin/stuck?" + safeQuery(r.PostFormValue("back")) + "&nudged=" + fmt.Sprint(int(res))
	http.Redirect(w, r.Request, back, http.StatusSeeOther)
}
