package sqlstore

import (
	"context"
	"fmt"
)

// countRow is a count by two keys (b is empty when there is one).
type countRow[A comparable] struct {
	A A      `db:"a"`
	B string `db:"b"`
	N int    `db:"n"`
}

// counts runs a query of countRow's columns into counts by a, then b.
func (rd Reads) counts(ctx context.Context, query string) (map[string]map[string]int, error) {
	return countBy[string](ctx, rd.q, query)
}

// countBy runs a query of countRow's columns, with a of type A, into
// counts by a, then b.
func countBy[A comparable](ctx context.Context, q Querier, query string, args ...any) (map[A]map[string]int, error) {
	var rows []countRow[A]
	if err := q.Select(ctx, &rows, query, args...); err != nil {
		return nil, err
	}
	out := map[A]map[string]int{}
	for _, c := range rows {
		if out[c.A] == nil {
			out[c.A] = map[string]int{}
		}
		out[c.A][c.B] = c.N
	}
	return out, nil
}

// OutboxDepth counts undelivered messages by platform and kind.
func (rd Reads) OutboxDepth(ctx context.Context) (map[string]map[string]int, error) {
	out, err := rd.counts(ctx, `SELECT platform AS a, kind AS b, COUNT(*) AS n FROM outbox
		WHERE sent_at IS NULL AND failed_at IS NULL GROUP BY platform, kind`)
	if err != nil {
		return nil, fmt.Errorf("outbox depth: %w", err)
	}
	return out, nil
}

// UnreachableSellers counts sellers marked unreachable, by platform.
func (rd Reads) UnreachableSellers(ctx context.Context) (map[string]int, error) {
	out, err := rd.counts(ctx, `SELECT platform AS a, '' AS b, COUNT(*) AS n FROM sellers
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
func (rd Reads) OnboardingStages(ctx context.Context) (map[string]map[string]int, error) {
	out, err := rd.counts(ctx, `SELECT market AS a, stage AS b, COUNT(*) AS n FROM onboardings GROUP BY market, stage`)
	if err != nil {
		return nil, fmt.Errorf("onboardings by stage: %w", err)
	}
	return out, nil
}
