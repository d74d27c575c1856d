// Command onboardbot walks cross-border sellers through entering a new
// market: eligibility, warehouse and logistics, and a certification
// checklist for their product categories.
//
//	onboardbot chat      talk to the bot in the terminal (the default)
//	onboardbot markets   list the market rule sets; non-zero on an invalid file
//	onboardbot serve     run the platform adapters (Telegram, Slack)
//	onboardbot announce  queue an announcement from the shell
//	onboardbot backup    copy the database while serve runs
//	onboardbot dashboard-link  a one-time login link to the admin pages
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/onboardbot/onboardbot/adapters/console"
	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/bot/admin"
	"github.com/onboardbot/onboardbot/data/markets"
	"github.com/onboardbot/onboardbot/flows"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Now: time.Now, Interactive: isTerminal(os.Stdin)}
	stopProfile := profile(os.Getenv("ONBOARD_CPUPROFILE"), os.Getenv("ONBOARD_MEMPROFILE"))
	code := m.Run(ctx, os.Args[1:])
	stopProfile()
	os.Exit(code)
}

// profile writes the process's CPU profile to cpu, and its allocations to
// mem when it ends (either may be empty): how the real binary's time is
// measured under load (see README, "Where a message's time goes").
func profile(cpu, mem string) (stop func()) {
	var stops []func()
	if cpu != "" {
		if f, err := os.Create(cpu); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				stops = append(stops, func() { pprof.StopCPUProfile(); f.Close() })
			} else {
				f.Close()
			}
		}
	}
	if mem != "" {
		runtime.MemProfileRate = 64 << 10
		stops = append(stops, func() {
			if f, err := os.Create(mem); err == nil {
				pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
		})
	}
	return func() {
		for _, s := range stops {
			s()
		}
	}
}

// Main is the program with its surroundings passed in, so tests run the
// real wiring with their own input, environment and clock.
type Main struct {
	Stdin       io.Reader
	Stdout      io.Writer
	Stderr      io.Writer
	Getenv      func(string) string
	Now         func() time.Time
	Interactive bool // stdin is a terminal: show a prompt
	// Hangup, when set, replaces SIGHUP (rule reloads) for tests.
	Hangup chan os.Signal
}

const usage = `usage: onboardbot <command> [flags]

commands:
  chat       talk to the bot in this terminal (the default)
  markets    list the market rule sets and their versions
  serve      run the Telegram and Slack adapters whose credentials are set, the HTTP server
             (/healthz, /metrics, webhooks) and one outbox dispatcher per platform
  announce   queue an announcement: --market ID [--category ID] [--stage STAGE] [--item ID] --text TEXT
             [--dry-run: print who would get it, queue nothing] [--allow-empty: queue it even for nobody]
  backup     copy a SQLite database to a new file, consistent even while serve runs: --to FILE
             (for PostgreSQL, use pg_dump)
  dashboard-link  print a one-time login link to the admin web pages: --admin PLATFORM:ID

environment:
  ONBOARD_DB               SQLite file, or postgres://user:pass@host:5432/db for PostgreSQL
                           (several serve instances may share one) (default onboard.db)
  ONBOARD_RULES_DIR        read market rules from this folder instead of the built-in ones
  ONBOARD_ADDR             HTTP listen address for serve (default 127.0.0.1:8080)
  TELEGRAM_BOT_TOKEN       enables the Telegram adapter
  TELEGRAM_API_URL         Bot API server (default https://api.telegram.org)
  TELEGRAM_WEBHOOK_SECRET  webhook mode at POST /telegram/webhook; unset: long polling
  ONBOARD_TELEGRAM_RATE    messages per second to Telegram in all (default 25)
  SLACK_BOT_TOKEN          enables the Slack adapter (xoxb-...)
  SLACK_SIGNING_SECRET     Events API over HTTP at POST /slack/events, /slack/interactive, /slack/commands
  SLACK_APP_TOKEN          Socket Mode instead of HTTP (xapp-...)
  SLACK_API_URL            Slack Web API base (default https://slack.com/api/)
  ONBOARD_SLACK_RATE       messages per second to Slack in all (default 10)
  ONBOARD_ADMINS           who may announce: telegram:<user id>,slack:<user id>,...
  ONBOARD_PUBLIC_URL       public base URL of ONBOARD_ADDR, for admin login links (default http://ONBOARD_ADDR)
`

// Run runs one command and returns the exit status.
func (m *Main) Run(ctx context.Context, args []string) int {
	// No token or secret from the environment is ever printed.
	m.Stdout, m.Stderr = m.redacting(m.Stdout), m.redacting(m.Stderr)
	cmd := "chat"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "chat":
		err = m.chat(ctx, args)
	case "markets":
		err = m.markets(ctx, args)
	case "serve":
		err = m.serve(ctx, args)
	case "announce":
		err = m.announce(ctx, args)
	case "backup":
		err = m.backup(ctx, args)
	case "dashboard-link":
		err = m.dashboardLink(ctx, args)
	case "help", "-h", "--help":
		fmt.Fprint(m.Stdout, usage)
		return 0
	default:
		fmt.Fprintf(m.Stderr, "onboardbot: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(m.Stderr, "onboardbot: %v\n", err)
		return 1
	}
	return 0
}

func (m *Main) env(name, def string) string {
	if v := m.Getenv(name); v != "" {
		return v
	}
	return def
}

// rules loads the market rules: ONBOARD_RULES_DIR when set, else the
// built-in ones. It gives up when ctx is done or after markets.LoadTimeout,
// whatever sits in the folder.
func (m *Main) rules(ctx context.Context) (*flows.Catalog, error) {
	if dir := m.Getenv("ONBOARD_RULES_DIR"); dir != "" {
		info, err := os.Stat(dir)
		if err != nil || !info.IsDir() {
			return nil, fmt.Errorf("ONBOARD_RULES_DIR %q is not a readable folder", dir)
		}
		return markets.LoadRulesContext(ctx, markets.Dir(dir), dir)
	}
	fsys, dir := markets.EmbeddedRules()
	return markets.LoadRulesContext(ctx, fsys, dir)
}

func (m *Main) markets(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("markets", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	catalog, err := m.rules(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tPLATFORM\tMARKET\tVERSION\tEFFECTIVE\tQUESTIONS\tITEMS")
	for _, mk := range catalog.Markets() {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d\t%d\n", mk.ID, mk.Platform, mk.Name.EN, mk.Version, mk.Effective, len(mk.Questions), len(mk.Items))
	}
	return w.Flush()
}

func (m *Main) chat(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	db := fs.String("db", m.env("ONBOARD_DB", "onboard.db"), dbUsage)
	user := fs.String("user", m.env("USER", "local"), "who you are: each name keeps its own progress")
	lang := fs.String("lang", "", "language for a new seller: zh or en (default from $LANG)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("chat: unexpected argument %q", fs.Arg(0))
	}
	if *lang == "" {
		*lang = m.Getenv("LANG")
	}
	admins, err := m.admins()
	if err != nil {
		return err
	}
	reminding, err := m.reminding()
	if err != nil {
		return err
	}
	catalog, err := m.rules(ctx)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, *db, nil)
	if err != nil {
		return err
	}
	defer store.Close()
	logger := slog.New(slog.NewTextHandler(m.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	adm := admin.New(store, admins, admin.WithClock(m.Now), admin.WithLogger(logger))
	core := bot.New(store, catalog, bot.WithClock(m.Now), bot.WithLogger(logger), bot.WithAdmins(adm),
		bot.WithReminding(reminding))
	if _, err := core.SyncRules(ctx); err != nil {
		return fmt.Errorf("bring sellers to the current rules: %w", err)
	}
	a := console.New(core, store, *user, m.Stdin, m.Stdout,
		console.WithPrompt(m.Interactive), console.WithLangHint(*lang), console.WithClock(m.Now))
	return a.Run(ctx)
}

// admins reads ONBOARD_ADMINS: comma-separated platform:user keys, each
// checked (parseAdmins).
func (m *Main) admins() ([]string, error) { return parseAdmins(m.Getenv("ONBOARD_ADMINS")) }

// announce queues an announcement from the shell; a running serve delivers it.
func (m *Main) announce(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("announce", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	db := fs.String("db", m.env("ONBOARD_DB", "onboard.db"), dbUsage)
	var markets multiFlag
	fs.Var(&markets, "market", "market id (repeat, or separate with commas)")
	category := fs.String("category", "", "only sellers of this product category")
	stage := fs.String("stage", "", "only sellers at this stage: eligibility, logistics, categories, checklist, complete, ineligible")
	item := fs.String("item", "", "only sellers with this checklist item not done")
	text := fs.String("text", "", "the text; zh: and en: give each language (\"zh: 中文 en: English\")")
	dryRun := fs.Bool("dry-run", false, "print the preview (recipients per platform and language, muted sellers skipped) and queue nothing")
	allowEmpty := fs.Bool("allow-empty", false, "queue it even when nobody would get it")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("announce: unexpected argument %q (quote the text: --text \"...\")", fs.Arg(0))
	}
	t, problem := admin.ParseAnnouncementText(*text)
	if !problem.IsZero() {
		return fmt.Errorf("announce: %s", problem.EN)
	}
	if *stage != "" && !validStage(flows.Stage(*stage)) {
		return fmt.Errorf("announce: unknown stage %q", *stage)
	}
	catalog, err := m.rules(ctx)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, *db, nil)
	if err != nil {
		return err
	}
	defer store.Close()
	adm := admin.New(store, nil, admin.WithClock(m.Now))
	a := bot.Announcement{Markets: markets, Category: *category, Stage: flows.Stage(*stage), OpenItem: strings.ToLower(*item), Text: t, CreatedBy: "shell"}
	if *dryRun {
		p, err := adm.Preview(ctx, catalog, a)
		if err != nil {
			return fmt.Errorf("announce: %w", err)
		}
		fmt.Fprintf(m.Stdout, "%s\ndry run: nothing queued\n", admin.PreviewText(p, catalog, flows.EN))
		if p.Recipients == 0 && !*allowEmpty {
			return fmt.Errorf("announce: %w. Without --dry-run it would be refused (--allow-empty queues it anyway)", admin.ErrNoRecipients)
		}
		return nil
	}
	res, err := adm.Announce(ctx, catalog, a, *allowEmpty)
	if errors.Is(err, admin.ErrNoRecipients) {
		return fmt.Errorf("announce: %w Nothing queued (--dry-run shows the preview, --allow-empty queues it anyway)", err)
	}
	if err != nil {
		return fmt.Errorf("announce: %w", err)
	}
	fmt.Fprintf(m.Stdout, "announcement %d queued: %d recipients (%d to send, %d unreachable; %d muted, skipped); a running `onboardbot serve` delivers it\n",
		res.Announcement.ID, res.Announcement.Recipients, res.Queued, res.Unreachable, res.Preview.Muted)
	return nil
}

func validStage(s flows.Stage) bool {
	switch s {
	case flows.StageEligibility, flows.StageLogistics, flows.StageCategories, flows.StageChecklist, flows.StageComplete, flows.StageIneligible:
		return true
	}
	return false
}

// multiFlag collects a repeatable, comma-separable flag.
type multiFlag []string

func (f *multiFlag) String() string { return strings.Join(*f, ",") }

func (f *multiFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*f = append(*f, s)
		}
	}
	return nil
}

// isTerminal reports whether f is a terminal rather than a pipe or file.
func isTerminal(f *os.File) bool {
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
