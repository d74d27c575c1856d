package sqlite

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/pressly/goose/v3"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/flows"
)

var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func openStore(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStoreRoundTripAcrossReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "onboard.db")
	s := openStore(t, path)

	state := flows.State{
		Answers: []flows.Answer{{Question: "entity", Values: []string{"cn-company"}, At: t0}, {Question: "shops", Text: "2", At: t0}},
		Items:   map[string]flows.ItemState{"scpn": {Status: flows.ItemDone, Number: "R1", Expiry: "2027-01-01", At: t0}},
	}
	var sellerID, replyID int64
	err := s.Update(ctx, func(tx bot.Tx) error {
		if _, err := tx.Seller(ctx, "telegram", "42"); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("new seller: err = %v, want ErrNotFound", err)
		}
		sel := bot.Seller{Platform: "telegram", UserID: "42", ChatID: "c42", Lang: flows.ZH, CreatedAt: t0}
		if err := tx.CreateSeller(ctx, &sel); err != nil {
			return err
		}
		sellerID = sel.ID
		sel.Market, sel.LangSet = "tiktok-uk", true
		if err := tx.SaveSeller(ctx, sel); err != nil {
			return err
		}
		o := bot.Onboarding{SellerID: sel.ID, Market: "tiktok-uk", RulesVersion: "v1", Stage: flows.StageLogistics, State: state, StartedAt: t0, UpdatedAt: t0}
		if err := tx.SaveOnboarding(ctx, o, bot.Projection{SellerID: o.SellerID, Market: o.Market, Stage: o.Stage, LastActivity: t0}); err != nil {
			return err
		}
		if err := tx.AppendHistory(ctx, bot.HistoryEntry{SellerID: sel.ID, Market: "tiktok-uk", Action: bot.ActionAnswer, Question: "entity", Value: "cn-company", At: t0}); err != nil {
			return err
		}
		r := bot.Reply{Platform: "telegram", ChatID: "c42", SellerID: sel.ID, Kind: bot.KindReply, Text: "hello",
			Choices: []bot.Choice{{Label: "A", Ref: bot.ChoiceRef{Market: "tiktok-uk", Question: "entity", Choice: "cn-company"}}}}
		if err := tx.Enqueue(ctx, &r, t0); err != nil {
			return err
		}
		replyID = r.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	s = openStore(t, path) // a new process on the same file
	err = s.Update(ctx, func(tx bot.Tx) error {
		sel, err := tx.Seller(ctx, "telegram", "42")
		if err != nil {
			return err
		}
		if sel.ID != sellerID || sel.Lang != flows.ZH || !sel.LangSet || sel.Market != "tiktok-uk" || sel.ChatID != "c42" || !sel.CreatedAt.Equal(t0) {
			t.Errorf("seller = %+v", sel)
		}
		o, err := tx.Onboarding(ctx, sellerID, "tiktok-uk")
		if err != nil {
			return err
		}
		if o.Stage != flows.StageLogistics || o.RulesVersion != "v1" || len(o.State.Answers) != 2 ||
			o.State.Answers[1].Text != "2" || o.State.Items["scpn"].Number != "R1" || !o.State.Answers[0].At.Equal(t0) {
			t.Errorf("onboarding = %+v", o)
		}
		if _, err := tx.Onboarding(ctx, sellerID, "tiktok-id"); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("unstarted market: err = %v", err)
		}
		all, err := tx.Onboardings(ctx, sellerID)
		if err != nil || len(all) != 1 {
			t.Errorf("onboardings = %v, %v", all, err)
		}
		return nil
	})
	if h, n, err := s.History(ctx, sellerID, "tiktok-uk", 0, 20); err != nil || len(h) != 1 || n != 1 || h[0].Value != "cn-company" || !h[0].At.Equal(t0) {
		t.Errorf("history = %+v, %v", h, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	pending, err := s.Pending(ctx, "telegram", "c42")
	if err != nil || len(pending) != 1 {
		t.Fatalf("pending = %v, %v", pending, err)
	}
	if p := pending[0]; p.ID != replyID || p.Text != "hello" || p.SellerID != sellerID || p.Kind != bot.KindReply || p.Choices[0].Ref.Choice != "cn-company" {
		t.Errorf("pending reply = %+v", p)
	}
	if err := s.MarkSent(ctx, []int64{replyID}, t0); err != nil {
		t.Fatal(err)
	}
	if pending, _ := s.Pending(ctx, "telegram", "c42"); len(pending) != 0 {
		t.Errorf("sent reply still pending: %v", pending)
	}
}

// Claims and rollbacks are in the conformance suite (data/storetest).

func TestHistoryIsAppendOnly(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, filepath.Join(t.TempDir(), "onboard.db"))
	err := s.Update(ctx, func(tx bot.Tx) error {
		sel := bot.Seller{Platform: "console", UserID: "u", CreatedAt: t0}
		if err := tx.CreateSeller(ctx, &sel); err != nil {
			return err
		}
		return tx.AppendHistory(ctx, bot.HistoryEntry{SellerID: sel.ID, Market: "m", Action: bot.ActionAnswer, At: t0})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`UPDATE answer_history SET value = 'x'`, `DELETE FROM answer_history`} {
		if _, err := s.write.ExecContext(ctx, q); err == nil {
			t.Errorf("%s succeeded", q)
		}
	}
}

func TestStoreConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, filepath.Join(t.TempDir(), "onboard.db"))
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.Update(ctx, func(tx bot.Tx) error {
				sel := bot.Seller{Platform: "telegram", UserID: string(rune('a'+i%26)) + string(rune('0'+i/26)), CreatedAt: t0}
				return tx.CreateSeller(ctx, &sel)
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	var n int
	if err := s.read.GetContext(ctx, &n, `SELECT COUNT(*) FROM sellers`); err != nil || n != 40 {
		t.Errorf("sellers = %d, %v", n, err)
	}
}

func TestOpenRejectsBadPath(t *testing.T) {
	if _, err := Open(context.Background(), ""); err == nil {
		t.Error("empty path opened")
	}
	if _, err := Open(context.Background(), filepath.Join(t.TempDir(), "missing", "dir", "x.db")); err == nil {
		t.Error("a path in a missing folder opened")
	}
}

// TestGroupCommitIsolatesFailures runs many transactions at once, so they
// share commits; the ones that fail must leave nothing behind, and every
// other one must be there.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, filepath.Join(t.TempDir(), "onboard.db"))
	boom := errors.New("boom")
	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make([]error, 200)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = s.Update(ctx, func(tx bot.Tx) error {
				sel := bot.Seller{Platform: "group", UserID: fmt.Sprint(i), CreatedAt: t0}
				if err := tx.CreateSeller(ctx, &sel); err != nil {
					return err
				}
				if i%5 == 0 {
					return boom
				}
				return nil
			})
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if (i%5 == 0) != errors.Is(err, boom) {
			t.Errorf("transaction %d: err = %v", i, err)
		}
	}
	_ = s.Update(ctx, func(tx bot.Tx) error {
		for i := range errs {
			_, err := tx.Seller(ctx, "group", fmt.Sprint(i))
			if exists := err == nil; exists == (i%5 == 0) {
				t.Errorf("seller %d exists = %v", i, exists)
			}
		}
		return nil
	})
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.Update(cancelled, func(bot.Tx) error { t.Error("a cancelled transaction ran"); return nil }); err == nil {
		t.Error("a cancelled transaction succeeded")
	}
	s.Close()
	if err := s.Update(ctx, func(bot.Tx) error { return nil }); err == nil {
		t.Error("an update after Close succeeded")
	}
}

// A database from before the lean-writes migration keeps its claims (a
// redelivered update is still a duplicate) and its undelivered messages.
func TestMigrationKeepsClaimsAndPendingMessages(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "onboard.db")
	db, p := migrator(t, path)
	if _, err := p.UpTo(ctx, 3); err != nil {
		t.Fatal(err)
	}
	db.MustExec(`INSERT INTO inbound (platform, update_id, handled_at) VALUES ('telegram', '7', ?)`, t0)
	db.MustExec(`INSERT INTO outbox (platform, chat_id, kind, payload, created_at) VALUES ('telegram', '42', 'reply', '{"text":"hi"}', ?)`, t0)
	db.Close()

	s := openStore(t, path)
	err := s.Update(ctx, func(tx bot.Tx) error {
		fresh, err := tx.Claim(ctx, "telegram", "7", t0)
		if err != nil {
			return err
		}
		if fresh {
			t.Error("an update claimed before the migration was claimed again")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	pending, err := s.Pending(ctx, "telegram", "42")
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 1 || pending[0].Text != "hi" {
		t.Errorf("pending after migration = %+v, want the one message", pending)
	}
}

// Reminders keyed by seller (before migration 00020) and keyed by when
// they fall due (after) are the same reminders both ways: the pending
// ones come due, the finished ones never again and are never planned
// again, and /reminders lists the same.
func TestMigrationRekeysReminders(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "onboard.db")
	s := openStore(t, path)
	seller := bot.Seller{Platform: "telegram", UserID: "1", ChatID: "1", Lang: flows.EN, CreatedAt: t0}
	reminder := func(item string, due time.Time) bot.Reminder {
		return bot.Reminder{SellerID: seller.ID, Market: "m", Item: item, Kind: bot.RemindExpiry7, Target: "2026-12-20", Due: due}
	}
	err := s.Update(ctx, func(tx bot.Tx) error {
		if err := tx.CreateSeller(ctx, &seller); err != nil {
			return err
		}
		if err := tx.AddReminders(ctx, []bot.Reminder{reminder("a", t0.Add(2*time.Hour)), reminder("b", t0.Add(time.Hour)), reminder("c", t0.Add(3*time.Hour))}); err != nil {
			return err
		}
		return tx.FinishReminder(ctx, reminder("c", time.Time{}), bot.ReminderSent, t0)
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	check := func(when string) {
		t.Helper()
		s := openStore(t, path)
		defer s.Close()
		err := s.Update(ctx, func(tx bot.Tx) error {
			// Planned again: c was sent, a keeps its time.
			if err := tx.AddReminders(ctx, []bot.Reminder{reminder("c", t0), reminder("a", t0)}); err != nil {
				return err
			}
			due, err := tx.DueReminders(ctx, t0.Add(24*time.Hour), 10)
			if err != nil {
				return err
			}
			var got []string
			for _, d := range due {
				got = append(got, d.Item+"@"+d.Due.UTC().Format("15:04"))
			}
			if strings.Join(got, " ") != "b@11:00 a@12:00" {
				t.Errorf("%s: due = %v, want b@11:00 a@12:00", when, got)
			}
			rs, err := tx.SellerReminders(ctx, seller.ID)
			if err != nil {
				return err
			}
			if len(rs) != 2 || rs[0].Item != "b" || rs[1].Item != "a" {
				t.Errorf("%s: the seller's reminders = %+v", when, rs)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	check("keyed by due time")

	db, p := migrator(t, path)
	if _, err := p.DownTo(ctx, 19); err != nil {
		t.Fatal(err)
	}
	var key string
	if err := db.Get(&key, `SELECT sql FROM sqlite_master WHERE name = 'reminders'`); err != nil || !strings.Contains(key, "PRIMARY KEY (seller_id") {
		t.Errorf("after going back to 00019 the table is %q, %v", key, err)
	}
	db.Close()
	check("keyed by seller, then by due time again")
}

// migrator opens the database at path with its own connection, and the
// migrations on it, to take it to a version of a test's choosing.
func migrator(t *testing.T, path string) (*sqlx.DB, *goose.Provider) {
	t.Helper()
	db, err := sqlx.Open("sqlite", dsn(path, true))
	if err != nil {
		t.Fatal(err)
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db.DB, sub)
	if err != nil {
		t.Fatal(err)
	}
	return db, p
}
