package sqlite_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/datatest"
	"github.com/onboardbot/onboardbot/data/sqlite"
)

var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

// seedFile makes a database of n sellers (user ids "0" to n-1), closed.
func seedFile(t *testing.T, n int) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "onboard.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Update(ctx, func(tx bot.Tx) error {
		for i := range n {
			if err := tx.CreateSeller(ctx, &bot.Seller{Platform: "test", UserID: fmt.Sprint(i), ChatID: fmt.Sprint(i), CreatedAt: t0}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// A damaged file is refused at start, with the way out; an intact one
// starts, and the log says it was checked and how long that took.
func TestOpenChecksTheFile(t *testing.T) {
	tests := []struct {
		name    string
		damage  func(t *testing.T, path string)
		budget  time.Duration
		refused bool
		log     string
	}{
		{name: "intact", log: "database checked: no damage found"},
		{name: "a table's page", damage: func(t *testing.T, path string) { datatest.DamageTable(t, path, "sellers") }, refused: true},
		{name: "an index's page", damage: func(t *testing.T, path string) { datatest.DamageTable(t, path, "sqlite_autoindex_sellers_1") }, refused: true},
		{name: "the header", damage: func(t *testing.T, path string) {
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.WriteAt(bytes.Repeat([]byte("garbage!"), 16), 0); err != nil {
				t.Fatal(err)
			}
		}, refused: true},
		{name: "past the time limit", budget: time.Nanosecond, log: "database check stopped at its time limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := seedFile(t, 500)
			if tt.damage != nil {
				tt.damage(t, path)
			}
			if tt.budget != 0 {
				defer func(b time.Duration) { *sqlite.CheckBudget = b }(*sqlite.CheckBudget)
				*sqlite.CheckBudget = tt.budget
			}
			var log bytes.Buffer
			s, err := sqlite.Open(context.Background(), path, sqlite.WithLogger(slog.New(slog.NewTextHandler(&log, nil))))
			if err == nil {
				s.Close()
			}
			if tt.refused {
				if err == nil {
					t.Fatal("a damaged file was opened")
				}
				for _, want := range []string{path, "damaged", "will not start", "-wal", "backup", "onboardbot backup --to FILE", `"Backups" in the README`} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("the refusal does not say %q:\n%v", want, err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(log.String(), tt.log) || !strings.Contains(log.String(), "took=") {
				t.Errorf("log = %q, want %q and how long it took", log.String(), tt.log)
			}
		})
	}
}

// A transaction that fails on a damaged page fails each time it runs; the
// store gives the delivery it claims up after three failures (so the
// platform can be told to stop redelivering it), while the transactions
// that share its commits and touch intact pages are all committed.
func TestDamagedDeliveryIsSetAside(t *testing.T) {
	ctx := context.Background()
	path := seedFile(t, 500)
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	datatest.DamageTable(t, path, "sellers") // holds the last sellers, up to "499"

	read := func(user, claim string) func(bot.Tx) error {
		return func(tx bot.Tx) error {
			if claim != "" {
				if _, err := tx.Claim(ctx, "test", claim, t0); err != nil {
					return err
				}
			}
			_, err := tx.Seller(ctx, "test", user)
			return err
		}
	}
	for attempt := 1; attempt <= 4; attempt++ {
		start := make(chan struct{})
		var wg sync.WaitGroup
		var bad error
		good := make([]error, 40)
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			bad = s.Update(ctx, read("499", "bad"))
		}()
		for i := range good {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				good[i] = s.Update(ctx, read(fmt.Sprint(i), fmt.Sprintf("good-%d-%d", attempt, i)))
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range good {
			if err != nil {
				t.Errorf("attempt %d: a transaction on intact pages failed: %d: %v", attempt, i, err)
			}
		}
		switch {
		case bad == nil:
			t.Fatalf("attempt %d: a read of a damaged page succeeded", attempt)
		case attempt < 3 && errors.Is(bad, bot.ErrSetAside):
			t.Errorf("attempt %d: set aside too soon: %v", attempt, bad)
		case attempt >= 3 && !errors.Is(bad, bot.ErrSetAside):
			t.Errorf("attempt %d: err = %v, want ErrSetAside", attempt, bad)
		case !strings.Contains(bad.Error(), "malformed"):
			t.Errorf("attempt %d: err = %v, want the damage named", attempt, bad)
		}
	}
	// A transaction that claims no delivery has nothing to set aside: it
	// fails as it is.
	for range 4 {
		if err := s.Update(ctx, read("499", "")); err == nil || errors.Is(err, bot.ErrSetAside) {
			t.Fatalf("unclaimed read of a damaged page: err = %v", err)
		}
	}
}
