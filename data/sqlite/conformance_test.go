package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/onboardbot/onboardbot/bot"
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
