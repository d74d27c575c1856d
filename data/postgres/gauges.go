package postgres

import (
	"context"
	"fmt"
)

type countRow struct {
	A string `db:"a"`
	B string `db:"b"`
	N int    `db:"n"`
}

func (s *Store) counts(ctx context.Context, query string) (map[string]map[string]int, error) {
	var rows []countRow
	if err := s.rsel(ctx, &rows, query); err != nil {
		return nil, err
	}
	out := map[string]map[string]int{}
	for _, r := range rows {
		if out[r.A] == nil {
			out[r.A] = map[string]int{}
		}
		out[r.A][r.B] = r.N
	}
	return out, nil
}

// OutboxDepth counts undelivered messages by platform and kind.
func (s *Store) OutboxDepth(ctx context.Context) (map[string]map[string]int, error) {
	out, err := s.counts(ctx, `SELECT platform AS a, kind AS b, COUNT(*) AS n FROM outbox
		WHERE sent_at IS NULL AND failed_at IS NULL GROUP BY platform, kind`)
	if err != nil {
		return nil, fmt.Errorf("outbox depth: %w", err)
	}
	return out, nil
}

// UnreachableSellers counts sellers marked unreachable, by platform.
func (s *Store) UnreachableSellers(ctx context.Context) (map[string]int, error) {
	out, err := s.counts(ctx, `SELECT platform AS a, '' AS b, COUNT(*) AS n FROM sellers
		WHERE unreachable_at IS NOT NULL GROUP BY platform`)
	if err != nil {
		return nil, fmt.Errorf("unreachable sellers: %w", err)
	}
	flat := map[string]int{}
	for p, m := range out {
		flat[p] = m[""]
	}
	return flat, nil
}

// OnboardingStages counts onboardings by market and stage.
func (s *Store) OnboardingStages(ctx context.Context) (map[string]map[string]int, error) {
	out, err := s.counts(ctx, `SELECT market AS a, stage AS b, COUNT(*) AS n FROM onboardings GROUP BY market, stage`)
	if err != nil {
		return nil, fmt.Errorf("onboardings by stage: %w", err)
	}
	return out, nil
}
