// Package telegram connects sellers in Telegram to the bot, on the
// go-telegram/bot client. It owns intake (webhook and long polling, both
// committing before an update is confirmed), rendering (inline keyboards,
// long replies split), and sending from the outbox within Telegram's limits.
package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/onboardbot/onboardbot/adapters/apiclient"
	"github.com/onboardbot/onboardbot/adapters/pace"
	"github.com/onboardbot/onboardbot/adapters/platform"
)

// Platform is the name Telegram sellers and messages are stored under.
const Platform = "telegram"

// DefaultServerURL is Telegram's Bot API server.
const DefaultServerURL = "https://api.telegram.org"

// Config is the adapter's configuration.
type Config struct {
	Token     string
	ServerURL string // default DefaultServerURL
	// WebhookSecret is the secret Telegram sends in X-Telegram-Bot-Api-Secret-Token.
	WebhookSecret string
	// Rate is the most messages per second sent in all (default 25).
	Rate float64
	// ChatRate is the most messages per second to one chat (default 1, as
	// Telegram asks; a short burst of two is allowed).
	ChatRate float64
	// GroupRate is the most notices per second to one group (default 20 a
	// minute, Telegram's limit for groups); the per-chat rate applies too.
	GroupRate float64
	// PollTimeout is the long-polling timeout (default 30s).
	PollTimeout time.Duration
	// HTTPClient is used for every Bot API call (default: a client with
	// timeouts fitting the poll timeout).
	HTTPClient *http.Client
	Logger     *slog.Logger
	// Admins are the Telegram user ids of the admins: their private chats
	// get the admins' commands in the menu, everyone else the sellers'.
	Admins []int64
	// Refused counts a refused unauthenticated request (for /metrics); the
	// log gets at most a line a minute of them.
	Refused func(reason string)
}

// Adapter is one Telegram bot.
type Adapter struct {
	refusals *platform.Refusals // unauthenticated requests, logged sparingly
	api      *tg.Bot
	core     platform.Core
	cfg      Config
	username string
	log      *slog.Logger

	pace       *pace.Pacer
	groups     *pace.Pacer    // notices in groups, besides pace
	courtesies *courtesies    // calls after a commit that nothing waits for
	locks      platform.Locks // one chat's updates in order
	parts      platform.Parts // split replies partly sent
}

// New connects to the Bot API (getMe checks the token) and returns the adapter.
func New(ctx context.Context, cfg Config, core platform.Core) (*Adapter, error) {
	if !ValidToken(cfg.Token) {
		return nil, errors.New("telegram: the bot token is empty or not of the shape BotFather gives (digits, a colon, about 35 letters, digits, _ and -)")
	}
	if cfg.ServerURL == "" {
		cfg.ServerURL = DefaultServerURL
	}
	cfg.ServerURL = strings.TrimRight(cfg.ServerURL, "/")
	if cfg.Rate <= 0 {
		cfg.Rate = 25
	}
	if cfg.ChatRate <= 0 {
		cfg.ChatRate = 1
	}
	if cfg.GroupRate <= 0 {
		cfg.GroupRate = 20.0 / 60
	}
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = 30 * time.Second
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = apiclient.New(cfg.PollTimeout + 15*time.Second)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	api, err := tg.New(cfg.Token,
		tg.WithServerURL(cfg.ServerURL),
		tg.WithHTTPClient(cfg.PollTimeout, redactingClient{cfg.HTTPClient, cfg.Token}),
		tg.WithSkipGetMe(),
		tg.WithErrorsHandler(func(err error) { cfg.Logger.Error("telegram client", "err", err) }),
	)
	if err != nil {
		return nil, fmt.Errorf("telegram: %w", err)
	}
	me, err := api.GetMe(ctx)
	if err != nil {
		return nil, fmt.Errorf("telegram: getMe (is TELEGRAM_BOT_TOKEN right?): %w", err)
	}
	a := &Adapter{
		api: api, core: core, cfg: cfg, username: me.Username, log: cfg.Logger,
		refusals:   platform.NewRefusals(cfg.Logger, time.Minute, cfg.Refused),
		pace:       pace.New(cfg.Rate, cfg.ChatRate),
		groups:     pace.New(cfg.Rate, cfg.GroupRate),
		courtesies: newCourtesies(cfg.Logger),
	}
	return a, nil
}

// Username is the bot's @username, without the @.
func (a *Adapter) Username() string { return a.username }

// RegisterCommands sets the command menu in English (the default) and Chinese.
// Sellers get the sellers' commands; each admin's private chat (Config.Admins)
// gets the admins' commands too.
func (a *Adapter) RegisterCommands(ctx context.Context) error {
	menus := []struct {
		scope models.BotCommandScope
		admin bool
	}{{nil, false}}
	for _, id := range a.cfg.Admins {
		menus = append(menus, struct {
			scope models.BotCommandScope
			admin bool
		}{&models.BotCommandScopeChat{ChatID: id}, true})
	}
	for _, menu := range menus {
		for _, lang := range []string{"", "zh"} {
			var cmds []models.BotCommand
			for _, c := range a.core.Commands() {
				if c.Admin && !menu.admin {
					continue
				}
				desc := c.Help.EN
				if lang == "zh" {
					desc = c.Help.ZH
				}
				cmds = append(cmds, models.BotCommand{Command: c.Name, Description: desc})
			}
			p := &tg.SetMyCommandsParams{Commands: cmds, LanguageCode: lang, Scope: menu.scope}
			if _, err := a.api.SetMyCommands(ctx, p); err != nil {
				return fmt.Errorf("telegram: setMyCommands %q: %w", lang, err)
			}
		}
	}
	return nil
}

// lock serialises the handling of one chat's updates.
func (a *Adapter) lock(chat int64) func() { return a.locks.Lock(id(chat)) }

// Name is the platform's name.
func (a *Adapter) Name() string { return Platform }

// Mount adds the webhook route when a webhook secret is set; otherwise
// updates come by long polling (Run).
func (a *Adapter) Mount(mux *http.ServeMux) string {
	if a.cfg.WebhookSecret == "" {
		return "long polling as @" + a.username
	}
	mux.Handle("POST /telegram/webhook", a.WebhookHandler())
	return "webhook at POST /telegram/webhook as @" + a.username
}

// Run polls for updates until ctx is done; with a webhook it has nothing
// to do.
func (a *Adapter) Run(ctx context.Context) error {
	if a.cfg.WebhookSecret != "" {
		return nil
	}
	return a.Poll(ctx)
}

// ChatWait is how long a chat must wait for its pace before it may take
// another message (outbox.Pacing).
func (a *Adapter) ChatWait(chatID string) time.Duration { return a.pace.ChatWait(chatID) }

// ShareRate sets the part of the Bot API's rates this process may use.
func (a *Adapter) ShareRate(f float64) {
	a.pace.Share(f)
	a.groups.Share(f)
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

// AdminIDs picks the Telegram user ids out of admin keys ("telegram:123",
// as ONBOARD_ADMINS lists them, checked at start); other platforms' keys
// are left out.
func AdminIDs(keys []string) []int64 {
	var out []int64
	for _, k := range keys {
		if v, ok := strings.CutPrefix(k, Platform+":"); ok {
			if id, err := strconv.ParseInt(v, 10, 64); err == nil {
				out = append(out, id)
			}
		}
	}
	return out
}
