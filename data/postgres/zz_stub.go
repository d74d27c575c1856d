package postgres

import (
	"context"
	"log/slog"

	"github.com/jmoiron/sqlx"
	"github.com/onboardbot/onboardbot/bot"
)

type Store struct {
	bot.Store
	db    *sqlx.DB
	fleet fleetState
	log   *slog.Logger
}
type Option func()

func WithLogger(*slog.Logger) Option                                    { return nil }
func Open(ctx context.Context, url string, o ...Option) (*Store, error) { return nil, nil }
func (s *Store) Ping(ctx context.Context) error                         { return nil }
func (s *Store) Close() error                                           { return nil }
func (s *Store) OutboxDepth(ctx context.Context) (map[string]map[string]int, error) {
	return nil, nil
}
func (s *Store) UnreachableSellers(ctx context.Context) (map[string]int, error) { return nil, nil }
func (s *Store) OnboardingStages(ctx context.Context) (map[string]map[string]int, error) {
	return nil, nil
}
