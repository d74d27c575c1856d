package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/flows"
)

type projectionKey struct {
	seller int64
	market string
}

// noRows is the projection of an onboarding with no category or item
// rows: encodeProjection(nil, nil).
const noRows = "v1\x1e"

// sawProjection remembers what an onboarding row says is stored.
func (t *Tx) sawProjection(r onboardingRow) {
	if t.projections == nil {
		t.projections = map[projectionKey]string{}
	}
	t.projections[projectionKey{r.SellerID, r.Market}] = r.Projection
}

// Gone records that an onboarding was deleted in this transaction, its
// projection rows with it: a save after it starts from nothing stored.
func (t *Tx) Gone(sellerID int64, market string) {
	t.sawProjection(onboardingRow{SellerID: sellerID, Market: market, Projection: noRows})
}

// encodeProjection is the category and item rows as one string, kept in
// the onboarding row: comparing with it tells a save what changed without
// reading the rows back. The unit and record separators cannot occur in
// ids, statuses, dates or certificate numbers (a number is one word).
func encodeProjection(categories []string, items []itemRow) string {
	var b strings.Builder
	b.WriteString("v1\x1e")
	b.WriteString(strings.Join(categories, "\x1f"))
	for _, it := range items {
		b.WriteString(encodeItem(it))
	}
	return b.String()
}

// encodeItem is an item row as encodeProjection writes it: after the
// separator of its record, so that no other row's encoding contains it.
func encodeItem(it itemRow) string {
	return "\x1e" + it.Item + "\x1f" + it.Status + "\x1f" + it.Number + "\x1f" + it.Expiry
}

func decodeProjection(enc string) (categories []string, items []itemRow, ok bool) {
	records := strings.Split(enc, "\x1e")
	if len(records) < 2 || records[0] != "v1" {
		return nil, nil, false
	}
	if records[1] != "" {
		categories = strings.Split(records[1], "\x1f")
	}
	for i, r := range records[2:] {
		f := strings.Split(r, "\x1f")
		if len(f) != 4 {
			return nil, nil, false
		}
		items = append(items, itemRow{Position: i, Item: f[0], Status: f[1], Number: f[2], Expiry: f[3]})
	}
	return categories, items, true
}

// saveProjection brings a seller's category and checklist rows in one
// market to p (the head is in the onboarding row) and returns their
// encoding for the onboarding row. It writes only what changed, which it
// knows from the projection the onboarding row holds; when this
// transaction has not read that row, it reads the rows themselves.
func (t *Tx) saveProjection(ctx context.Context, p bot.Projection) (string, error) {
	want := make([]itemRow, len(p.Items))
	for i, it := range p.Items {
		want[i] = itemRow{Position: i, Item: it.Item, Status: string(it.Status), Number: it.Number, Expiry: it.Expiry}
	}
	enc := encodeProjection(p.Categories, want)
	key := projectionKey{p.SellerID, p.Market}
	categories, items, known := decodeProjection(t.projections[key])
	if !known {
		var err error
		if categories, items, err = t.storedProjection(ctx, p); err != nil {
			return "", err
		}
	}
	if err := t.saveCategories(ctx, p, categories); err != nil {
		return "", err
	}
	if err := t.saveItems(ctx, p, want, items); err != nil {
		return "", err
	}
	if t.projections == nil {
		t.projections = map[projectionKey]string{}
	}
	t.projections[key] = enc
	return enc, nil
}

// storedProjection reads a seller's category and item rows in one market.
func (t *Tx) storedProjection(ctx context.Context, p bot.Projection) ([]string, []itemRow, error) {
	var rows []struct {
		Kind string `db:"kind"`
		itemRow
	}
	if err := t.q.Select(ctx, &rows, `SELECT 'c' AS kind, position, category AS item, '' AS status, '' AS cert_number, '' AS expiry
		FROM progress_categories WHERE market = ? AND seller_id = ?
		UNION ALL
		SELECT 'i', position, item, status, cert_number, expiry
		FROM progress_items WHERE market = ? AND seller_id = ?
		ORDER BY 1, 2`, p.Market, p.SellerID, p.Market, p.SellerID); err != nil {
		return nil, nil, fmt.Errorf("load projection: %w", err)
	}
	var categories []string
	var items []itemRow
	for _, r := range rows {
		if r.Kind == "c" {
			categories = append(categories, r.Item)
		} else {
			items = append(items, r.itemRow)
		}
	}
	return categories, items, nil
}

// saveCategories rewrites the categories when they changed.
func (t *Tx) saveCategories(ctx context.Context, p bot.Projection, stored []string) error {
	if slices.Equal(stored, p.Categories) {
		return nil
	}
	if _, err := t.q.Exec(ctx, `DELETE FROM progress_categories WHERE seller_id = ? AND market = ?`, p.SellerID, p.Market); err != nil {
		return fmt.Errorf("clear categories: %w", err)
	}
	for i, c := range p.Categories {
		if _, err := t.q.Exec(ctx, `INSERT INTO progress_categories (seller_id, market, position, category) VALUES (?, ?, ?, ?)`,
			p.SellerID, p.Market, i, c); err != nil {
			return fmt.Errorf("save category: %w", err)
		}
	}
	return nil
}

type itemRow struct {
	Position int    `db:"position"`
	Item     string `db:"item"`
	Status   string `db:"status"`
	Number   string `db:"cert_number"`
	Expiry   string `db:"expiry"`
}

// saveItems writes the checklist rows that changed and drops those past
// the end.
func (t *Tx) saveItems(ctx context.Context, p bot.Projection, want, stored []itemRow) error {
	for i, it := range want {
		if i < len(stored) && stored[i] == it {
			continue
		}
		if _, err := t.q.Exec(ctx, `INSERT INTO progress_items (seller_id, market, position, item, status, cert_number, expiry)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (market, seller_id, position) DO UPDATE SET item = excluded.item, status = excluded.status,
			  cert_number = excluded.cert_number, expiry = excluded.expiry`,
			p.SellerID, p.Market, i, it.Item, it.Status, it.Number, it.Expiry); err != nil {
			return fmt.Errorf("save item: %w", err)
		}
	}
	if len(stored) > len(want) {
		if _, err := t.q.Exec(ctx, `DELETE FROM progress_items WHERE seller_id = ? AND market = ? AND position >= ?`,
			p.SellerID, p.Market, len(want)); err != nil {
			return fmt.Errorf("drop items: %w", err)
		}
	}
	return nil
}

// Projections lists the projections of a market's onboardings (of every
// market when market is empty), by seller and market, from committed data.
func (rd Reads) Projections(ctx context.Context, market string) ([]bot.Projection, error) {
	ps, err := rd.projections(ctx, market, false)
	if err != nil {
		return nil, err
	}
	out := make([]bot.Projection, len(ps))
	for i, p := range ps {
		out[i] = p.Projection
	}
	return out, nil
}

// MarketProjections lists a market's onboardings, muted or not, with
// their sellers and projections, by seller, from committed data.
func (rd Reads) MarketProjections(ctx context.Context, market string) ([]bot.SellerProjection, error) {
	return rd.projections(ctx, market, true)
}

// projections reads the projections of a market's onboardings (of every
// market when market is empty), by seller and market, in three queries
// whatever the number of sellers; with their sellers' rows when sellers
// is set (joined to the heads, so each comes with its onboarding).
func (rd Reads) projections(ctx context.Context, market string, sellers bool) ([]bot.SellerProjection, error) {
	var heads []struct {
		SellerRow
		SellerID     int64     `db:"seller_id"`
		OMarket      string    `db:"o_market"`
		Stage        string    `db:"stage"`
		Question     string    `db:"question"`
		StopQuestion string    `db:"stop_question"`
		LastActivity time.Time `db:"last_activity"`
	}
	columns, join := "", ""
	if sellers {
		columns, join = ", "+sellerColumnsOfS, " JOIN sellers s ON s.id = o.seller_id"
	}
	err := rd.q.Select(ctx, &heads, `SELECT o.seller_id AS seller_id, o.market AS o_market, o.stage AS stage, o.question AS question,
		  o.stop_question AS stop_question, o.updated_at AS last_activity`+columns+`
		FROM onboardings o`+join+` WHERE o.projection != '' AND (? = '' OR o.market = ?) ORDER BY o.seller_id, o.market`, market, market)
	if err != nil {
		return nil, fmt.Errorf("list progress: %w", err)
	}
	type key struct {
		seller int64
		market string
	}
	out := make([]bot.SellerProjection, len(heads))
	at := make(map[key]int, len(heads))
	for i, h := range heads {
		out[i].Projection = bot.Projection{SellerID: h.SellerID, Market: h.OMarket, Stage: flows.Stage(h.Stage), Question: h.Question,
			StopQuestion: h.StopQuestion, LastActivity: h.LastActivity}
		if sellers {
			out[i].Seller = h.Seller()
		}
		at[key{h.SellerID, h.OMarket}] = i
	}
	var cats []struct {
		SellerID int64  `db:"seller_id"`
		Market   string `db:"market"`
		Category string `db:"category"`
	}
	if err := rd.q.Select(ctx, &cats, `SELECT seller_id, market, category FROM progress_categories
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
	if err := rd.q.Select(ctx, &items, `SELECT seller_id, market, item, status, cert_number, expiry FROM progress_items
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

// ExpireItem reopens, in a seller's projection, an item whose
// certificate expired: its row is open again and the onboarding row's
// copy of the rows says so, by replacing that one row's encoding in it
// (encodeProjection's, a row between separators no other row has). The
// state is not read or written: it has not changed, only how it reads on
// this date, so the scheduler's path does not decode and re-project each
// onboarding. An onboarding complete is at its checklist again (as
// flows.Current has it: an item is open). It reports false when the row
// is not the one done with that expiry (the seller changed it since).
func (t *Tx) ExpireItem(ctx context.Context, sellerID int64, market string, row bot.ItemRow) (bool, error) {
	res, err := t.q.Exec(ctx, `UPDATE progress_items SET status = ?
		WHERE market = ? AND seller_id = ? AND item = ? AND status = ? AND cert_number = ? AND expiry = ?`,
		string(flows.ItemTodo), market, sellerID, row.Item, string(flows.ItemDone), row.Number, row.Expiry)
	if err != nil {
		return false, fmt.Errorf("reopen %s: %w", row.Item, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	was := itemRow{Item: row.Item, Status: string(flows.ItemDone), Number: row.Number, Expiry: row.Expiry}
	now := was
	now.Status = string(flows.ItemTodo)
	// The stage is set only where it changes: an UPDATE that sets a column
	// rewrites every index holding it, even to the same value.
	if _, err := t.q.Exec(ctx, `UPDATE onboardings SET projection = replace(projection, ?, ?)
		WHERE seller_id = ? AND market = ?`,
		encodeItem(was), encodeItem(now), sellerID, market); err != nil {
		return false, fmt.Errorf("reopen %s: %w", row.Item, err)
	}
	if _, err := t.q.Exec(ctx, `UPDATE onboardings SET stage = ? WHERE seller_id = ? AND market = ? AND stage = ?`,
		string(flows.StageChecklist), sellerID, market, string(flows.StageComplete)); err != nil {
		return false, fmt.Errorf("reopen %s: %w", row.Item, err)
	}
	// What this transaction remembers of the onboarding row is read again.
	delete(t.projections, projectionKey{sellerID, market})
	return true, nil
}
