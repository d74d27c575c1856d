package pgtest_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/data/pgtest"
)

// A cluster starts, gives each test its own database, and survives a restart.
func TestCluster(t *testing.T) {
	c := pgtest.Start(t)
	ctx := context.Background()
	a, b := c.DB(t), c.DB(t)
	if a == b {
		t.Fatalf("two databases share the URL %s", a)
	}
	db, err := sql.Open("pgx", a)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE TABLE x (v int); INSERT INTO x VALUES (7)`); err != nil {
		t.Fatal(err)
	}
	c.Restart(t, 100*time.Millisecond)
	var v int
	// The pool's old connection died with the server: the next one works.
	for range 3 {
		if err = db.QueryRowContext(ctx, `SELECT v FROM x`).Scan(&v); err == nil {
			break
		}
	}
	if err != nil || v != 7 {
		t.Fatalf("after a restart: %d, %v\n%s", v, err, c.Log())
	}
}
