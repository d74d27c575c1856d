package sqlstore

// The reports the admins' pages read (bot.Reports): SQL over the
// projection rows, the outbox and the dashboard's tables, on the read side.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/flows"
)

// The stages of an onboarding under way, as an SQL list.
const underWay = `'eligibility', 'logistics', 'categories', 'checklist'`

// Funnel counts the onboardings per market by how far they got. It counts
// them by market and stage on the onboardings_funnel index alone (a
// platform is its sellers' ids), and adds the stages up here.
func (rd Reads) Funnel(ctx context.Context, f bot.FunnelFilter) ([]bot.FunnelRow, error) {
	// An open end of the range stands for the far past or future.
	from, to := f.From, f.To
	if from.IsZero() {
		from = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if to.IsZero() {
		to = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	query := `SELECT market, stage, count(*) AS n FROM onboardings WHERE true`
	var args []any
	if !f.From.IsZero() || !f.To.IsZero() { // a comparison per row costs more than the count
		query += ` AND started_at >= ? AND started_at < ?`
		args = append(args, from.UTC(), to.UTC())
	}
	if f.Platform != "" {
		query += ` AND seller_id IN (SELECT id FROM sellers WHERE platform = ?)`
		args = append(args, f.Platform)
	}
	var rows []struct {
		Market string `db:"market"`
		Stage  string `db:"stage"`
		N      int    `db:"n"`
	}
	if err := rd.q.Select(ctx, &rows, query+` GROUP BY market, stage ORDER BY market`, args...); err != nil {
		return nil, fmt.Errorf("funnel: %w", err)
	}
	var out []bot.FunnelRow
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].Market != r.Market {
			out = append(out, bot.FunnelRow{Market: r.Market})
		}
		row := &out[len(out)-1]
		row.Started += r.N
		switch flows.Stage(r.Stage) {
		case flows.StageComplete:
			row.Complete += r.N
			fallthrough
		case flows.StageCategories, flows.StageChecklist:
			row.Logistics += r.N
			fallthrough
		case flows.StageLogistics:
			row.Eligible += r.N
		case flows.StageIneligible:
			row.Stopped += r.N
		}
	}
	return out, nil
}

// Stuck lists the onboardings under way that have not moved since
// f.Before. The sellers' rows are read only for the page's rows.
func (rd Reads) Stuck(ctx context.Context, f bot.StuckFilter) ([]bot.StuckRow, int, error) {
	where := `FROM onboardings o WHERE o.stage IN (` + underWay + `) AND o.updated_at < ? AND (? = '' OR o.market = ?)`
	args := []any{f.Before.UTC(), f.Market, f.Market}
	if f.Platform != "" {
		where += ` AND o.seller_id IN (SELECT id FROM sellers WHERE platform = ?)`
		args = append(args, f.Platform)
	}
	var total int
	if err := rd.q.Get(ctx, &total, `SELECT count(*) `+where, args...); err != nil {
		return nil, 0, fmt.Errorf("count stuck sellers: %w", err)
	}
	var rows []struct {
		SellerRow
		OMarket  string       `db:"o_market"`
		Stage    string       `db:"stage"`
		Question string       `db:"question"`
		Updated  time.Time    `db:"updated_at"`
		NudgedAt sql.NullTime `db:"nudged_at"`
	}
	// A nudge belongs to the activity it was about (one at most: its key).
	err := rd.q.Select(ctx, &rows, `SELECT `+sellerColumnsOfS+`, o.market AS o_market, o.stage AS stage, o.question AS question,
		  o.updated_at AS updated_at, n.at AS nudged_at
		FROM (SELECT o.seller_id, o.market, o.stage, o.question, o.updated_at `+where+`
		      ORDER BY o.updated_at, o.seller_id, o.market LIMIT ?) o
		JOIN sellers s ON s.id = o.seller_id
		LEFT JOIN nudges n ON n.seller_id = o.seller_id AND n.market = o.market AND n.since = o.updated_at
		ORDER BY o.updated_at, o.seller_id, o.market`, append(args, f.Limit)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list stuck sellers: %w", err)
	}
	out := make([]bot.StuckRow, len(rows))
	for i, r := range rows {
		out[i] = bot.StuckRow{Seller: r.Seller(), Market: r.OMarket, Stage: flows.Stage(r.Stage), Question: r.Question,
			LastActivity: r.Updated, NudgedAt: r.NudgedAt.Time}
	}
	return out, total, nil
}

// Stops counts stopped onboardings by market and question.
func (rd Reads) Stops(ctx context.Context, market string) ([]bot.StopRow, error) {
	var rows []struct {
		Market   string `db:"market"`
		Question string `db:"stop_question"`
		Sellers  int    `db:"sellers"`
	}
	err := rd.q.Select(ctx, &rows, `SELECT market, stop_question, count(*) AS sellers FROM onboardings
		WHERE stage = 'ineligible' AND (? = '' OR market = ?)
		GROUP BY market, stop_question ORDER BY sellers DESC, market, stop_question`, market, market)
	if err != nil {
		return nil, fmt.Errorf("count stops: %w", err)
	}
	out := make([]bot.StopRow, len(rows))
	for i, r := range rows {
		out[i] = bot.StopRow{Market: r.Market, Question: r.Question, Sellers: r.Sellers}
	}
	return out, nil
}

// ItemCounts counts sellers per market and item by where they stand: by
// status on the progress_items_status index alone, and those expiring
// soon on the expiry index.
func (rd Reads) ItemCounts(ctx context.Context, market, soonFrom, soonTo string) ([]bot.ItemCount, error) {
	var rows []struct {
		Market string `db:"market"`
		Item   string `db:"item"`
		Status string `db:"status"`
		N      int    `db:"n"`
	}
	if err := rd.q.Select(ctx, &rows, `SELECT market, item, status, count(*) AS n FROM progress_items WHERE (? = '' OR market = ?)
		GROUP BY market, item, status`, market, market); err != nil {
		return nil, fmt.Errorf("count items: %w", err)
	}
	var soon []struct {
		Market string `db:"market"`
		Item   string `db:"item"`
		N      int    `db:"n"`
	}
	if err := rd.q.Select(ctx, &soon, `SELECT market, item, count(*) AS n FROM progress_items
		WHERE expiry != '' AND expiry >= ? AND expiry <= ? AND (? = '' OR market = ?)
		GROUP BY market, item`, soonFrom, soonTo, market, market); err != nil {
		return nil, fmt.Errorf("count items expiring: %w", err)
	}
	type key struct{ market, item string }
	at := map[key]int{}
	var out []bot.ItemCount
	count := func(market, item string) *bot.ItemCount {
		i, ok := at[key{market, item}]
		if !ok {
			i = len(out)
			at[key{market, item}] = i
			out = append(out, bot.ItemCount{Market: market, Item: item})
		}
		return &out[i]
	}
	for _, r := range rows {
		c := count(r.Market, r.Item)
		switch flows.ItemStatus(r.Status) {
		case flows.ItemDone:
			c.Done += r.N
		case flows.ItemNA:
			c.NA += r.N
		default:
			c.Open += r.N
		}
	}
	for _, r := range soon {
		count(r.Market, r.Item).Soon = r.N
	}
	return out, nil
}

// Expiring lists the certificates that expire in a range, by the expiry
// index alone: a row has an expiry only while its item is done (marking
// it open or not applicable removes it), or once that date has passed.
func (rd Reads) Expiring(ctx context.Context, from, to string, limit int) ([]bot.ExpiringRow, int, error) {
	const where = `FROM progress_items p JOIN sellers s ON s.id = p.seller_id
		WHERE p.expiry != '' AND p.expiry >= ? AND p.expiry <= ?`
	var total int
	if err := rd.q.Get(ctx, &total, `SELECT count(*) FROM progress_items p
		WHERE p.expiry != '' AND p.expiry >= ? AND p.expiry <= ?`, from, to); err != nil {
		return nil, 0, fmt.Errorf("count expiring certificates: %w", err)
	}
	var rows []struct {
		SellerRow
		PMarket string `db:"p_market"`
		Item    string `db:"item"`
		Number  string `db:"cert_number"`
		Expiry  string `db:"expiry"`
	}
	err := rd.q.Select(ctx, &rows, `SELECT `+sellerColumnsOfS+`, p.market AS p_market, p.item AS item, p.cert_number AS cert_number,
		  p.expiry AS expiry `+where+` ORDER BY p.expiry, p.seller_id, p.market, p.position LIMIT ?`, from, to, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("list expiring certificates: %w", err)
	}
	out := make([]bot.ExpiringRow, len(rows))
	for i, r := range rows {
		out[i] = bot.ExpiringRow{Seller: r.Seller(), Market: r.PMarket, Item: r.Item, Number: r.Number, Expiry: r.Expiry}
	}
	return out, total, nil
}

// AnnouncementReport lists the latest announcements with their delivery,
// in three queries whatever their number.
func (rd Reads) AnnouncementReport(ctx context.Context, limit int) ([]bot.AnnouncementStats, error) {
	var rows []announcementRow
	if err := rd.q.Select(ctx, &rows, `SELECT `+announcementColumns+` FROM announcements ORDER BY id DESC LIMIT ?`, limit); err != nil {
		return nil, fmt.Errorf("list announcements: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	out := make([]bot.AnnouncementStats, len(rows))
	at := map[int64]int{}
	for i, r := range rows {
		out[i].Announcement = r.announcement()
		at[r.ID] = i
	}
	oldest := rows[len(rows)-1].ID
	var markets []struct {
		ID     int64  `db:"announcement_id"`
		Market string `db:"market"`
	}
	if err := rd.q.Select(ctx, &markets, `SELECT announcement_id, market FROM announcement_markets
		WHERE announcement_id >= ? ORDER BY announcement_id, position`, oldest); err != nil {
		return nil, fmt.Errorf("announcement markets: %w", err)
	}
	for _, m := range markets {
		if i, ok := at[m.ID]; ok {
			out[i].Markets = append(out[i].Markets, m.Market)
		}
	}
	var stats []struct {
		ID int64 `db:"announcement_id"`
		bot.DeliveryStats
	}
	if err := rd.q.Select(ctx, &stats, `SELECT announcement_id, `+deliveryCounts+`
		FROM outbox WHERE announcement_id >= ? GROUP BY announcement_id`, oldest); err != nil {
		return nil, fmt.Errorf("announcement delivery: %w", err)
	}
	for _, st := range stats {
		if i, ok := at[st.ID]; ok {
			out[i].DeliveryStats = st.DeliveryStats
		}
	}
	return out, nil
}

// SellerByID finds a seller by id on the read side.
func (rd Reads) SellerByID(ctx context.Context, id int64) (bot.Seller, error) {
	var row SellerRow
	err := rd.q.Get(ctx, &row, `SELECT `+SellerColumns+` FROM sellers WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return bot.Seller{}, bot.ErrNotFound
	}
	if err != nil {
		return bot.Seller{}, fmt.Errorf("seller %d: %w", id, err)
	}
	return row.Seller(), nil
}

// Messages lists a seller's latest messages, by the outbox_seller index.
func (rd Reads) Messages(ctx context.Context, sellerID int64, limit int) ([]bot.SentMessage, error) {
	var rows []struct {
		outboxRow
		CreatedAt time.Time    `db:"created_at"`
		SentAt    sql.NullTime `db:"sent_at"`
		FailedAt  sql.NullTime `db:"failed_at"`
		Error     string       `db:"error"`
	}
	err := rd.q.Select(ctx, &rows, `SELECT `+outboxColumns+`, created_at, sent_at, failed_at, error FROM outbox
		WHERE seller_id = ? ORDER BY id DESC LIMIT ?`, sellerID, limit)
	if err != nil {
		return nil, fmt.Errorf("messages of seller %d: %w", sellerID, err)
	}
	out := make([]bot.SentMessage, len(rows))
	for i, r := range rows {
		rep, err := r.reply()
		if err != nil {
			return nil, err
		}
		out[i] = bot.SentMessage{ID: r.ID, Kind: rep.Kind, Text: rep.Text, Announcement: rep.Announcement,
			CreatedAt: r.CreatedAt, SentAt: r.SentAt.Time, FailedAt: r.FailedAt.Time, Error: r.Error}
	}
	return out, nil
}

// Session finds a dashboard session on the read side.
func (rd Reads) Session(ctx context.Context, hash string) (bot.Session, error) {
	var r struct {
		Hash      string    `db:"hash"`
		Admin     string    `db:"admin"`
		CSRF      string    `db:"csrf"`
		Lang      string    `db:"lang"`
		CreatedAt time.Time `db:"created_at"`
		ExpiresAt time.Time `db:"expires_at"`
	}
	err := rd.q.Get(ctx, &r, `SELECT hash, admin, csrf, lang, created_at, expires_at FROM admin_sessions WHERE hash = ?`, hash)
	if errors.Is(err, sql.ErrNoRows) {
		return bot.Session{}, bot.ErrNotFound
	}
	if err != nil {
		return bot.Session{}, fmt.Errorf("session: %w", err)
	}
	return bot.Session{Hash: r.Hash, Admin: r.Admin, CSRF: r.CSRF, Lang: flows.Lang(r.Lang), CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt}, nil
}

// The dashboard's writes (bot.Dashboard), inside a write transaction.

// CreateLogin stores a sign-in link, and forgets the expired ones.
func (t *Tx) CreateLogin(ctx context.Context, l bot.Login) error {
	if _, err := t.q.Exec(ctx, `DELETE FROM admin_logins WHERE expires_at < ?`, l.CreatedAt.UTC()); err != nil {
		return fmt.Errorf("forget expired logins: %w", err)
	}
	if _, err := t.q.Exec(ctx, `INSERT INTO admin_logins (hash, admin, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		l.Hash, l.Admin, l.CreatedAt.UTC(), l.ExpiresAt.UTC()); err != nil {
		return fmt.Errorf("create login: %w", err)
	}
	return nil
}

// UseLogin takes a sign-in link, once, while it is valid.
func (t *Tx) UseLogin(ctx context.Context, hash string, at time.Time) (bot.Login, error) {
	var r struct {
		Hash      string    `db:"hash"`
		Admin     string    `db:"admin"`
		CreatedAt time.Time `db:"created_at"`
		ExpiresAt time.Time `db:"expires_at"`
	}
	// One statement takes the link, so two clicks at once cannot both.
	err := t.q.Get(ctx, &r, `UPDATE admin_logins SET used_at = ? WHERE hash = ? AND used_at IS NULL AND expires_at > ?
		RETURNING hash, admin, created_at, expires_at`, at.UTC(), hash, at.UTC())
	if errors.Is(err, sql.ErrNoRows) {
		return bot.Login{}, bot.ErrNotFound
	}
	if err != nil {
		return bot.Login{}, fmt.Errorf("use login: %w", err)
	}
	return bot.Login{Hash: r.Hash, Admin: r.Admin, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt}, nil
}

// CreateSession stores a dashboard session, and forgets the expired ones.
func (t *Tx) CreateSession(ctx context.Context, s bot.Session) error {
	if _, err := t.q.Exec(ctx, `DELETE FROM admin_sessions WHERE expires_at < ?`, s.CreatedAt.UTC()); err != nil {
		return fmt.Errorf("forget expired sessions: %w", err)
	}
	if _, err := t.q.Exec(ctx, `INSERT INTO admin_sessions (hash, admin, csrf, lang, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
		s.Hash, s.Admin, s.CSRF, string(s.Lang), s.CreatedAt.UTC(), s.ExpiresAt.UTC()); err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// DeleteSession ends a dashboard session.
func (t *Tx) DeleteSession(ctx context.Context, hash string) error {
	if _, err := t.q.Exec(ctx, `DELETE FROM admin_sessions WHERE hash = ?`, hash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// RecordNudge records a nudge, once per seller, market and activity.
func (t *Tx) RecordNudge(ctx context.Context, n bot.Nudge) (bool, error) {
	res, err := t.q.Exec(ctx, `INSERT INTO nudges (seller_id, market, since, by, at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (seller_id, market, since) DO NOTHING`, n.SellerID, n.Market, n.Since.UTC(), n.By, n.At.UTC())
	if err != nil {
		return false, fmt.Errorf("record nudge: %w", err)
	}
	added, err := res.RowsAffected()
	return added == 1, err
}
