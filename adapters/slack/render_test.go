package slack

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	slackapi "github.com/slack-go/slack"

	"github.com/onboardbot/onboardbot/adapters/platform"
	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/bot/outbox"
	"github.com/onboardbot/onboardbot/flows"
)

func TestPlain(t *testing.T) {
	a := &Adapter{botUser: "UBOT"}
	tests := []struct{ in, want string }{
		{"<@UBOT> onboard tiktok-uk", " onboard tiktok-uk"},
		{"<@UBOT|onboardbot> status", " status"},
		{"ask <@U123> or <@U456|lin>", "ask @U123 or @lin"},
		{"in <#C1|general>, <!here>", "in #general, @here"},
		{"see <https://example.com|example.com> or <https://a.b/c>", "see example.com or https://a.b/c"},
		{"mail <mailto:a@b.com|a@b.com>", "mail a@b.com"},
		{"a &lt; b &gt; c &amp; d &amp;lt;", "a < b > c & d &lt;"},
		{"GB123456789", "GB123456789"},
		{"unclosed < bracket", "unclosed < bracket"},
	}
	for _, tt := range tests {
		if got := a.plain(tt.in); got != tt.want {
			t.Errorf("plain(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

type commandsOnly struct{ platform.Core }

func (commandsOnly) Commands() []bot.CommandInfo {
	var out []bot.CommandInfo
	for _, n := range []string{"start", "help", "markets", "onboard", "status", "checklist", "done", "lang"} {
		out = append(out, bot.CommandInfo{Name: n, Help: flows.Text{EN: n}})
	}
	return out
}

func TestSlashText(t *testing.T) {
	a := &Adapter{core: commandsOnly{}}
	tests := []struct{ in, want string }{
		{"", "/start"},
		{"   ", "/start"},
		{"status", "/status"},
		{"Status", "/status"},
		{"/status", "/status"},
		{"tiktok-uk", "/onboard tiktok-uk"},
		{"onboard tiktok-uk", "/onboard tiktok-uk"},
		{"done scpn  AB-12 2027-01-01", "/done scpn AB-12 2027-01-01"},
		{"lang zh", "/lang zh"},
		{"shopee-my &amp; more", "/onboard shopee-my & more"},
	}
	for _, tt := range tests {
		if got := a.slashText(tt.in); got != tt.want {
			t.Errorf("slashText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Where a text is cut is tested in textcut; here, how the platform counts.
func TestSplit(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		limit int
		want  []string
	}{
		{"escaping counts", "a&b", 5, []string{"a", "&", "b"}},
		{"emoji count twice", "😀😀😀", 4, []string{"😀😀", "😀"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := split(tt.text, tt.limit); !slices.Equal(got, tt.want) {
				t.Errorf("split = %q, want %q", got, tt.want)
			}
		})
	}
}

// checkLimits fails when a message breaks one of Slack's limits.
func checkLimits(t *testing.T, m message) (buttons int) {
	t.Helper()
	if n := utf8.RuneCountInString(m.text); n > maxMessageText {
		t.Errorf("message text of %d characters", n)
	}
	if len(m.blocks) > maxBlocks {
		t.Errorf("%d blocks in a message", len(m.blocks))
	}
	ids := map[string]bool{}
	for _, b := range m.blocks {
		switch b := b.(type) {
		case *slackapi.SectionBlock:
			if n := utf8.RuneCountInString(b.Text.Text); n > maxSection || n == 0 {
				t.Errorf("section of %d characters", n)
			}
		case *slackapi.ActionBlock:
			if n := len(b.Elements.ElementSet); n > maxButtons {
				t.Errorf("%d buttons in an actions block", n)
			}
			for _, e := range b.Elements.ElementSet {
				btn := e.(*slackapi.ButtonBlockElement)
				if utf8.RuneCountInString(btn.Text.Text) > maxButtonText || ids[btn.ActionID] || btn.Value != btn.ActionID {
					t.Errorf("button %+v", btn)
				}
				ids[btn.ActionID] = true
				buttons++
			}
		}
	}
	return buttons
}

func TestRenderKeepsToSlacksLimits(t *testing.T) {
	choices := make([]bot.Choice, 60)
	for i := range choices {
		choices[i] = bot.Choice{Label: fmt.Sprintf("choice %d %s", i, strings.Repeat("x", 100))}
	}
	texts := map[string]string{
		"short":          "Which product categories will you sell?",
		"many lines":     strings.Repeat("line <&>\n", 30000),
		"one long line":  strings.Repeat("长", 130000),
		"lines of 1,600": strings.Repeat(strings.Repeat("y", 1600)+"\n", 60),
		"empty":          "",
	}
	for name, text := range texts {
		t.Run(name, func(t *testing.T) {
			msgs := render(bot.Reply{ID: 7, Text: text, Choices: choices})
			var raw []string
			buttons := 0
			for i, m := range msgs {
				n := checkLimits(t, m)
				if n > 0 && i != len(msgs)-1 {
					t.Errorf("buttons on message %d of %d", i, len(msgs))
				}
				buttons += n
				raw = append(raw, m.raw)
			}
			if buttons != 60 {
				t.Errorf("%d buttons, want 60", buttons)
			}
			if text != "" && strings.ReplaceAll(strings.Join(raw, "\n"), "\n", "") != strings.ReplaceAll(text, "\n", "") {
				t.Error("the messages do not add up to the text")
			}
		})
	}
	ids, _ := buttonsOf(render(bot.Reply{ID: 42, Text: "q", Choices: choices[:3]})[0])
	if !slices.Equal(ids, []string{"c:42:0", "c:42:1", "c:42:2"}) {
		t.Errorf("action ids = %v", ids)
	}
	m := single(strings.Repeat("z", 50000) + "\n\n✅ OK")
	checkLimits(t, m)
	if !strings.HasSuffix(m.raw, "…") {
		t.Error("an over-long edit was not shortened")
	}
}

// Messages and edits show the core's text as written (see sections): no
// formatting in the blocks, only &, < and > escaped in the notification text.
func TestRenderShowsTextAsWritten(t *testing.T) {
	const text = "no. *AB_12* _x_ ~y~ `z` > q & <@U1>"
	for name, m := range map[string]message{"message": render(bot.Reply{Text: text})[0], "edit": single(text)} {
		if len(m.blocks) != 1 {
			t.Fatalf("%s: %d blocks", name, len(m.blocks))
		}
		if sb := m.blocks[0].(*slackapi.SectionBlock); sb.Text.Type != slackapi.PlainTextType || sb.Text.Text != text {
			t.Errorf("%s: section %s %q, want plain_text %q", name, sb.Text.Type, sb.Text.Text, text)
		}
		if want := "no. *AB_12* _x_ ~y~ `z` &gt; q &amp; &lt;@U1&gt;"; m.text != want {
			t.Errorf("%s: notification text %q, want %q", name, m.text, want)
		}
	}
}

func buttonsOf(m message) (ids, labels []string) {
	for _, b := range m.blocks {
		if ab, ok := b.(*slackapi.ActionBlock); ok {
			for _, e := range ab.Elements.ElementSet {
				btn := e.(*slackapi.ButtonBlockElement)
				ids, labels = append(ids, btn.ActionID), append(labels, btn.Text.Text)
			}
		}
	}
	return ids, labels
}

func TestMapError(t *testing.T) {
	a := &Adapter{cfg: Config{RetryAfter: 30 * time.Second}}
	var retry *outbox.RetryAfterError
	if err := a.mapError(fmt.Errorf("x: %w", &slackapi.RateLimitedError{RetryAfter: 5 * time.Second}), true); !errors.As(err, &retry) || retry.After != 5*time.Second {
		t.Errorf("RateLimitedError → %v", err)
	}
	if err := a.mapError(fmt.Errorf("x: %w", &slackapi.RateLimitedError{}), true); !errors.As(err, &retry) || retry.After != time.Second {
		t.Errorf("RateLimitedError without a wait → %v", err)
	}
	if err := a.mapError(slackapi.StatusCodeError{Code: 429, Status: "429 Too Many Requests"}, true); !errors.As(err, &retry) || retry.After != 30*time.Second {
		t.Errorf("StatusCodeError 429 → %v", err)
	}
	for _, code := range []string{"channel_not_found", "account_inactive", "user_disabled", "is_archived", "not_in_channel", "cannot_dm_bot"} {
		err := a.mapError(fmt.Errorf("chat.postMessage: %w", slackapi.SlackErrorResponse{Err: code}), true)
		if !errors.Is(err, outbox.ErrUnreachable) || !strings.Contains(err.Error(), code) {
			t.Errorf("%s in a DM → %v", code, err)
		}
		if err := a.mapError(slackapi.SlackErrorResponse{Err: code}, false); errors.Is(err, outbox.ErrUnreachable) {
			t.Errorf("%s in a thread marks the seller unreachable", code)
		}
	}
	for _, err := range []error{slackapi.StatusCodeError{Code: 500}, slackapi.SlackErrorResponse{Err: "invalid_blocks"}, context.DeadlineExceeded} {
		if got := a.mapError(err, true); errors.As(got, &retry) || errors.Is(got, outbox.ErrUnreachable) {
			t.Errorf("%v → %v", err, got)
		}
	}
}

func TestCacheIsBounded(t *testing.T) {
	c := newCache(100)
	for i := range 1000 {
		c.put(fmt.Sprint(i), "v", time.Hour)
	}
	if n := len(c.items); n > 100 {
		t.Errorf("%d entries, want at most 100", n)
	}
	if v, ok := c.get("999"); !ok || v != "v" {
		t.Error("the newest entry is gone")
	}
	c.put("old", "v", -time.Second)
	if _, ok := c.get("old"); ok {
		t.Error("an expired entry was returned")
	}
}

func TestManifest(t *testing.T) {
	raw, err := os.ReadFile("slack-app-manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Display struct {
			Name, Description string
			Long              string `yaml:"long_description"`
		} `yaml:"display_information"`
		Features struct {
			AppHome struct {
				Messages bool `yaml:"messages_tab_enabled"`
			} `yaml:"app_home"`
			BotUser struct {
				Name string `yaml:"display_name"`
			} `yaml:"bot_user"`
			Commands []struct{ Command, URL string } `yaml:"slash_commands"`
		}
		OAuth struct {
			Scopes struct{ Bot []string }
		} `yaml:"oauth_config"`
		Settings struct {
			Events struct {
				URL    string   `yaml:"request_url"`
				Events []string `yaml:"bot_events"`
			} `yaml:"event_subscriptions"`
			Interactivity struct {
				Enabled bool   `yaml:"is_enabled"`
				URL     string `yaml:"request_url"`
			}
			SocketMode *bool `yaml:"socket_mode_enabled"`
		}
	}
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"chat:write", "im:history", "im:read", "im:write", "app_mentions:read", "users:read", "commands"} {
		if !slices.Contains(m.OAuth.Scopes.Bot, s) {
			t.Errorf("scope %s missing", s)
		}
	}
	if !slices.Equal(m.Settings.Events.Events, []string{"app_mention", "message.im"}) {
		t.Errorf("bot events = %v", m.Settings.Events.Events)
	}
	if m.Settings.Events.URL != "https://YOUR-HOST/slack/events" || m.Settings.Interactivity.URL != "https://YOUR-HOST/slack/interactive" || !m.Settings.Interactivity.Enabled {
		t.Errorf("request URLs = %+v", m.Settings)
	}
	if len(m.Features.Commands) != 1 || m.Features.Commands[0].Command != "/onboard" || m.Features.Commands[0].URL != "https://YOUR-HOST/slack/commands" {
		t.Errorf("slash commands = %+v", m.Features.Commands)
	}
	if !m.Features.AppHome.Messages || m.Features.BotUser.Name == "" || m.Settings.SocketMode == nil || *m.Settings.SocketMode {
		t.Errorf("features = %+v, socket mode %v", m.Features, m.Settings.SocketMode)
	}
	// Slack's limits on the app's texts.
	if n := utf8.RuneCountInString(m.Display.Description); n == 0 || n > 140 {
		t.Errorf("description of %d characters", n)
	}
	if n := utf8.RuneCountInString(m.Display.Long); n < 175 || n > 4000 {
		t.Errorf("long description of %d characters", n)
	}
}

// Hints name commands as a Slack seller can type them: without the slash
// (Slack's client keeps "/back" for itself), but /onboard as it is, the
// slash command Slack runs.
func TestHintsAreWordedForSlack(t *testing.T) {
	h := newHints([]bot.CommandInfo{{Name: "back"}, {Name: "checklist"}, {Name: "done"}, {Name: "onboard"}, {Name: "lang"}})
	tests := []struct{ in, want string }{
		{"Answered wrongly? /back changes the last answer", "Answered wrongly? back changes the last answer"},
		{"/checklist shows the rest.", "checklist shows the rest."},
		{"答错了？用 /back 修改（/checklist 查看）", "答错了？用 back 修改（checklist 查看）"},
		{"Type /onboard <market id> to start", "Type /onboard <market id> to start"},
		{"/done scpn REF 2027-06-30", "done scpn REF 2027-06-30"},
		{"see https://example.com/back/done and a/b", "see https://example.com/back/done and a/b"},
		{"/backup is not a command here", "/backup is not a command here"},
		{"Type /lang en for English.", "Type lang en for English."},
	}
	for _, tt := range tests {
		if got := h.text(tt.in); got != tt.want {
			t.Errorf("%q → %q, want %q", tt.in, got, tt.want)
		}
	}
}
