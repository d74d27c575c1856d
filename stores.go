package main

import (
	"context"
	"log/slog"
	"strings"

	"github.com/onboardbot/onboardbot/adapters/metrics"
	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/postgres"
	"github.com/onboardbot/onboardbot/data/sqlite"
)

// appStore is what the commands need of a store: SQLite's or PostgreSQL's.
type appStore interface {
	bot.Store
	metrics.Source
	Ping(ctx context.Context) error
	Close() error
}

// fleetStore is what a store shared by several serve instances offers
// (PostgreSQL): see data/postgres/fleet.go.
type fleetStore interface {
	// Join registers this process in the fleet; leave takes it out.
	Join(ctx context.Context, host string) (leave func(), err error)
	// Lead runs fn while this instance is the fleet's leader, again and
	// again, until ctx is done.
	Lead(ctx context.Context, fn func(ctx context.Context) error) error
	// Instances counts the live instances.
	Instances(ctx context.Context) (int, error)
	// Live reports whether this instance is in touch with the fleet.
	Live() bool
}

// isPostgres tells a PostgreSQL URL in ONBOARD_DB from a SQLite file path.
func isPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// openStore opens the store ONBOARD_DB names: a postgres:// URL, or else a
// SQLite file.
func openStore(ctx context.Context, db string, log *slog.Logger) (appStore, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if isPostgres(db) {
		s, err := postgres.Open(ctx, db, postgres.WithLogger(log))
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	s, err := sqlite.Open(ctx, db, sqlite.WithLogger(log))
	if err != nil {
		return nil, err
	}
	return s, nil
}

// dbUsage describes ONBOARD_DB for the commands' flags.
const dbUsage = "SQLite file, or a postgres:// URL (ONBOARD_DB)"
