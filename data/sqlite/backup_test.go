package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/datatest"
	"github.com/onboardbot/onboardbot/data/sqlite"
)

// A backup taken while the store is being written to is a consistent copy:
// it passes integrity_check, holds everything committed before it began,
// and each transaction in it whole or not at all; the writers go on
// committing while it is made.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := seedFile(t, 20_000)
	s := datatest.StoreAt(t, path)
	sqlite.SetRestartAt(s, 200) // restart the WAL often, as a busy bot does every 64 MB

	// Each write is a seller and a message to them, in one transaction.
	write := func(w, i int) error {
		return s.Update(ctx, func(tx bot.Tx) error {
			sel := bot.Seller{Platform: "backup", UserID: fmt.Sprintf("%d-%d", w, i), CreatedAt: t0}
			if err := tx.CreateSeller(ctx, &sel); err != nil {
				return err
			}
			r := bot.Reply{Platform: "backup", ChatID: sel.UserID, SellerID: sel.ID, Kind: bot.KindReply, Text: strings.Repeat("x", 500)}
			return tx.Enqueue(ctx, &r, t0)
		})
	}
	var committed atomic.Int64 // writes committed so far
	var slowest atomic.Int64   // the longest write, in nanoseconds
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				began := time.Now()
				if err := write(w, i); err != nil {
					t.Error(err)
					return
				}
				if took := int64(time.Since(began)); took > slowest.Load() {
					slowest.Store(took)
				}
				committed.Add(1)
			}
		}()
	}
	for committed.Load() < 2000 { // the writers are well under way
		if err := ctx.Err(); err != nil {
			t.Fatal(err)
		}
		runtime.Gosched()
	}
	to := filepath.Join(dir, "backup.db")
	before, slowBefore := committed.Load(), time.Duration(slowest.Swap(0))
	c, err := sqlite.Backup(ctx, path, to)
	during, slowDuring := committed.Load()-before, time.Duration(slowest.Load())
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("backup: %d bytes, %d sellers in %v; %d writes committed meanwhile, the slowest took %v (before: %v)",
		c.Bytes, c.Sellers, c.Took, during, slowDuring, slowBefore)
	if during == 0 {
		t.Error("no write was committed while the backup was made")
	}

	db, err := sql.Open("sqlite", to)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check of the copy: %q, %v", check, err)
	}
	var sellers, messages, unpaired int
	err = db.QueryRow(`SELECT (SELECT COUNT(*) FROM sellers WHERE platform = 'backup'), (SELECT COUNT(*) FROM outbox WHERE platform = 'backup'),
		(SELECT COUNT(*) FROM sellers s WHERE platform = 'backup' AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.seller_id = s.id))`).Scan(&sellers, &messages, &unpaired)
	if err != nil {
		t.Fatal(err)
	}
	if sellers < int(before) || sellers != messages || unpaired != 0 {
		t.Errorf("the copy holds %d written sellers and %d messages (%d without theirs); %d were committed before it began",
			sellers, messages, unpaired, before)
	}
	if c.Sellers != 20_000+sellers || c.Path != to {
		t.Errorf("Backup says %+v; the copy holds %d sellers", c, 20_000+sellers)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, "*partial*"))
	if len(leftovers) > 0 {
		t.Errorf("left behind: %v", leftovers)
	}
}

// A backup never overwrites a file, and never leaves a partial one.
func TestBackupRefuses(t *testing.T) {
	ctx := context.Background()
	path := seedFile(t, 10)
	dir := t.TempDir()
	existing := filepath.Join(dir, "existing.db")
	if err := os.WriteFile(existing, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, from, to, want string
	}{
		{"an existing file", path, existing, "already exists"},
		{"no database", filepath.Join(dir, "missing.db"), filepath.Join(dir, "new.db"), "no database file"},
		{"a missing folder", path, filepath.Join(dir, "missing", "new.db"), "create the copy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sqlite.Backup(ctx, tt.from, tt.to)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
	if raw, _ := os.ReadFile(existing); string(raw) != "keep me" {
		t.Errorf("the existing file was changed: %q", raw)
	}
	if names, _ := filepath.Glob(filepath.Join(dir, "*")); len(names) != 1 {
		t.Errorf("files in the folder: %v, want the existing one only", names)
	}
}
