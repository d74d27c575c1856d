package postgres_test

import (
	"context"
	"testing"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/pgtest"
	"github.com/onboardbot/onboardbot/data/postgres"
	"github.com/onboardbot/onboardbot/data/storetest"
)

// The PostgreSQL store passes the suite every store must pass: one
// cluster for the suite, a database of its own for each store.
func TestConformance(t *testing.T) {
	c := pgtest.Start(t)
	storetest.Run(t, func(t *testing.T) bot.Store {
		s, err := postgres.Open(context.Background(), c.DB(t))
		if err != nil {
			t.Fatalf("%v\n%s", err, c.Log())
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
