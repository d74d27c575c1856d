package slack

import (
	"regexp"
	"strings"

	"github.com/onboardbot/onboardbot/bot"
)

// Slack's client keeps any message that starts with "/" for itself, and
// only /onboard is registered, so a hint such as "/back" sent to a Slack
// seller would never reach the bot. hints rewrites a reply's command hints
// for Slack: "/back" becomes "back" (commands work without the slash in a
// DM); "/onboard ..." stays, since Slack runs it as the slash command.
type hints struct {
	re *regexp.Regexp
}

func newHints(commands []bot.CommandInfo) hints {
	var names []string
	for _, c := range commands {
		if c.Name != "onboard" {
			names = append(names, regexp.QuoteMeta(c.Name))
		}
	}
	if len(names) == 0 {
		return hints{}
	}
	// A slash at the start or after a space or punctuation, then a command
	// name as a whole word.
	return hints{re: regexp.MustCompile(`(^|[\s(（“"'：:，,。;；])/(` + strings.Join(names, "|") + `)\b`)}
}

func (h hints) text(s string) string {
	if h.re == nil || !strings.Contains(s, "/") {
		return s
	}
	return h.re.ReplaceAllString(s, "$1$2")
}

// reply rewrites every text of r.
func (h hints) reply(r bot.Reply) bot.Reply {
	r.Text = h.text(r.Text)
	if len(r.Blocks) > 0 {
		blocks := make([]bot.Block, len(r.Blocks))
		for i, b := range r.Blocks {
			blocks[i] = bot.Block{Kind: b.Kind, Text: h.text(b.Text)}
		}
		r.Blocks = blocks
	}
	return r
}
