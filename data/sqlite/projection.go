package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/flows"
)

// saveProjection replaces a seller's projection rows in one market. The
// categories and items are rewritten whole: they are few, and a diff would
// cost a read of each.
func (t *storeTx) saveProjection(ctx context.Context, p bot.Projection) error {
	_, err := t.exec(ctx, `INSERT INTO progress (seller_id, market, stage, question, stop_question, last_activity)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (seller_id, market) DO UPDATE SET stage = excluded.stage, question = excluded.question,
		  stop_question = excluded.stop_question, last_activity = excluded.last_activity`,
		p.SellerID, p.Market, string(p.Stage), p.Question, p.StopQuestion, p.LastActivity.UTC())
	if err != nil {
		return fmt.Errorf("save progress: %w", err)
	}
	if _, err := t.exec(ctx, `DELETE FROM progress_categories WHERE seller_id = ? AND market = ?`, p.SellerID, p.Market); err != nil {
		return fmt.Errorf("clear categories: %w", err)
	}
	for i, c := range p.Categories {
		if _, err := t.exec(ctx, `INSERT INTO progress_categories (seller_id, market, position, category) VALUES (?, ?, ?, ?)`,
			p.SellerID, p.Market, i, c); err != nil {
			return fmt.Errorf("save category: %w", err)
		}
	}
	if _, err := t.exec(ctx, `DELETE FROM progress_items WHERE seller_id = ? AND market = ?`, p.SellerID, p.Market); err != nil {
		return fmt.Errorf("clear items: %w", err)
	}
	for i, it := range p.Items {
		if _, err := t.exec(ctx, `INSERT INTO progress_items (seller_id, market, position, item, status, cert_number, expiry)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, p.SellerID, p.Market, i, it.Item, string(it.Status), it.Number, it.Expiry); err != nil {
			return fmt.Errorf("save item: %w", err)
		}
	}
	return nil
}

// Projections lists the projections of a market's onboardings (of every
// market when market is empty), by seller and market, from committed data.
func (s *Store) Projections(ctx context.Context, market string) ([]bot.Projection, error) {
	var heads []struct {
		SellerID     int64     `db:"seller_id"`
		Market       string    `db:"market"`
		Stage        string    `db:"stage"`
		Question     string    `db:"question"`
		StopQuestion string    `db:"stop_question"`
		LastActivity time.Time `db:"last_activity"`
	}
	err := s.rsel(ctx, &heads, `SELECT seller_id, market, stage, question, stop_question, last_activity FROM progress
		WHERE ? = '' OR market = ? ORDER BY seller_id, market`, market, market)
	if err != nil {
		return nil, fmt.Errorf("list progress: %w", err)
	}
	type key struct {
		seller int64
		market string
	}
	out := make([]bot.Projection, len(heads))
	at := make(map[key]int, len(heads))
	for i, h := range heads {
		out[i] = bot.Projection{SellerID: h.SellerID, Market: h.Market, Stage: flows.Stage(h.Stage), Question: h.Question,
			StopQuestion: h.StopQuestion, LastActivity: h.LastActivity}
		at[key{h.SellerID, h.Market}] = i
	}
	var cats []struct {
		SellerID int64  `db:"seller_id"`
		Market   string `db:"market"`
		Category string `db:"category"`
	}
	if err := s.rsel(ctx, &cats, `SELECT seller_id, market, category FROM progress_categories
		WHERE ? = '' OR market = ? ORDER BY seller_id, market, position`, market, market); err != nil {
		return nil, fmt.Errorf("list categories: %w", err)
	}
	for _, c := range cats {
		if i, ok := at[key{c.SellerID, c.Market}]; ok {
			out[i].Categories = append(out[i].Categories, c.Category)
		}
	}
	var items []struct {
		SellerID int64  `db:"seller_id"`
		Market   string `db:"market"`
		Item     string `db:"item"`
		Status   string `db:"status"`
		Number   string `db:"cert_number"`
		Expiry   string `db:"expiry"`
	}
	if err := s.rsel(ctx, &items, `SELECT seller_id, market, item, status, cert_number, expiry FROM progress_items
		WHERE ? = '' OR market = ? ORDER BY seller_id, market, position`, market, market); err != nil {
		return nil, fmt.Errorf("list items: %w", err)
	}
	for _, it := range items {
		if i, ok := at[key{it.SellerID, it.Market}]; ok {
			out[i].Items = append(out[i].Items, bot.ItemRow{Item: it.Item, Status: flows.ItemStatus(it.Status), Number: it.Number, Expiry: it.Expiry})
		}
	}
	return out, nil
}
