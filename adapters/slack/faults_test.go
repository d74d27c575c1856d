package slack_test

// Faults of issue 12 on Slack: a slow Slack API, forged clicks, calls that
// must keep within the rate limit, sellers' text that Slack would format.

import (
	"path/filepath"
	"strings"
	"testing"

	slackapi "github.com/slack-go/slack"

	"github.com/onboardbot/onboardbot/adapters/slack/slacktest"
)

// A seller's own text in a reply (a certificate number here) is shown as
// written: the sections are plain_text, where *, _, ~ and ` format nothing.
func TestSellersTextIsShownAsWritten(t *testing.T) {
	srv := slacktest.New()
	defer srv.Close()
	e := start(t, srv, filepath.Join(t.TempDir(), "onboard.db"), "http")
	const user = "U6301"
	dm := slacktest.DMChannel(user)
	steps := []string{"/onboard tiktok-uk", "1", "0", "1", "1", "2", "1", "beauty"}
	for i, s := range steps {
		e.dm(user, s)
		nth(t, srv, dm, i+1)
	}
	const number = "*AB_12*~x~`y`&<z>"
	e.dm(user, "/done scpn "+strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(number)+" 2027-06-30")
	m := nth(t, srv, dm, len(steps)+1)
	mustContain(t, m, "no. "+number)
	found := false
	for _, b := range m.Blocks.BlockSet {
		sb, ok := b.(*slackapi.SectionBlock)
		if !ok {
			continue
		}
		if sb.Text.Type != slackapi.PlainTextType {
			t.Errorf("a section of type %s: Slack would format %q", sb.Text.Type, sb.Text.Text)
		}
		found = found || strings.Contains(sb.Text.Text, "no. "+number)
	}
	if !found {
		t.Errorf("no section shows %q as written: %q", number, m.Sections())
	}
}
