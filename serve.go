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
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/onboardbot/onboardbot/adapters/health"
	"github.com/onboardbot/onboardbot/adapters/metrics"
	"github.com/onboardbot/onboardbot/adapters/platform"
	"github.com/onboardbot/onboardbot/adapters/slack"
	"github.com/onboardbot/onboardbot/adapters/telegram"
	"github.com/onboardbot/onboardbot/adapters/web"
	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/bot/admin"
	"github.com/onboardbot/onboardbot/bot/outbox"
	"github.com/onboardbot/onboardbot/bot/schedule"
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
	retention     schedule.Retention
	publicURL     string
	reminding     bot.Reminding
}

// serveConfig reads and checks the environment, so a misconfiguration
// stops the program at start with a message that says what to fix.
// Tokens and secrets are read without surrounding whitespace and never
// appear in the messages.
func (m *Main) serveConfig() (serveConfig, error) {
	c := serveConfig{
		addr:          m.env("ONBOARD_ADDR", "127.0.0.1:8080"),
		db:            m.env("ONBOARD_DB", "onboard.db"),
		tgToken:       m.secret("TELEGRAM_BOT_TOKEN"),
		tgURL:         m.env("TELEGRAM_API_URL", telegram.DefaultServerURL),
		tgSecret:      m.secret("TELEGRAM_WEBHOOK_SECRET"),
		slackToken:    m.secret("SLACK_BOT_TOKEN"),
		slackSecret:   m.secret("SLACK_SIGNING_SECRET"),
		slackApp:      m.secret("SLACK_APP_TOKEN"),
		slackURL:      m.env("SLACK_API_URL", slack.DefaultAPIURL),
		shutdownGrace: 10 * time.Second,
	}
	admins, err := m.admins()
	c.admins = admins
	errs := credentialErrors(c.tgToken, c.tgSecret, c.slackToken, c.slackSecret, c.slackApp)
	if err != nil {
		errs = append(errs, err)
	}
	if _, _, err := net.SplitHostPort(c.addr); err != nil {
		errs = append(errs, fmt.Errorf("ONBOARD_ADDR %q is not host:port", c.addr))
	}
	rate, err := m.rate("ONBOARD_TELEGRAM_RATE", "25")
	if err != nil {
		errs = append(errs, err)
	}
	c.tgRate = rate
	if u, err := url.Parse(c.tgURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("TELEGRAM_API_URL %q is not an http(s) URL", c.tgURL))
	}
	if c.tgSecret != "" && c.tgToken == "" {
		errs = append(errs, errors.New("TELEGRAM_WEBHOOK_SECRET is set but TELEGRAM_BOT_TOKEN is not"))
	}
	slackRate, err := m.rate("ONBOARD_SLACK_RATE", "10")
	if err != nil {
		errs = append(errs, err)
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
	c.retention = schedule.DefaultRetention
	if v := strings.TrimSpace(m.Getenv("ONBOARD_RETENTION")); v != "" {
		if c.retention.Outbox, err = retention(v); err != nil {
			errs = append(errs, fmt.Errorf("ONBOARD_RETENTION: %w", err))
		}
	}
	if c.publicURL, err = m.publicURL(); err != nil {
		errs = append(errs, err)
	}
	if c.reminding, err = m.reminding(); err != nil {
		errs = append(errs, err)
	}
	if c.tgToken == "" && c.slackToken == "" {
		errs = append(errs, errors.New("nothing to serve: set TELEGRAM_BOT_TOKEN or SLACK_BOT_TOKEN (see the README); `onboardbot chat` needs no token"))
	}
	return c, errors.Join(errs...)
}

// retention reads how long delivered messages are kept: days ("30d") or a
// Go duration ("720h"), at least a day, so that a seller who got a
// question today can still answer it by its buttons tomorrow.
func retention(s string) (time.Duration, error) {
	const day = 24 * time.Hour
	d, err := time.ParseDuration(s)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		var days int
		if days, err = strconv.Atoi(n); days > 100*365 {
			err = errors.New("too long")
		}
		d = time.Duration(days) * day
	}
	if err != nil {
		return 0, fmt.Errorf("%q is not a number of days (like 30d) or a duration (like 720h)", s)
	}
	if d < day {
		return 0, fmt.Errorf("%q is shorter than a day", s)
	}
	return d, nil
}

// hangups returns the channel SIGHUP arrives on (Main.Hangup in tests) and
// a function that stops it. serve calls it before it starts its work, so a
// SIGHUP early on is a reload, not the signal's default (the end of the
// process).
func (m *Main) hangups() (<-chan os.Signal, func()) {
	if m.Hangup != nil {
		return m.Hangup, func() {}
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	return hup, func() { signal.Stop(hup) }
}

// reloadOnHangup reloads the market rules on SIGHUP. A rule set that does
// not load (in markets.LoadTimeout at most) leaves the old one in force,
// and admins are told why (file and line); a good one replaces it and
// sellers' checklists follow. When ctx is done it returns at once, even in
// the middle of a reload, so shutdown never waits on one.
func (m *Main) reloadOnHangup(ctx context.Context, hup <-chan os.Signal, core *bot.Core, lead *leadership, inFleet bool, log *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		log.Info("reloading the market rules")
		catalog, err := m.rules(ctx)
		if ctx.Err() != nil {
			log.Info("rule reload abandoned: shutting down")
			return
		}
		if err != nil {
			log.Error("rule reload failed; the old rules stay in force", "err", err)
			msg := flows.Textf(flows.Text{ZH: "⚠️ 规则重新加载失败,旧规则继续生效:\n%s", EN: "⚠️ Reloading the rules failed; the old rules stay in force:\n%s"}, err.Error())
			if err := core.TellAdmins(ctx, msg); err != nil {
				log.Error("tell admins", "err", err)
			}
			continue
		}
		core.SetCatalog(catalog)
		if inFleet && !lead.leading.Load() {
			// Every instance answers by the rules it loaded; the leader
			// alone brings sellers' checklists to them.
			log.Info("rules reloaded; the fleet's leader updates sellers' checklists", "markets", len(catalog.Markets()))
			continue
		}
		changes, err := lead.syncRules(ctx, core)
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
	catalog, err := m.rules(ctx)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, cfg.db, log)
	if err != nil {
		return err
	}
	// One serve per SQLite file (an OS lock); any number on PostgreSQL,
	// each an instance of the fleet.
	fleet, _ := store.(fleetStore)
	if l, ok := store.(interface{ Lock() (func(), error) }); ok {
		unlock, err := l.Lock()
		if err != nil {
			store.Close()
			return fmt.Errorf("serve: %w", err)
		}
		defer unlock() // after the store is closed: the next serve finds it all written
	}
	defer store.Close()
	// Listening before joining a fleet: an instance is known by its host
	// and address, which only one process can listen on.
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("serve: listen on ONBOARD_ADDR %s: %w", cfg.addr, err)
	}
	defer ln.Close() // when serving never began
	if fleet != nil {
		host, _ := os.Hostname()
		leave, err := fleet.Join(ctx, host+" "+ln.Addr().String())
		if err != nil {
			return fmt.Errorf("serve: %w", err)
		}
		defer leave() // before the store closes: the others take its chats at once
	}
	obs := metrics.New(store, log)
	hub := outbox.NewHub()
	adm := admin.New(store, cfg.admins, admin.WithClock(m.Now), admin.WithLogger(log), admin.WithNotifier(hub),
		admin.WithPublicURL(cfg.publicURL))
	alarm := schedule.NewAlarm()
	core := bot.New(store, catalog, bot.WithClock(m.Now), bot.WithLogger(log), bot.WithAdmins(adm),
		bot.WithObserver(obs), bot.WithNotifier(hub), bot.WithReminding(cfg.reminding), bot.WithWaker(alarm))
	// Alone, serve brings sellers to the current rules before it serves; in
	// a fleet the leader does, whenever it starts to lead.
	lead := &leadership{}
	if fleet == nil {
		if _, err := lead.syncRules(ctx, core); err != nil {
			return fmt.Errorf("serve: bring sellers to the current rules: %w", err)
		}
	}

	mux := http.NewServeMux()
	mux.Handle("GET /metrics", obs.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})

	mux.Handle("/admin/", web.New(web.Config{Store: store, Admin: adm, Catalog: core.Catalog, Now: m.Now,
		Secure: strings.HasPrefix(cfg.publicURL, "https:"), Logger: log.With("part", "dashboard")}).Handler())

	adapters, err := m.adapters(ctx, cfg, core, log, obs)
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
	ready := &health.Checker{Store: store, Markets: func() int { return len(core.Catalog().Markets()) },
		Delivery: map[string]func() outbox.Health{}}
	mux.Handle("GET /readyz", ready.Handler())
	var modes []any
	// What only one process may do: long polling (Telegram allows one
	// getUpdates at a time), the scheduled jobs and bringing sellers to new
	// rules. Alone, serve does it; in a fleet, the leader.
	leaderJobs := []func(context.Context) error{func(ctx context.Context) error {
		return schedule.Run(ctx, log, adm.ProgressJob(editors, 3*time.Second),
			schedule.Prune(store, cfg.retention, m.Now, log),
			schedule.Reminders(store, core, alarm, hub, m.Now, log),
			schedule.TeamNotes(core))
	}}
	sharing := make(chan struct{}) // closed once this instance has its share of the rates
	if fleet == nil {
		close(sharing)
	}
	for _, a := range adapters {
		modes = append(modes, a.Name(), a.Mount(mux))
		editors[a.Name()] = a
		d := outbox.NewDispatcher(store, a.Name(), a, outbox.WithDispatchLogger(log.With("platform", a.Name())), outbox.WithObserver(obs))
		hub.Add(a.Name(), d)
		ready.Delivery[a.Name()] = d.Health
		obs.WatchDelivery(a.Name(), d.Health)
		run(a.Name()+" dispatcher", func(ctx context.Context) error {
			// In a fleet, a newcomer leases no chat before it may send:
			// chats it held while waiting would wait with it.
			select {
			case <-sharing:
			case <-ctx.Done():
				return nil
			}
			return d.Run(ctx)
		})
		if fleet != nil && a.Name() == telegram.Platform && cfg.tgSecret == "" {
			leaderJobs = append(leaderJobs, a.Run)
		} else {
			run(a.Name()+" intake", a.Run)
		}
	}
	if fleet == nil {
		run("scheduled jobs", func(ctx context.Context) error { return runAll(ctx, leaderJobs) })
	} else {
		for _, a := range adapters {
			a.ShareRate(0) // until this instance knows how many share the rates
		}
		run("rate share", func(ctx context.Context) error { shareRates(ctx, fleet, adapters, sharing, log); return nil })
		run("leader", func(ctx context.Context) error {
			return fleet.Lead(ctx, func(ctx context.Context) error {
				lead.leading.Store(true)
				defer lead.leading.Store(false)
				if _, err := lead.syncRules(ctx, core); err != nil && ctx.Err() == nil {
					log.Error("leader: sellers could not all be brought to the current rules", "err", err)
				}
				return runAll(ctx, leaderJobs)
			})
		})
	}
	hup, stopHangups := m.hangups()
	defer stopHangups()
	run("rule reload", func(ctx context.Context) error {
		m.reloadOnHangup(ctx, hup, core, lead, fleet != nil, log)
		return nil
	})

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
func (m *Main) adapters(ctx context.Context, cfg serveConfig, core *bot.Core, log *slog.Logger, obs *metrics.Metrics) ([]platform.Adapter, error) {
	var out []platform.Adapter
	if cfg.tgToken != "" {
		a, err := telegram.New(ctx, telegram.Config{
			Token: cfg.tgToken, ServerURL: cfg.tgURL, WebhookSecret: cfg.tgSecret, Rate: cfg.tgRate,
			Logger: log.With("platform", telegram.Platform), Refused: obs.Refused(telegram.Platform),
			Admins: telegram.AdminIDs(cfg.admins),
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
			Rate: cfg.slackRate, Logger: log.With("platform", slack.Platform), Refused: obs.Refused(slack.Platform),
		}, core)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// leadership is what serve knows of leading: whether this instance leads
// (always, alone), and one rule sync at a time, so that a sync on SIGHUP
// and one at the start of leading never tell a seller twice.
type leadership struct {
	leading atomic.Bool
	sync    sync.Mutex
}

func (l *leadership) syncRules(ctx context.Context, core *bot.Core) ([]bot.RuleChange, error) {
	l.sync.Lock()
	defer l.sync.Unlock()
	return core.SyncRules(ctx)
}

// runAll runs jobs until ctx is done or one fails, which stops the others.
func runAll(ctx context.Context, jobs []func(context.Context) error) error {
	g, gctx := errgroup.WithContext(ctx)
	for _, j := range jobs {
		g.Go(func() error { return j(gctx) })
	}
	return g.Wait()
}

// shareRates keeps this instance's part of each platform's rates at 1/n of
// them, n the live instances of the fleet, so the fleet as a whole keeps
// the configured rates. A newcomer waits until the others have counted it
// before it sends (they look every second), and sharing is closed when it
// may; an instance out of touch with the fleet holds its sending, since it
// cannot tell how many share.
func shareRates(ctx context.Context, fleet fleetStore, adapters []platform.Adapter, sharing chan<- struct{}, log *slog.Logger) {
	set := func(f float64) {
		for _, a := range adapters {
			a.ShareRate(f)
		}
	}
	t := time.NewTicker(shareEvery)
	defer t.Stop()
	first := time.Now().Add(shareEvery + shareEvery/2)
	last := -1.0
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if time.Now().Before(first) {
			continue
		}
		share := 0.0
		if n, err := fleet.Instances(ctx); err == nil && n > 0 && fleet.Live() {
			share = 1 / float64(n)
		}
		if share != last {
			log.Info("fleet: this instance's share of the platforms' rates", "share", share)
			last = share
		}
		if share > 0 && sharing != nil {
			close(sharing)
			sharing = nil
		}
		set(share)
	}
}

// shareEvery is how often an instance counts the fleet for its share of
// the rates.
const shareEvery = time.Second
