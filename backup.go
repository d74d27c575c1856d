package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/onboardbot/onboardbot/data/sqlite"
)

// backup writes a consistent copy of ONBOARD_DB to a new file; a running
// serve goes on meanwhile.
func (m *Main) backup(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	db := fs.String("db", m.env("ONBOARD_DB", "onboard.db"), "SQLite file (ONBOARD_DB)")
	to := fs.String("to", "", "the new file to write the copy to (an existing file is never overwritten)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("backup: unexpected argument %q", fs.Arg(0))
	}
	if *to == "" {
		return fmt.Errorf("backup: say where to write the copy: --to FILE")
	}
	if isPostgres(*db) {
		return fmt.Errorf("backup: ONBOARD_DB is a PostgreSQL database: back it up with PostgreSQL's own tools (pg_dump, or the server's base backups)")
	}
	c, err := sqlite.Backup(ctx, *db, *to)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(m.Stdout, "backup of %s written to %s: %.1f MB, %d sellers, %d onboardings, %d messages not yet delivered; checked (quick_check ok), in %s\n",
		*db, c.Path, float64(c.Bytes)/(1<<20), c.Sellers, c.Onboardings, c.Undelivered, c.Took.Round(time.Millisecond))
	fmt.Fprintf(m.Stdout, "to restore it: stop onboardbot, move %s and its -wal and -shm files aside, copy %s to %s, start onboardbot\n", *db, c.Path, *db)
	return nil
}
