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
	"syscall"
	"time"

	"github.com/onboardbot/onboardbot/adapters/metrics"
	"github.com/onboardbot/onboardbot/adapters/platform"
	"github.com/onboardbot/onboardbot/adapters/slack"
	"github.com/onboardbot/onboardbot/adapters/telegram"
	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/bot/admin"
	"github.com/onboardbot/onboardbot/bot/outbox"
	"github.com/onboardbot/onboardbot/bot/schedule"
	"github.com/onboardbot/onboardbot/data/sqlite"
	"github.com/onboardbot/onboardbot/flows"
	"golang.org/x/sync/errgroup"
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
	slackSecret   string
	slackApp      string
	slackURL      string
	slackRate     float64
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
		slackSecret:   m.Getenv("SLACK_SIGNING_SECRET"),
		slackApp:      m.Getenv("SLACK_APP_TOKEN"),
		slackURL:      m.env("SLACK_API_URL", slack.DefaultAPIURL),
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
	slackRate, err := positive(m.env("ONBOARD_SLACK_RATE", "10"))
	if err != nil {
		errs = append(errs, fmt.Errorf("ONBOARD_SLACK_RATE: %w", err))
	}
	c.slackRate = slackRate
	if u, err := url.Parse(c.slackURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("SLACK_API_URL %q is not an http(s) URL", c.slackURL))
	}
	if c.slackToken != "" && c.slackSecret == "" && c.slackApp == "" {
		errs = append(errs, errors.New("SLACK_BOT_TOKEN is set but neither SLACK_SIGNING_SECRET (Events API over HTTP) nor SLACK_APP_TOKEN (Socket Mode) is"))
	}
	if c.slackToken == "" && (c.slackSecret != "" || c.slackApp != "") {
		errs = append(errs, errors.New("SLACK_SIGNING_SECRET or SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN is not"))
	}
	if c.tgToken == "" && c.slackToken == "" {
		errs = append(errs, errors.New("nothing to serve: set TELEGRAM_BOT_TOKEN or SLACK_BOT_TOKEN (see the README); `onboardbot chat` needs no token"))
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
func (m *Main) reloadOnHangup(ctx context.Context, core *bot.Core, log *slog.Logger) {
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
			continue
		}
		core.SetCatalog(catalog)
		changes, err := core.SyncRules(ctx)
		if err != nil {
			log.Error("rules reloaded, but sellers could not all be updated", "err", err)
		}
		log.Info("rules reloaded", "markets", len(catalog.Markets()), "changed", len(changes))
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
	catalog, err := m.rules()
	if err != nil {
		return err
	}
	store, err := sqlite.Open(ctx, cfg.db, sqlite.WithLogger(log))
	if err != nil {
		return err
	}
	defer store.Close()
	obs := metrics.New(store, log)
	hub := outbox.NewHub()
	adm := admin.New(store, cfg.admins, admin.WithClock(m.Now), admin.WithLogger(log), admin.WithNotifier(hub))
	core := bot.New(store, catalog, bot.WithClock(m.Now), bot.WithLogger(log), bot.WithAdmins(adm),
		bot.WithObserver(obs), bot.WithNotifier(hub))
	if _, err := core.SyncRules(ctx); err != nil {
		return fmt.Errorf("serve: bring sellers to the current rules: %w", err)
	}

	mux := http.NewServeMux()
	mux.Handle("GET /metrics", obs.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})

	adapters, err := m.adapters(ctx, cfg, core, log)
	if err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	g, gctx := errgroup.WithContext(runCtx)
	run := func(name string, f func(context.Context) error) {
		g.Go(func() error {
			if err := f(gctx); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			return nil
		})
	}
	// Each adapter: its routes or its intake loop, and a dispatcher for its
	// outbox that the hub wakes when the core queues messages for it.
	editors := map[string]bot.Editor{}
	var modes []any
	for _, a := range adapters {
		modes = append(modes, a.Name(), a.Mount(mux))
		editors[a.Name()] = a
		d := outbox.NewDispatcher(store, a.Name(), a, outbox.WithDispatchLogger(log.With("platform", a.Name())), outbox.WithObserver(obs))
		hub.Add(a.Name(), d)
		run(a.Name()+" dispatcher", d.Run)
		run(a.Name()+" intake", a.Run)
	}
	run("scheduled jobs", func(ctx context.Context) error {
		return schedule.Run(ctx, log, adm.ProgressJob(editors, 3*time.Second))
	})
	run("rule reload", func(ctx context.Context) error {
		m.reloadOnHangup(ctx, core, log)
		return nil
	})

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
	log.Info("serving", append([]any{"addr", ln.Addr().String()}, modes...)...)

	select {
	case <-gctx.Done():
		if err = context.Cause(gctx); errors.Is(err, context.Canceled) {
			err = nil // a signal, not a failure
		} else {
			log.Error("stopped", "err", err)
		}
	case err = <-serveErr:
		log.Error("http server stopped", "err", err)
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Warn("http shutdown", "err", err)
	}
	stop()
	if werr := g.Wait(); werr != nil && err == nil {
		err = werr
	}
	log.Info("stopped")
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// adapters connects to every platform whose credentials are set.
func (m *Main) adapters(ctx context.Context, cfg serveConfig, core *bot.Core, log *slog.Logger) ([]platform.Adapter, error) {
	var out []platform.Adapter
	if cfg.tgToken != "" {
		a, err := telegram.New(ctx, telegram.Config{
			Token: cfg.tgToken, ServerURL: cfg.tgURL, WebhookSecret: cfg.tgSecret, Rate: cfg.tgRate,
			Logger: log.With("platform", telegram.Platform),
		}, core)
		if err != nil {
			return nil, err
		}
		if err := a.RegisterCommands(ctx); err != nil {
			log.Warn("could not register the Telegram command menu", "err", err)
		}
		out = append(out, a)
	}
	if cfg.slackToken != "" {
		a, err := slack.New(ctx, slack.Config{
			BotToken: cfg.slackToken, APIURL: cfg.slackURL, SigningSecret: cfg.slackSecret, AppToken: cfg.slackApp,
			Rate: cfg.slackRate, Logger: log.With("platform", slack.Platform),
		}, core)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}
