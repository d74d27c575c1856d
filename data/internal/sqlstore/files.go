package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/onboardbot/onboardbot/bot"
)

// AddItemFile records a file a seller attached to an item, once.
func (t *Tx) AddItemFile(ctx context.Context, f bot.ItemFile) (bool, error) {
	a := f.File
	res, err := t.q.Exec(ctx,
		`INSERT INTO item_files (seller_id, market, item, file_ref, unique_id, name, mime, size, photo, link, added_at)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		 ON CONFLICT (seller_id, market, item, unique_id) DO NOTHING`,
		f.SellerID, f.Market, f.Item, a.Ref, a.UniqueID, a.Name, a.MIME, a.Size, a.Photo, a.Link, f.At.UTC())
	if err != nil {
		return false, fmt.Errorf("add item file: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

type itemFileRow struct {
	SellerID int64     `db:"seller_id"`
	Market   string    `db:"market"`
	Item     string    `db:"item"`
	Ref      string    `db:"file_ref"`
	UniqueID string    `db:"unique_id"`
	Name     string    `db:"name"`
	MIME     string    `db:"mime"`
	Size     int64     `db:"size"`
	Photo    bool      `db:"photo"`
	Link     string    `db:"link"`
	At       time.Time `db:"added_at"`
}

// ItemFiles lists a seller's files in a market (of one item, unless item is empty).
func (t *Tx) ItemFiles(ctx context.Context, sellerID int64, market, item string) ([]bot.ItemFile, error) {
	var rows []itemFileRow
	err := t.q.Select(ctx, &rows,
		`SELECT seller_id, market, item, file_ref, unique_id, name, mime, size, photo, link, added_at FROM item_files
		 WHERE seller_id = ? AND market = ? AND (? = '' OR item = ?) ORDER BY id`, sellerID, market, item, item)
	if err != nil {
		return nil, fmt.Errorf("item files: %w", err)
	}
	out := make([]bot.ItemFile, len(rows))
	for i, r := range rows {
		out[i] = bot.ItemFile{SellerID: r.SellerID, Market: r.Market, Item: r.Item, At: r.At,
			File: bot.Attachment{Ref: r.Ref, UniqueID: r.UniqueID, Name: r.Name, MIME: r.MIME, Size: r.Size, Photo: r.Photo, Link: r.Link}}
	}
	return out, nil
}

// MarketFiles counts the files attached to items of a market, per seller
// and item, in one query from committed data. It goes from the market's
// onboardings (their index by market) to each one's files (the prefix of
// item_files' unique key), so it reads that market's files and no other.
func (rd Reads) MarketFiles(ctx context.Context, market string) (map[int64]map[string]int, error) {
	out, err := countBy[int64](ctx, rd.q, `SELECT f.seller_id AS a, f.item AS b, count(*) AS n
		FROM onboardings o JOIN item_files f ON f.seller_id = o.seller_id AND f.market = o.market
		WHERE o.market = ? GROUP BY f.seller_id, f.item`, market)
	if err != nil {
		return nil, fmt.Errorf("count files of %s: %w", market, err)
	}
	return out, nil
}
