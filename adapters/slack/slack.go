// Package slack connects sellers in Slack to the bot, on the slack-go
// client. It owns intake (the Events API, button clicks and the /onboard
// slash command over signed HTTP requests, or the same over Socket Mode),
// each update committed before Slack hears back; rendering (Block Kit
// sections and buttons, long replies split); and sending from the outbox
// within Slack's limits.
package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/onboardbot/onboardbot/adapters/apiclient"
	"github.com/onboardbot/onboardbot/adapters/pace"
	"github.com/onboardbot/onboardbot/adapters/platform"
)

// Platform is the name Slack sellers and messages are stored under.
const Platform = "slack"

// DefaultAPIURL is Slack's Web API.
const DefaultAPIURL = "https://slack.com/api/"

// Config is the adapter's configuration.
type Config struct {
	// BotToken is the bot user's OAuth token (xoxb-...).
	BotToken string
	// APIURL is the Web API base (default DefaultAPIURL); a "/" is added
	// when it lacks one, as the client needs it.
	APIURL string
	// SigningSecret checks the requests Slack sends to the HTTP handlers.
	SigningSecret string
	// AppToken is the app-level token (xapp-...) for Socket Mode.
	AppToken string
	// Rate is the most messages per second sent in all (default 10).
	Rate float64
	// ChatRate is the most messages per second to one channel (default 1,
	// as Slack asks; a short burst of two is allowed).
	ChatRate float64
	// RetryAfter is how long to wait after a 429 that names no Retry-After
	// (default 30s).
	RetryAfter time.Duration
	// LookupTimeout bounds the users.info and conversations.open calls an
	// update waits for before it is handled (default 1.5s, within the 3
	// seconds Slack waits for an answer).
	LookupTimeout time.Duration
	// HTTPClient is used for every Web API call (default: 30s timeout).
	HTTPClient *http.Client
	Logger     *slog.Logger
	// Refused counts a refused unauthenticated request (for /metrics); the
	// log gets at most a line a minute of them.
	Refused func(reason string)
}

// Adapter is one Slack app in one workspace.
type Adapter struct {
	hints    hints              // command hints worded for Slack
	refusals *platform.Refusals // unauthenticated requests, logged sparingly
	api      *slackapi.Client
	core     platform.Core
	cfg      Config
	log      *slog.Logger

	botUser string // the bot's own user id, from auth.test

	// pace is shared by every message the bot sends or edits: the
	// dispatcher's, and the edits and notices that follow a click.
	pace *pace.Pacer
	// lookups paces users.info and conversations.open. Slack limits each
	// method on its own, and intake needs these answers before it can
	// commit: behind the messages' pacer they would wait for every reply
	// queued before them, and give up.
	lookups *pace.Pacer
	locks   platform.Locks // one user's updates in order
	parts   platform.Parts // split replies partly sent

	locales *cache // user id -> Slack locale and zone, a line each ("" when unknown)
	dms     *cache // user id -> the DM channel with the bot
}

const (
	localeTTL     = time.Hour
	localeFailTTL = time.Minute // a failed users.info is not asked again at once
	dmTTL         = 24 * time.Hour
	cacheSize     = 10000
)

// New connects to the Web API (auth.test checks the token) and returns the adapter.
func New(ctx context.Context, cfg Config, core platform.Core) (*Adapter, error) {
	if cfg.BotToken == "" {
		return nil, errors.New("slack: empty bot token")
	}
	if cfg.APIURL == "" {
		cfg.APIURL = DefaultAPIURL
	}
	if !strings.HasSuffix(cfg.APIURL, "/") {
		cfg.APIURL += "/"
	}
	if cfg.Rate <= 0 {
		cfg.Rate = 10
	}
	if cfg.ChatRate <= 0 {
		cfg.ChatRate = 1
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = 30 * time.Second
	}
	if cfg.LookupTimeout <= 0 {
		cfg.LookupTimeout = 1500 * time.Millisecond
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = apiclient.New(30 * time.Second)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	opts := []slackapi.Option{
		slackapi.OptionAPIURL(cfg.APIURL),
		slackapi.OptionHTTPClient(cfg.HTTPClient),
		slackapi.OptionLog(logOutput{cfg.Logger}),
	}
	if cfg.AppToken != "" {
		opts = append(opts, slackapi.OptionAppLevelToken(cfg.AppToken))
	}
	api := slackapi.New(cfg.BotToken, opts...)
	auth, err := api.AuthTestContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("slack: auth.test (is SLACK_BOT_TOKEN right?): %w", err)
	}
	a := &Adapter{
		api: api, core: core, cfg: cfg, log: cfg.Logger,
		refusals: platform.NewRefusals(cfg.Logger, time.Minute, cfg.Refused),
		botUser:  auth.UserID,
		pace:     pace.New(cfg.Rate, cfg.ChatRate),
		lookups:  pace.New(cfg.Rate, cfg.ChatRate),
		locales:  newCache(cacheSize),
		dms:      newCache(cacheSize),
	}
	if core != nil {
		a.hints = newHints(core.Commands())
	}
	a.log.Info("slack: connected", "team", auth.TeamID, "bot_user", auth.UserID)
	return a, nil
}

// BotUserID is the bot's own Slack user id.
func (a *Adapter) BotUserID() string { return a.botUser }

// lock serialises the handling of one user's updates.
func (a *Adapter) lock(user string) func() {
	return a.locks.Lock(user)
}

// Name is the platform's name.
func (a *Adapter) Name() string { return Platform }

// Mount adds the Events API routes when a signing secret is set; otherwise
// updates come over Socket Mode (Run).
func (a *Adapter) Mount(mux *http.ServeMux) string {
	if a.cfg.AppToken != "" {
		return "socket mode"
	}
	mux.Handle("POST /slack/events", a.EventsHandler())
	mux.Handle("POST /slack/interactive", a.InteractiveHandler())
	mux.Handle("POST /slack/commands", a.CommandsHandler())
	return "events API at POST /slack/events, /slack/interactive, /slack/commands"
}

// Run runs Socket Mode until ctx is done; over HTTP it has nothing to do.
func (a *Adapter) Run(ctx context.Context) error {
	if a.cfg.AppToken == "" {
		return nil
	}
	return a.RunSocketMode(ctx)
}

// ChatWait is how long a chat must wait for its pace before it may take
// another message (outbox.Pacing).
func (a *Adapter) ChatWait(chatID string) time.Duration { return a.pace.ChatWait(chatID) }

// ShareRate sets the part of the Web API's rates this process may use.
func (a *Adapter) ShareRate(f float64) {
	a.pace.Share(f)
	a.lookups.Share(f)
}

// lookup is what handling a user's update needs from Slack: the user's
// language and time zone and, when dm is set, the DM channel with them.
// Both are cached; what is not is asked at once, each within the lookup
// timeout, so a slow Slack holds the update for that long at most. Callers
// look up before they take the user's lock: a slow answer holds up no one
// else.
func (a *Adapter) lookup(ctx context.Context, user string, dm bool) (who profile, channel string, err error) {
	if !dm {
		return a.userProfile(ctx, user), "", nil
	}
	if ch, ok := a.dms.get(user); ok {
		return a.userProfile(ctx, user), ch, nil
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		who = a.userProfile(ctx, user)
	}()
	channel, err = a.dmChannel(ctx, user)
	<-done
	return who, channel, err
}

// profile is what users.info says of a user that the core takes as hints:
// their locale ("zh-CN", "en-US"), time zone ("Asia/Shanghai") and the name
// their colleagues know them by ("李雷").
type profile struct{ lang, tz, name string }

// userProfile asks users.info for a user's locale, zone and name once in a
// while. A failed lookup gives no hints rather than holding up the message.
func (a *Adapter) userProfile(ctx context.Context, user string) profile {
	if l, ok := a.locales.get(user); ok {
		lang, rest, _ := strings.Cut(l, "\n")
		tz, name, _ := strings.Cut(rest, "\n")
		return profile{lang, tz, name}
	}
	ctx, cancel := context.WithTimeout(ctx, a.cfg.LookupTimeout)
	defer cancel()
	err := a.lookups.Wait(ctx, user, false)
	var u *slackapi.User
	if err == nil {
		u, err = a.api.GetUserInfoContext(ctx, user, slackapi.GetUserInfoOptionIncludeLocale(true))
	}
	if err != nil {
		a.log.Warn("slack: users.info, going on without a language hint", "user", user, "err", err)
		a.locales.put(user, "", localeFailTTL)
		return profile{}
	}
	p := profile{u.Locale, u.TZ, userName(u)}
	a.locales.put(user, p.lang+"\n"+p.tz+"\n"+p.name, localeTTL)
	return p
}

// userName is how a user's colleagues see them in Slack: the display name
// they chose, else their full name, else their handle. Line breaks are
// spaces, so that the name stays one line of the cache and of /team.
func userName(u *slackapi.User) string {
	for _, n := range []string{u.Profile.DisplayName, u.Profile.RealName, u.RealName, u.Name} {
		if n = strings.Join(strings.Fields(n), " "); n != "" {
			return n
		}
	}
	return ""
}

// dmChannel is the direct-message channel between the bot and user.
func (a *Adapter) dmChannel(ctx context.Context, user string) (string, error) {
	if ch, ok := a.dms.get(user); ok {
		return ch, nil
	}
	ctx, cancel := context.WithTimeout(ctx, a.cfg.LookupTimeout)
	defer cancel()
	if err := a.lookups.Wait(ctx, user, false); err != nil {
		return "", fmt.Errorf("conversations.open: within the rate limit: %w", err)
	}
	ch, _, _, err := a.api.OpenConversationContext(ctx, &slackapi.OpenConversationParameters{Users: []string{user}})
	if err != nil {
		return "", fmt.Errorf("conversations.open: %w", err)
	}
	if ch == nil || ch.ID == "" {
		return "", errors.New("conversations.open: no channel in the answer")
	}
	a.dms.put(user, ch.ID, dmTTL)
	return ch.ID, nil
}

// cache is a small map with expiry and a bounded size.
type cache struct {
	mu    sync.Mutex
	max   int
	items map[string]cacheItem
}

type cacheItem struct {
	val     string
	expires time.Time
}

func newCache(max int) *cache { return &cache{max: max, items: map[string]cacheItem{}} }

func (c *cache) get(key string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	it, ok := c.items[key]
	if !ok || time.Now().After(it.expires) {
		return "", false
	}
	return it.val, true
}

func (c *cache) put(key, val string, ttl time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if _, ok := c.items[key]; !ok && len(c.items) >= c.max {
		for k, it := range c.items {
			if now.After(it.expires) {
				delete(c.items, k)
			}
		}
		// Still full: forget a quarter, in Go's random map order.
		for k := range c.items {
			if len(c.items) < c.max*3/4 {
				break
			}
			delete(c.items, k)
		}
	}
	c.items[key] = cacheItem{val: val, expires: now.Add(ttl)}
}

// logOutput passes the client library's debug lines to the logger.
type logOutput struct{ l *slog.Logger }

func (o logOutput) Output(_ int, s string) error {
	o.l.Debug("slack client", "msg", strings.TrimSpace(s))
	return nil
}
