package bot_test

import (
	"context"
	"testing"

	"github.com/onboardbot/onboardbot/bot"
)

func TestButtonsResolveAgainstTheOutbox(t *testing.T) {
	h := newHarness(t)
	q := h.send("ann", "/onboard tiktok-uk") // a question with three choices, stored in the outbox
	ctx := context.Background()
	ownChat := func(c string) bool { return c == "chat-ann" }
	tests := []struct {
		name   string
		data   string
		inChat func(string) bool
		want   string // the choice id, "" for no reply
	}{
		{"first choice", bot.ButtonID(q.ID, 0), ownChat, "cn-company"},
		{"last choice", bot.ButtonID(q.ID, 2), ownChat, "individual"},
		{"index out of range", bot.ButtonID(q.ID, 3), ownChat, ""},
		{"negative index", bot.ButtonID(q.ID, -1), ownChat, ""},
		{"unknown reply", bot.ButtonID(q.ID+1000, 0), ownChat, ""},
		{"another chat's message", bot.ButtonID(q.ID, 0), func(string) bool { return false }, ""},
		{"malformed", "zzz", ownChat, ""},
		{"not a number", "c:x:0", ownChat, ""},
	}
	for _, tt := range tests {
		r, i, err := bot.ResolveButton(ctx, h.store, tt.data, "test", tt.inChat)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got := ""
		if r != nil {
			got = r.Choices[i].Ref.Choice
		}
		if got != tt.want {
			t.Errorf("%s: choice %q, want %q", tt.name, got, tt.want)
		}
	}
	if r, _, _ := bot.ResolveButton(ctx, h.store, bot.ButtonID(q.ID, 0), "slack", ownChat); r != nil {
		t.Error("a button resolved on another platform")
	}
	if len(bot.ButtonID(1<<62, 99)) > 64 {
		t.Error("button data over Telegram's 64 bytes")
	}
}

// A click is resolved by the core, in the transaction that takes the
// answer: a button of the seller's own question answers it and says what
// was clicked; the same button clicked from another chat is refused.
func TestCoreResolvesClicksInItsTransaction(t *testing.T) {
	h := newHarness(t)
	q := h.send("ann", "/onboard tiktok-uk")
	other := h.deliver(bot.Inbound{Platform: "test", UserID: "ann", ChatID: "chat-ann",
		Button: &bot.Button{Data: bot.ButtonID(q.ID, 0), InChat: func(c string) bool { return c == "elsewhere" }}})
	if other.Notice == "" || other.Clicked != nil {
		t.Errorf("a click on a message of another chat was taken: %+v", other)
	}
	r := h.deliver(bot.Inbound{Platform: "test", UserID: "ann", ChatID: "chat-ann",
		Button: &bot.Button{Data: bot.ButtonID(q.ID, 0), InChat: func(c string) bool { return c == "chat-ann" }}})
	if r.Notice != "" || r.Clicked == nil || r.Clicked.Message.ID != q.ID || r.Clicked.Label != q.Choices[0].Label {
		t.Fatalf("click not taken: notice %q, clicked %+v", r.Notice, r.Clicked)
	}
	if _, o := h.state("ann", "tiktok-uk"); len(o.State.Answers) != 1 || o.State.Answers[0].Values[0] != "cn-company" {
		t.Errorf("answers after the click: %+v", o.State.Answers)
	}
}
