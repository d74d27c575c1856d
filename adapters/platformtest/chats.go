package platformtest

import (
	"strings"
	"testing"
	"time"
)

// The Telegram and Slack adapter tests read what the bot sent the same way:
// the nth message of a chat, the answer to an input, a button by its label.
// Only how a platform keys its chats and renders its messages differs, so
// the helpers below are written once over these two interfaces.

// Timeout is how long the helpers wait for the bot to send something.
const Timeout = 10 * time.Second

// Message is what the helpers read of a message a test server recorded:
// its text as the seller reads it, and its buttons.
type Message interface {
	Plain() string
	Buttons() (ids, labels []string)
}

// Chats is what the helpers need of a test server: the messages one chat
// received, in order, and a way to wait for a change. C is the platform's
// chat key (a Telegram chat id, a Slack channel).
type Chats[C comparable, M Message] interface {
	SentTo(chat C) []M
	Wait(timeout time.Duration, cond func() bool) bool
}

// Nth waits until chat has received n messages and returns the nth.
func Nth[C comparable, M Message](t testing.TB, srv Chats[C, M], chat C, n int) M {
	t.Helper()
	if !srv.Wait(Timeout, func() bool { return len(srv.SentTo(chat)) >= n }) {
		t.Fatalf("chat %v got %d messages, want %d: %q", chat, len(srv.SentTo(chat)), n, Texts(srv.SentTo(chat)))
	}
	return srv.SentTo(chat)[n-1]
}

// Answered runs do (a message from chat) and returns the last message of
// the answer, which may be more than one message. settled says whether
// nothing is left to send to the chat (the store has no message pending
// for it): an answer's messages are queued together, so once one has come
// and none is pending, all have.
func Answered[C comparable, M Message](t testing.TB, srv Chats[C, M], chat C, do func(), settled func() bool) M {
	t.Helper()
	before := len(srv.SentTo(chat))
	do()
	if !srv.Wait(Timeout, func() bool { return len(srv.SentTo(chat)) > before && settled() }) {
		t.Fatalf("no whole answer in chat %v: %d messages, settled %t", chat, len(srv.SentTo(chat))-before, settled())
	}
	sent := srv.SentTo(chat)
	return sent[len(sent)-1]
}

// Find returns the current version (edits included) of the message of
// chat that is, returning true, the one wanted; name says which it is.
func Find[C comparable, M Message](t testing.TB, srv Chats[C, M], chat C, name string, is func(M) bool) M {
	t.Helper()
	for _, m := range srv.SentTo(chat) {
		if is(m) {
			return m
		}
	}
	t.Fatalf("no message %s in chat %v", name, chat)
	var zero M
	return zero
}

// Texts returns the messages' texts, for failure messages.
func Texts[M Message](ms []M) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Plain())
	}
	return out
}

// MustContain reports each of wants that m's text lacks.
func MustContain[M Message](t testing.TB, m M, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(m.Plain(), w) {
			t.Errorf("message lacks %q:\n%s", w, m.Plain())
		}
	}
}

// Button returns the index of m's first button whose label has prefix.
func Button[M Message](t testing.TB, m M, prefix string) int {
	t.Helper()
	_, labels := m.Buttons()
	for i, l := range labels {
		if strings.HasPrefix(l, prefix) {
			return i
		}
	}
	t.Fatalf("no button %q in %v:\n%s", prefix, labels, m.Plain())
	return -1
}
