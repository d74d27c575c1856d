package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/bot/admin"
	"github.com/onboardbot/onboardbot/data/datatest"
	"github.com/onboardbot/onboardbot/data/sqlite"
	"github.com/onboardbot/onboardbot/data/storetest"
)

// The SQLite store passes the suite every store must pass.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) bot.Store {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "onboard.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// A database from before projections gets its rows at the next start-up's
// rule sync, without a word to the sellers or the admins.
func TestProjectionsBackfilledForAnOlderDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "onboard.db")
	catalog := datatest.Rules(t)
	open := func() (*sqlite.Store, *bot.Core) {
		s, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		core := bot.New(s, catalog, bot.WithAdmins(admin.New(s, []string{"test:boss"})))
		if _, err := core.SyncRules(ctx); err != nil {
			t.Fatal(err)
		}
		return s, core
	}
	s, core := open()
	for _, text := range []string{"/start", "/lang en", "/onboard tiktok-uk", "1", "0", "1", "1", "2", "1", "beauty", "/done scpn REF1 2027-06-30"} {
		for _, user := range []string{"ann", "boss"} {
			if _, err := core.Handle(ctx, bot.Inbound{Platform: "test", UserID: user, ChatID: user, Text: text}); err != nil {
				t.Fatal(err)
			}
		}
	}
	want, err := s.Projections(ctx, "")
	if err != nil || len(want) != 2 || len(want[0].Items) == 0 {
		t.Fatalf("projections before: %+v, %v", want, err)
	}
	pending := func() int {
		n := 0
		for _, u := range []string{"ann", "boss"} {
			p, err := s.Pending(ctx, "test", u)
			if err != nil {
				t.Fatal(err)
			}
			n += len(p)
		}
		return n
	}
	before := pending()
	s.Close()

	// What a database migrated from before projections looks like.
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`UPDATE onboardings SET projection = '', question = '', stop_question = ''`,
		`DELETE FROM progress_items`, `DELETE FROM progress_categories`} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	s, _ = open()
	defer s.Close()
	got, err := s.Projections(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		want[i].LastActivity, got[i].LastActivity = want[i].LastActivity.UTC(), got[i].LastActivity.UTC()
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("projections after the backfill:\n  got  %+v\n  want %+v", got, want)
	}
	if after := pending(); after != before {
		t.Errorf("the backfill queued %d messages", after-before)
	}
}
