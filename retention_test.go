package main

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/adapters/telegram/tgtest"
	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/sqlite"
)

// ONBOARD_RETENTION takes days or a Go duration of at least a day; serve
// refuses anything else at start, naming the variable.
func TestRetentionSetting(t *testing.T) {
	const day = 24 * time.Hour
	for _, c := range []struct {
		in   string
		want time.Duration // 0: refused
	}{
		{"30d", 30 * day}, {"1d", day}, {"720h", 30 * day}, {"36h", 36 * time.Hour},
		{"0d", 0}, {"12h", 0}, {"-3d", 0}, {"-48h", 0}, {"d", 0}, {"forever", 0}, {"30 days", 0}, {"99999999d", 0}, {"1.5d", 0},
	} {
		got, err := retention(c.in)
		if got != c.want || (err == nil) != (c.want != 0) {
			t.Errorf("retention(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	code, _, errOut := run(t, map[string]string{"TELEGRAM_BOT_TOKEN": "1:a", "ONBOARD_RETENTION": "12h",
		"ONBOARD_DB": filepath.Join(t.TempDir(), "x.db")}, "", "serve")
	if code == 0 || !strings.Contains(errOut, "ONBOARD_RETENTION") {
		t.Errorf("serve with ONBOARD_RETENTION=12h: exit %d, %s", code, errOut)
	}
}

// serve prunes as soon as it starts, keeping delivered messages as long as
// ONBOARD_RETENTION says and claims a week.
func TestServePrunesWithItsRetention(t *testing.T) {
	const day = 24 * time.Hour
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "onboard.db")
	store, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	var ids []int64 // queued 40, 33 and 1 days ago
	err = store.Update(ctx, func(tx bot.Tx) error {
		ids = ids[:0]
		for _, age := range []time.Duration{40 * day, 33 * day, day} {
			r := bot.Reply{Platform: "telegram", ChatID: "7001", Kind: bot.KindReply, Text: "hello"}
			if err := tx.Enqueue(ctx, &r, now.Add(-age)); err != nil {
				return err
			}
			ids = append(ids, r.ID)
		}
		for _, c := range []struct {
			id  string
			age time.Duration
		}{{"old", 8 * day}, {"young", 6 * day}} {
			if _, err := tx.Claim(ctx, "telegram", c.id, now.Add(-c.age)); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		err = store.MarkSent(ctx, ids, now)
	}
	if err != nil {
		t.Fatal(err)
	}
	store.Close()

	srv := tgtest.New()
	defer srv.Close()
	stop := startServe(t, map[string]string{"ONBOARD_DB": db, "ONBOARD_ADDR": freeAddr(t), "TELEGRAM_BOT_TOKEN": tgtest.Token,
		"TELEGRAM_API_URL": srv.URL, "ONBOARD_RETENTION": "35d"})
	r, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	left := 1 // the oldest message, pruned last
	for deadline := time.Now().Add(10 * time.Second); left > 0 && time.Now().Before(deadline); <-time.After(10 * time.Millisecond) {
		if err := r.QueryRow(`SELECT count(*) FROM outbox WHERE id = ?`, ids[0]).Scan(&left); err != nil {
			t.Fatal(err)
		}
	}
	code, logs := stop()
	if code != 0 || !strings.Contains(logs, "pruned claims=1 messages=1") {
		t.Fatalf("serve exited with %d and did not prune one claim and one message:\n%s", code, logs)
	}
	var messages, claims string
	if err := r.QueryRow(`SELECT (SELECT group_concat(id) FROM (SELECT id FROM outbox ORDER BY id)), (SELECT group_concat(update_id) FROM inbound)`).Scan(&messages, &claims); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%d,%d", ids[1], ids[2]); messages != want || claims != "young" {
		t.Errorf("kept messages %s and claims %s; want messages %s and the young claim", messages, claims, want)
	}
}
