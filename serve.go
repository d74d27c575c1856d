package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/onboardbot/onboardbot/adapters/metrics"
	"github.com/onboardbot/onboardbot/adapters/telegram"
	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data"
	"github.com/onboardbot/onboardbot/flows"
)

// serveConfig is serve's configuration, read from the environment.
type serveConfig struct {
	addr          string
	db            string
	tgToken       string
	tgURL         string
	tgSecret      string
	tgRate        float64
	slackToken    string
	admins        []string
	shutdownGrace time.Duration
}

var webhookSecret = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// serveConfig reads and checks the environment, so a misconfiguration
// stops the program at start with a message that says what to fix.
// Secrets never appear in the messages.
func (m *Main) serveConfig() (serveConfig, error) {
	c := serveConfig{
		addr:          m.env("ONBOARD_ADDR", "127.0.0.1:8080"),
		db:            m.env("ONBOARD_DB", "onboard.db"),
		tgToken:       m.Getenv("TELEGRAM_BOT_TOKEN"),
		tgURL:         m.env("TELEGRAM_API_URL", telegram.DefaultServerURL),
		tgSecret:      m.Getenv("TELEGRAM_WEBHOOK_SECRET"),
		slackToken:    m.Getenv("SLACK_BOT_TOKEN"),
		shutdownGrace: 10 * time.Second,
	}
	admins, err := m.admins()
	c.admins = admins
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}
	if _, _, err := net.SplitHostPort(c.addr); err != nil {
		errs = append(errs, fmt.Errorf("ONBOARD_ADDR %q is not host:port", c.addr))
	}
	rate, err := positive(m.env("ONBOARD_TELEGRAM_RATE", "25"))
	if err != nil {
		errs = append(errs, fmt.Errorf("ONBOARD_TELEGRAM_RATE: %w", err))
	}
	c.tgRate = rate
	if u, err := url.Parse(c.tgURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("TELEGRAM_API_URL %q is not an http(s) URL", c.tgURL))
	}
	if c.tgSecret != "" && !webhookSecret.MatchString(c.tgSecret) {
		errs = append(errs, errors.New("TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)"))
	}
	if c.tgSecret != "" && c.tgToken == "" {
		errs = append(errs, errors.New("TELEGRAM_WEBHOOK_SECRET is set but TELEGRAM_BOT_TOKEN is not"))
	}
	if c.tgToken == "" {
		if c.slackToken != "" {
			errs = append(errs, errors.New("SLACK_BOT_TOKEN is set, but the Slack adapter is not in this build yet; set TELEGRAM_BOT_TOKEN"))
		} else {
			errs = append(errs, errors.New("nothing to serve: set TELEGRAM_BOT_TOKEN (see the README); `onboardbot chat` needs no token"))
		}
	}
	return c, errors.Join(errs...)
}

func positive(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || f > 10000 {
		return 0, fmt.Errorf("%q is not a positive number of messages per second", s)
	}
	return f, nil
}

// reloadOnHangup reloads the market rules on SIGHUP. A rule set that does
// not load leaves the old one in force, and admins are told why (file and
// line); a good one replaces it and sellers' checklists follow.
func (m *Main) reloadOnHangup(ctx context.Context, core *bot.Core, log *slog.Logger, notify func()) {
	hup := m.Hangup
	if hup == nil {
		hup = make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		defer signal.Stop(hup)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		catalog, err := m.rules()
		if err != nil {
			log.Error("rule reload failed; the old rules stay in force", "err", err)
			msg := flows.Textf(flows.Text{ZH: "⚠️ 规则重新加载失败,旧规则继续生效:\n%s", EN: "⚠️ Reloading the rules failed; the old rules stay in force:\n%s"}, err.Error())
			if err := core.TellAdmins(ctx, msg); err != nil {
				log.Error("tell admins", "err", err)
			}
			notify()
			continue
		}
		core.SetCatalog(catalog)
		changes, err := core.SyncRules(ctx)
		if err != nil {
			log.Error("rules reloaded, but sellers could not all be updated", "err", err)
		}
		log.Info("rules reloaded", "markets", len(catalog.Markets()), "changed", len(changes))
		notify()
	}
}

// serve runs the platform adapters, the HTTP server and the dispatchers
// until ctx is done, then shuts down in order: intake stops, work in hand
// is committed, unsent messages stay in the outbox.
func (m *Main) serve(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := m.serveConfig()
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	log := slog.New(slog.NewTextHandler(m.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if cfg.slackToken != "" {
		log.Warn("SLACK_BOT_TOKEN is set, but the Slack adapter is not in this build yet: serving Telegram only")
	}
	catalog, err := m.rules()
	if err != nil {
		return err
	}
	store, err := data.Open(ctx, cfg.db)
	if err != nil {
		return err
	}
	defer store.Close()
	obs := metrics.New(store, log)
	core := bot.New(store, catalog, bot.WithClock(m.Now), bot.WithLogger(log), bot.WithAdmins(cfg.admins), bot.WithObserver(obs))
	if _, err := core.SyncRules(ctx); err != nil {
		return fmt.Errorf("serve: bring sellers to the current rules: %w", err)
	}

	mux := http.NewServeMux()
	mux.Handle("GET /metrics", obs.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})

	var wg sync.WaitGroup
	defer wg.Wait()
	runCtx, stop := context.WithCancel(ctx)
	defer stop()

	fatal := make(chan error, 1)
	var disp *bot.Dispatcher
	tgAdapter, err := telegram.New(ctx, telegram.Config{
		Token: cfg.tgToken, ServerURL: cfg.tgURL, WebhookSecret: cfg.tgSecret, Rate: cfg.tgRate,
		Logger: log.With("platform", telegram.Platform), Notify: func() { disp.Notify() },
	}, core, store)
	if err != nil {
		return err
	}
	disp = bot.NewDispatcher(store, telegram.Platform, tgAdapter, bot.WithDispatchLogger(log.With("platform", telegram.Platform)), bot.WithDispatchObserver(obs))
	if err := tgAdapter.RegisterCommands(ctx); err != nil {
		log.Warn("could not register the command menu", "err", err)
	}
	mode := "long polling"
	if cfg.tgSecret != "" {
		mode = "webhook at POST /telegram/webhook"
		mux.Handle("POST /telegram/webhook", tgAdapter.WebhookHandler())
	} else {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := tgAdapter.Poll(runCtx); err != nil {
				fatal <- err
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = disp.Run(runCtx)
	}()
	notifyAll := func() { disp.Notify() }
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = core.RunProgress(runCtx, map[string]bot.Editor{telegram.Platform: tgAdapter}, 3*time.Second, notifyAll)
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		m.reloadOnHangup(runCtx, core, log, notifyAll)
	}()

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		stop()
		return fmt.Errorf("serve: listen on ONBOARD_ADDR %s: %w", cfg.addr, err)
	}
	srv := &http.Server{
		Handler:           http.MaxBytesHandler(mux, 1<<20),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	log.Info("serving", "addr", ln.Addr().String(), "telegram", mode, "bot", "@"+tgAdapter.Username())

	select {
	case <-runCtx.Done():
	case err = <-serveErr:
		log.Error("http server stopped", "err", err)
	case err = <-fatal:
		log.Error("telegram polling stopped", "err", err)
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Warn("http shutdown", "err", err)
	}
	stop()
	wg.Wait()
	log.Info("stopped")
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
