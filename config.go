package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/onboardbot/onboardbot/adapters/slack"
	"github.com/onboardbot/onboardbot/adapters/telegram"
)

// secretVars are the environment variables that hold tokens and secrets.
var secretVars = []string{"TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"}

// secret reads a token or secret: surrounding whitespace (the line break
// a secret file ends with) is dropped.
func (m *Main) secret(name string) string { return strings.TrimSpace(m.Getenv(name)) }

// credentialErrors checks every token and secret that is set against the
// shape the platform gives it, so one pasted wrong (half of it, the wrong
// kind, a line break inside) stops the program at start, saying which
// variable is wrong, instead of failing later with an error that may
// quote a URL and so the token. The messages never hold the value.
func credentialErrors(tgToken, tgSecret, slackToken, slackSecret, slackApp string) []error {
	var errs []error
	for _, c := range []struct {
		name, value string
		valid       func(string) bool
		want        string
	}{
		{"TELEGRAM_BOT_TOKEN", tgToken, telegram.ValidToken, "a Telegram bot token: the bot's number, a colon and about 35 letters, digits, _ and - (as BotFather gives it)"},
		{"TELEGRAM_WEBHOOK_SECRET", tgSecret, telegram.ValidWebhookSecret, "1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)"},
		{"SLACK_BOT_TOKEN", slackToken, slack.ValidBotToken, "a Slack bot token: xoxb- then letters, digits and dashes (OAuth & Permissions, Bot User OAuth Token)"},
		{"SLACK_SIGNING_SECRET", slackSecret, slack.ValidSigningSecret, "a Slack signing secret: hexadecimal digits, 32 of them (Basic Information, Signing Secret)"},
		{"SLACK_APP_TOKEN", slackApp, slack.ValidAppToken, "a Slack app-level token: xapp- then letters, digits and dashes (Basic Information, App-Level Tokens)"},
	} {
		if c.value == "" || c.valid(c.value) {
			continue
		}
		why := ""
		if strings.ContainsFunc(c.value, unicode.IsSpace) {
			why = "; it has spaces or line breaks inside"
		}
		errs = append(errs, fmt.Errorf("%s is not %s%s", c.name, c.want, why))
	}
	return errs
}

// Messages per second a dispatcher may be configured to send: below the
// minimum a reply waits ten seconds or more, which is a typo rather than
// a setting; above the maximum no platform would take them.
const (
	minRate = 0.1
	maxRate = 10000
)

// rate reads a rate variable (messages per second); NaN, infinities and
// values outside [minRate, maxRate] are refused, naming the variable.
func (m *Main) rate(name, def string) (float64, error) {
	s := strings.TrimSpace(m.env(name, def))
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || f < minRate || f > maxRate {
		return 0, fmt.Errorf("%s: %q is not a number of messages per second from %v to %v", name, s, minRate, maxRate)
	}
	return f, nil
}

var (
	// telegramUserID is a Telegram user id as the adapter writes it:
	// a positive decimal number (negative ids are groups and channels).
	telegramUserID = regexp.MustCompile(`^[1-9][0-9]{0,18}$`)
	// slackUserID is a Slack user id: U or W, then capitals and digits.
	slackUserID = regexp.MustCompile(`^[UW][A-Z0-9]{1,20}$`)
)

// parseAdmins checks ONBOARD_ADMINS: comma-separated platform:user keys,
// each written exactly as the platform's adapter writes the user's id, so
// an entry that would never match anyone is refused at start.
func parseAdmins(list string) ([]string, error) {
	var keys []string
	var errs []error
	for _, k := range strings.Split(list, ",") {
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		if err := checkAdmin(k); err != nil {
			errs = append(errs, fmt.Errorf("ONBOARD_ADMINS: %q %w", k, err))
			continue
		}
		keys = append(keys, k)
	}
	return keys, errors.Join(errs...)
}

func checkAdmin(k string) error {
	platform, user, _ := strings.Cut(k, ":")
	hint := ""
	switch {
	case strings.ContainsAny(user, ";:, \t"):
		hint = " (separate entries with commas, and write no spaces)"
	case strings.HasPrefix(user, "@"):
		hint = " (a @username is not an id)"
	case strings.HasPrefix(user, "-"):
		hint = " (negative ids are groups and channels, not people)"
	}
	switch platform {
	case "telegram":
		if _, err := strconv.ParseInt(user, 10, 64); err != nil || !telegramUserID.MatchString(user) {
			return fmt.Errorf("is not telegram:<user id>: a Telegram user id is a positive number that @userinfobot tells, such as telegram:123456789%s", hint)
		}
	case "slack":
		if !slackUserID.MatchString(user) {
			return fmt.Errorf("is not slack:<user id>: a Slack user id is U or W then capitals and digits (the member id in the user's profile), such as slack:U01ABCDEF%s", hint)
		}
	case "console":
		if user == "" || strings.ContainsFunc(user, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r == ';' || r == ':' }) {
			return fmt.Errorf("is not console:<name>: the name `chat --user` runs as, without spaces, ';' or ':'%s", hint)
		}
	default:
		return errors.New("is not telegram:<user id>, slack:<user id> or console:<name>")
	}
	return nil
}

// redactor writes to w with every occurrence of a secret replaced, the
// last guard behind the rule that no token or secret is ever printed:
// whatever an error or a log line quotes (a request's URL, a server's
// answer), the secrets set in the environment do not get out.
type redactor struct {
	w       io.Writer
	secrets [][]byte
}

// minRedacted is the shortest secret redacted: a shorter value is refused
// at start anyway, and replacing it everywhere would garble the output.
const minRedacted = 8

// redacting returns w behind a redactor of the secrets set in the
// environment, or w itself when none is.
func (m *Main) redacting(w io.Writer) io.Writer {
	var secrets [][]byte
	for _, name := range secretVars {
		if s := m.secret(name); len(s) >= minRedacted {
			secrets = append(secrets, []byte(s))
		}
	}
	if len(secrets) == 0 {
		return w
	}
	// Longest first, so a secret that contains another is replaced whole.
	slices.SortFunc(secrets, func(a, b []byte) int { return len(b) - len(a) })
	return &redactor{w: w, secrets: secrets}
}

func (r *redactor) Write(p []byte) (int, error) {
	out := p
	for _, s := range r.secrets {
		if bytes.Contains(out, s) {
			out = bytes.ReplaceAll(out, s, []byte("[redacted]"))
		}
	}
	if _, err := r.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}
