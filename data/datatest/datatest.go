// Package datatest gives tests the bot's real parts: the market rules it
// ships with and a store on a fresh SQLite file.
package datatest

import (
	"context"
	"path/filepath"
	"testing"

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
	store, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "onboard.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { store.Close() })
	return store
}
