package outbox_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/bot/outbox"
	"github.com/onboardbot/onboardbot/data/datatest"
)

// The hub wakes only the dispatcher of the platform a reply is for: a
// Telegram reply makes no query of the Slack outbox.
func TestHubRoutesByPlatform(t *testing.T) {
	store := datatest.Store(t)
	tgOutbox, slackOutbox := &countingOutbox{Store: store}, &countingOutbox{Store: store}
	tgSender := &slowSender{sent: map[string][]string{}}
	slackSender := &slowSender{sent: map[string][]string{}}
	// A poll interval of an hour: only the hub's notifications wake them.
	tg := outbox.NewDispatcher(tgOutbox, "telegram", tgSender, outbox.WithPollInterval(time.Hour))
	sl := outbox.NewDispatcher(slackOutbox, "slack", slackSender, outbox.WithPollInterval(time.Hour))
	hub := outbox.NewHub()
	hub.Add("telegram", tg)
	hub.Add("slack", sl)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{}, 2)
	for _, d := range []*outbox.Dispatcher{tg, sl} {
		go func() { d.Run(ctx); stopped <- struct{}{} }()
	}
	defer func() { cancel(); <-stopped; <-stopped }()
	waitFor(t, func() bool { return tgOutbox.scans.Load() >= 2 && slackOutbox.scans.Load() >= 2 }) // the look at start
	slackScans := slackOutbox.scans.Load()

	const n = 50
	for i := range n {
		chat := fmt.Sprintf("tg%d", i)
		err := store.Update(ctx, func(tx bot.Tx) error {
			r := bot.Reply{Platform: "telegram", ChatID: chat, Kind: bot.KindReply, Text: "hi"}
			return tx.Enqueue(ctx, &r, time.Now())
		})
		if err != nil {
			t.Fatal(err)
		}
		hub.Notify("telegram", chat)
	}
	waitFor(t, func() bool { return tgSender.n.Load() == n })
	if got := slackOutbox.scans.Load(); got != slackScans {
		t.Errorf("Telegram notifications made the Slack dispatcher list its outbox %d times", got-slackScans)
	}
	if slackSender.n.Load() != 0 {
		t.Errorf("the Slack dispatcher sent %d Telegram messages", slackSender.n.Load())
	}

	// An empty platform (an announcement) wakes every dispatcher.
	err := store.Update(ctx, func(tx bot.Tx) error {
		r := bot.Reply{Platform: "slack", ChatID: "D1", Kind: bot.KindAnnouncement, Text: "news"}
		return tx.Enqueue(ctx, &r, time.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	hub.Notify("")
	waitFor(t, func() bool { return slackSender.n.Load() == 1 })
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(2 * time.Millisecond)
	}
}
