package telegram_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/onboardbot/onboardbot/adapters/telegram"
	"github.com/onboardbot/onboardbot/adapters/telegram/tgtest"
	"github.com/onboardbot/onboardbot/bot"
)

// quickly is how soon intake must be done with an update while the Bot API
// hangs: a commit takes milliseconds, the API never answers meanwhile.
const quickly = 2 * time.Second

// inGroup returns a text message update from user in a group chat.
func inGroup(user, group int64, text string) *models.Update {
	u := tgtest.Text(user, "en", text)
	u.Message.Chat = models.Chat{ID: group, Type: models.ChatTypeSupergroup, Title: "Sellers"}
	return u
}

// stripeMate returns a chat, other than chat, whose updates platform.Locks
// serialises with chat's (64 stripes by FNV-1a of the decimal id).
func stripeMate(chat int64) int64 {
	stripe := func(n int64) uint32 {
		h := fnv.New32a()
		h.Write([]byte(strconv.FormatInt(n, 10)))
		return h.Sum32() % 64
	}
	for c := int64(7000); ; c++ {
		if c != chat && stripe(c) == stripe(chat) {
			return c
		}
	}
}

// postWithin POSTs u to the webhook and fails unless it answers 200
// within limit. It may run on any goroutine.
func (e *env) postWithin(u *models.Update, limit time.Duration) error {
	if u.ID == 0 {
		u.ID = time.Now().UnixNano() % 1e12
	}
	body, _ := json.Marshal(u)
	client := &http.Client{Timeout: limit}
	req, _ := http.NewRequest(http.MethodPost, e.webhook.URL, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("no answer within %s", limit)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("answered %d", resp.StatusCode)
	}
	return nil
}

// While the Bot API hangs, a click (acknowledged and its question edited)
// and a group command (noticed in the group) are taken in at once, and so
// are the updates of other chats, those that share a lock with them too;
// the acknowledgement is asked for at once, and everything arrives when the
// API is back.
func TestSlowBotAPIHoldsUpNoIntake(t *testing.T) {
	for _, mode := range []string{"webhook", "poll"} {
		t.Run(mode, func(t *testing.T) {
			srv := tgtest.New()
			defer srv.Close()
			e := start(t, srv, filepath.Join(t.TempDir(), "onboard.db"), mode)
			const clicker, member, group = 5401, 5402, -5400
			e.deliver(tgtest.Text(clicker, "en", "/onboard tiktok-uk"))
			q := nth(t, srv, clicker, 1)

			srv.Slow(time.Hour) // every call hangs until Slow(0)
			updates := []*models.Update{
				click(t, clicker, q, 0),
				inGroup(member, group, "/status@"+tgtest.Username),
			}
			others := []int64{stripeMate(clicker), stripeMate(group), 5403}
			for _, c := range others {
				updates = append(updates, tgtest.Text(c, "en", "/start"))
			}
			if mode == "webhook" {
				// The click and the group command are still in flight (before
				// the fix, they held their locks) while the others arrive.
				done := make(chan error, 2)
				for _, u := range updates[:2] {
					go func() { done <- e.postWithin(u, quickly) }()
				}
				for _, u := range updates[2:] {
					if err := e.postWithin(u, quickly); err != nil {
						t.Errorf("chat %d: %v", u.Message.Chat.ID, err)
					}
				}
				for range 2 {
					if err := <-done; err != nil {
						t.Errorf("click or group command: %v", err)
					}
				}
			} else {
				var last int64
				for _, u := range updates {
					last = srv.AddUpdate(u)
				}
				if !srv.Wait(quickly, func() bool { return srv.Confirmed() > last }) {
					t.Errorf("polling confirmed up to %d, not past %d, while the API hangs", srv.Confirmed(), last)
				}
			}
			if !srv.Wait(quickly, func() bool { return len(srv.Calls("answerCallbackQuery")) == 1 }) {
				t.Error("the click was not acknowledged at once")
			}

			srv.Slow(0)
			mustContain(t, nth(t, srv, clicker, 2), "How many TikTok shops")
			mustContain(t, nth(t, srv, member, 1), "not started onboarding")
			for _, c := range others {
				mustContain(t, nth(t, srv, c, 1), "Hello")
			}
			if !srv.Wait(timeout, func() bool {
				return len(srv.SentTo(group)) == 1 && len(srv.Calls("editMessageText")) == 1
			}) {
				t.Fatalf("group got %v, %d edits", texts(srv.SentTo(group)), len(srv.Calls("editMessageText")))
			}
			mustContain(t, srv.SentTo(group)[0], "private chat")
		})
	}
}

// A burst of commands in one group gets its notices there no faster than
// the per-chat rate, nor than the group rate: with a burst of two, n
// notices span at least (n-2) intervals. Every sender gets their reply.
func TestGroupNoticesArePaced(t *testing.T) {
	tests := []struct {
		name                string
		chatRate, groupRate float64
	}{
		{"per-chat rate", 5, 1000},
		{"group rate", 1000, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := tgtest.New()
			defer srv.Close()
			e := start(t, srv, filepath.Join(t.TempDir(), "onboard.db"), "webhook",
				options{chatRate: tt.chatRate, groupRate: tt.groupRate})
			const group, burst = -5500, 8
			for i := range burst {
				e.deliver(inGroup(int64(5501+i), group, "/help@"+tgtest.Username))
			}
			for i := range burst {
				nth(t, srv, int64(5501+i), 1)
			}
			if !srv.Wait(timeout, func() bool { return len(srv.SentTo(group)) == burst }) {
				t.Fatalf("%d notices in the group, want %d", len(srv.SentTo(group)), burst)
			}
			rate := min(tt.chatRate, tt.groupRate)
			slack := 0.25 / rate // the path from the pacer to the server
			notices := srv.SentTo(group)
			for i := range notices {
				for j := i + 2; j < len(notices); j++ {
					took := notices[j].At.Sub(notices[i].At).Seconds()
					if want := float64(j-i-1) / rate; took < want-slack {
						t.Fatalf("notices %d to %d took %.3fs, want at least %.3fs", i, j, took, want)
					}
				}
			}
		})
	}
}

// Anonymous admins (all sent as @GroupAnonymousBot) and messages sent on
// behalf of a channel are not sellers: a command to the bot gets a hint in
// the group to write privately, anything else nothing, and no seller is made.
func TestAnonymousSendersAreAskedToWritePrivately(t *testing.T) {
	srv := tgtest.New()
	defer srv.Close()
	e := start(t, srv, filepath.Join(t.TempDir(), "onboard.db"), "webhook")
	const anonymousAdmin, channelBot, channel = 1087968824, 136817688, -100777
	anon := func(group int64, text string) *models.Update {
		u := inGroup(anonymousAdmin, group, text)
		u.Message.From = &models.User{ID: anonymousAdmin, IsBot: true, FirstName: "Group", Username: "GroupAnonymousBot"}
		u.Message.SenderChat = &models.Chat{ID: group, Type: models.ChatTypeSupergroup, Title: "Sellers"}
		return u
	}
	asChannel := func(group int64, text string) *models.Update {
		u := inGroup(channelBot, group, text)
		u.Message.From = &models.User{ID: channelBot, IsBot: true, FirstName: "Channel", Username: "Channel_Bot"}
		u.Message.SenderChat = &models.Chat{ID: channel, Type: models.ChatTypeChannel, Title: "Our shop"}
		return u
	}
	noSenderChat := inGroup(anonymousAdmin, -6003, "/start@"+tgtest.Username)
	tests := []struct {
		name  string
		u     *models.Update
		group int64
		hint  bool
	}{
		{"anonymous admin onboards", anon(-6001, "/onboard@"+tgtest.Username+" tiktok-uk"), -6001, true},
		{"the same admin in another group", anon(-6002, "/status@"+tgtest.Username), -6002, true},
		{"the anonymous sender without sender_chat", noSenderChat, -6003, true},
		{"on behalf of a channel", asChannel(-6004, "/start@"+tgtest.Username), -6004, true},
		{"anonymous, not a command", anon(-6005, "1"), -6005, false},
		{"anonymous, a command for every bot", anon(-6006, "/start"), -6006, false},
	}
	for _, tt := range tests {
		e.deliver(tt.u)
	}
	for _, user := range []int64{anonymousAdmin, channelBot, channel} {
		// Committed before the webhook answered.
		err := e.store.Update(context.Background(), func(tx bot.Tx) error {
			_, err := tx.Seller(context.Background(), telegram.Platform, strconv.FormatInt(user, 10))
			return err
		})
		if !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("a seller for %d: %v", user, err)
		}
	}
	// A seller in the same group is answered as before.
	e.deliver(inGroup(6100, -6001, "/start@"+tgtest.Username))
	nth(t, srv, 6100, 1)
	if !srv.Wait(timeout, func() bool { return srv.Count() == 6 }) {
		t.Fatalf("%d messages in all, want 6 (4 hints, a reply and its notice)", srv.Count())
	}
	for _, user := range []int64{anonymousAdmin, channelBot, channel} {
		if n := srv.CountTo(user); n != 0 {
			t.Errorf("chat %d got %d messages", user, n)
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := srv.SentTo(tt.group)
			if tt.group == -6001 {
				got = slices.DeleteFunc(got, func(m tgtest.Sent) bool { return strings.Contains(m.Text, "answered you") })
			}
			if !tt.hint {
				if len(got) != 0 {
					t.Errorf("group got %v, want nothing", texts(got))
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("group got %v, want one hint", texts(got))
			}
			mustContain(t, got[0], "anonymous admin", "private chat", "匿名管理员", "私聊")
		})
	}
}
