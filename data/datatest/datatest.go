// Package datatest gives tests the bot's real parts: the market rules it
// ships with and a store on a fresh SQLite file.
package datatest

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/data/markets"
	"github.com/onboardbot/onboardbot/data/sqlite"
	"github.com/onboardbot/onboardbot/flows"
)

// Rules loads the market rules embedded in the bot.
func Rules(tb testing.TB) *flows.Catalog {
	tb.Helper()
	fsys, dir := markets.EmbeddedRules()
	catalog, err := markets.LoadRules(fsys, dir)
	if err != nil {
		tb.Fatal(err)
	}
	return catalog
}

// Store opens a store on a new file in tb's temporary directory, closed
// when the test ends.
func Store(tb testing.TB) *sqlite.Store {
	tb.Helper()
	return StoreAt(tb, filepath.Join(tb.TempDir(), "onboard.db"))
}

// StoreAt opens a store on the file at path, closed when the test ends.
func StoreAt(tb testing.TB, path string) *sqlite.Store {
	tb.Helper()
	store, err := sqlite.Open(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { store.Close() })
	return store
}

// DamageTable writes garbage over the last leaf page of table's b-tree in
// the SQLite file at path (the page that holds its highest rowids), as a
// disk fault would. The file may be open in a store: the WAL is copied back
// first, so the page read next is the damaged one.
func DamageTable(tb testing.TB, path, table string) {
	tb.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	var busy, frames, copied, pageSize, page int64
	// A store still open on the file may be checkpointing or reading at
	// this moment: try again for a while.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		err := db.QueryRow(`PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &frames, &copied)
		if err == nil && busy == 0 {
			break
		}
		if time.Now().After(deadline) {
			tb.Fatalf("checkpoint before damaging: busy %d, %v", busy, err)
		}
	}
	if err := db.QueryRow(`PRAGMA page_size`).Scan(&pageSize); err != nil {
		tb.Fatal(err)
	}
	// dbstat lists a b-tree's pages in key order by path.
	err = db.QueryRow(`SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY path DESC LIMIT 1`, table).Scan(&page)
	if err != nil {
		tb.Fatalf("find a leaf page of %s: %v", table, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(bytes.Repeat([]byte{0xAB}, int(pageSize)), (page-1)*pageSize); err != nil {
		tb.Fatal(err)
	}
}
