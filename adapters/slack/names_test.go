package slack_test

import (
	"context"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/onboardbot/onboardbot/adapters/slack"
	"github.com/onboardbot/onboardbot/adapters/slack/slacktest"
	"github.com/onboardbot/onboardbot/bot"
)

// A member's name comes from their Slack profile, asked with the locale
// and zone (users.info, once): the display name, else the full name, else
// the handle. The company's /team shows it, and so does the store.
func TestMemberNamesFromSlackProfile(t *testing.T) {
	srv := slacktest.New()
	defer srv.Close()
	e := start(t, srv, filepath.Join(t.TempDir(), "onboard.db"), "http")
	const owner, display, real, handle = "U6001", "U6002", "U6003", "U6004"
	srv.SetName(owner, "王芳", "Wang Fang")
	srv.SetName(display, "李雷", "Li Lei")
	srv.SetName(real, "", "Han  Meimei\n")
	// handle: no profile names, so the handle users.info always gives.
	say := func(user, text string) slacktest.Sent {
		t.Helper()
		dm := slacktest.DMChannel(user)
		n := len(srv.SentTo(dm))
		e.dm(user, text)
		return nth(t, srv, dm, n+1)
	}
	code := regexp.MustCompile(`[2-9A-Z]{4}-[2-9A-Z]{4}`)
	say(owner, "lang en")
	for _, u := range []string{display, real, handle} {
		invite := code.FindString(say(owner, "invite").Plain())
		if invite == "" {
			t.Fatal("no invitation code")
		}
		mustContain(t, say(u, "join "+invite), "joined")
	}
	mustContain(t, say(owner, "team"), "1. 王芳 (owner) (you) · Slack", "2. 李雷 · Slack", "3. Han Meimei · Slack", "4. seller · Slack")

	var members []bot.Member
	err := e.store.Update(context.Background(), func(tx bot.Tx) error {
		who, err := tx.Identify(context.Background(), slack.Platform, owner)
		if err != nil {
			return err
		}
		members, err = tx.Members(context.Background(), who.Seller.ID)
		return err
	})
	if err != nil || len(members) != 4 {
		t.Fatalf("members: %+v %v", members, err)
	}
	for i, want := range []string{"王芳", "李雷", "Han Meimei", "seller"} {
		if members[i].Name != want {
			t.Errorf("member %d is named %q, want %q", i+1, members[i].Name, want)
		}
	}
	if calls := srv.Calls("users.info"); len(calls) != 4 {
		t.Errorf("users.info calls = %d, want one per user (the name comes with the locale)", len(calls))
	}
}
