package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/datatest"
	"github.com/onboardbot/onboardbot/flows"
)

// What a phone shows comfortably: targets checked over every answer path
// of every market, with every category picked, in both languages.
const (
	maxQuestion  = 600  // characters of a message asking a question
	maxChecklist = 1500 // characters of a message showing a checklist
)

func TestMessagesFitAPhone(t *testing.T) {
	h := newHarness(t)
	catalog := datatest.Rules(t)
	worst := map[string]int{}
	seller := 0
	perMarket := 40 // enough paths to meet every question; the walk can be long
	if testing.Short() {
		perMarket = 4 // the race detector's run: the texts are the same
	}
	for _, m := range catalog.Markets() {
		for _, lang := range []string{"zh", "en"} {
			paths := 0
			flows.Walk(m, func(p flows.Path) bool {
				paths++
				seller++
				user := fmt.Sprintf("len-%d", seller)
				h.send(user, "/lang "+lang)
				r := h.messages(user, "/onboard "+m.ID)
				var s flows.State
				for _, step := range p.Steps {
					check(t, &worst, m.ID+"/"+lang+" question", r, maxQuestion)
					q := flows.Current(m, s, today).Question
					in := datatest.Input(t, m, s, q, step, today)
					s, _ = flows.Apply(m, s, in, today)
					r = h.messages(user, in)
				}
				if p.Verdict != nil {
					return paths < perMarket
				}
				check(t, &worst, m.ID+"/"+lang+" question", r, maxQuestion)
				all := make([]string, len(m.Categories))
				for i, c := range m.Categories {
					all[i] = c.ID
				}
				check(t, &worst, m.ID+"/"+lang+" outcome", h.messages(user, strings.Join(all, ",")), maxChecklist)
				check(t, &worst, m.ID+"/"+lang+" checklist", h.messages(user, "/checklist"), maxChecklist)
				return paths < perMarket
			})
		}
	}
	longest := ""
	for k, n := range worst {
		if longest == "" || n > worst[longest] {
			longest = k
		}
	}
	t.Logf("longest: %s, %d characters", longest, worst[longest])
}

func check(t *testing.T, worst *map[string]int, what string, msgs []bot.Reply, limit int) {
	t.Helper()
	for _, r := range msgs {
		n := utf8.RuneCountInString(r.Text)
		if n > (*worst)[what] {
			(*worst)[what] = n
		}
		if n > limit {
			t.Errorf("%s: %d characters, at most %d:\n%s", what, n, limit, r.Text)
		}
	}
}

// messages sends a text and returns each message of the reply.
func (h *harness) messages(user, text string) []bot.Reply {
	h.t.Helper()
	out, err := h.core.Handle(context.Background(), bot.Inbound{Platform: "test", UserID: user, ChatID: "chat-" + user, Text: text})
	if err != nil {
		h.t.Fatal(err)
	}
	return out
}
