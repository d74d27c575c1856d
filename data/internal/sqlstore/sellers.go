package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/onboardbot/onboardbot/bot"
)

// InsertClaim records an inbound delivery (bot.Claims): the store's Claim
// wraps it.
func (t *Tx) InsertClaim(ctx context.Context, platform, updateID string, at time.Time) (bool, error) {
	res, err := t.q.Exec(ctx, `INSERT INTO inbound (platform, update_id, handled_at) VALUES (?, ?, ?)
		ON CONFLICT (platform, update_id) DO NOTHING`, platform, updateID, at.UTC())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// InsertSeller adds a seller and sets its ID: the store's CreateSeller
// wraps it.
func (t *Tx) InsertSeller(ctx context.Context, s *bot.Seller) error {
	// RETURNING works in SQLite 3.35+ and PostgreSQL, unlike LastInsertId.
	return t.q.Get(ctx, &s.ID,
		`INSERT INTO sellers (platform, user_id, chat_id, lang, lang_set, market, created_at, tz, tz_set, reminders_off)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		s.Platform, s.UserID, s.ChatID, string(s.Lang), s.LangSet, s.Market, s.CreatedAt.UTC(), s.TZ, s.TZSet, int(s.RemindersOff))
}

// UpdateSeller writes a seller's row: the store's SaveSeller wraps it.
func (t *Tx) UpdateSeller(ctx context.Context, s bot.Seller) error {
	if s.Unreachable {
		// The store marks sellers unreachable (MarkUnreachable); the core only clears it.
		_, err := t.q.Exec(ctx, `UPDATE sellers SET chat_id = ?, lang = ?, lang_set = ?, market = ?, tz = ?, tz_set = ?, reminders_off = ? WHERE id = ?`,
			s.ChatID, string(s.Lang), s.LangSet, s.Market, s.TZ, s.TZSet, int(s.RemindersOff), s.ID)
		return err
	}
	_, err := t.q.Exec(ctx, `UPDATE sellers SET chat_id = ?, lang = ?, lang_set = ?, market = ?, tz = ?, tz_set = ?, reminders_off = ?, unreachable_at = NULL WHERE id = ?`,
		s.ChatID, string(s.Lang), s.LangSet, s.Market, s.TZ, s.TZSet, int(s.RemindersOff), s.ID)
	return err
}

// SellersByKey finds sellers by "platform:user id" keys, through the
// store's own Seller.
func (t *Tx) SellersByKey(ctx context.Context, keys []string) ([]bot.Seller, error) {
	var out []bot.Seller
	for _, k := range keys {
		platform, user, ok := strings.Cut(k, ":")
		if !ok {
			continue
		}
		s, err := t.q.Seller(ctx, platform, user)
		if errors.Is(err, bot.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// SelectOnboarding reads one onboarding by seller and market: the query
// LoadOnboarding takes, which a store may end with a locking clause.
const SelectOnboarding = `SELECT ` + onboardingColumns + ` FROM onboardings WHERE seller_id = ? AND market = ?`

// LoadOnboarding finds a seller's onboarding in a market with query
// (SelectOnboarding, maybe with more) and remembers its projection: the
// store's Onboarding wraps it.
func (t *Tx) LoadOnboarding(ctx context.Context, query string, sellerID int64, market string) (bot.Onboarding, error) {
	var r onboardingRow
	err := t.q.Get(ctx, &r, query, sellerID, market)
	if errors.Is(err, sql.ErrNoRows) {
		t.sawProjection(onboardingRow{SellerID: sellerID, Market: market, Projection: noRows})
		return bot.Onboarding{}, bot.ErrNotFound
	}
	if err != nil {
		return bot.Onboarding{}, err
	}
	t.sawProjection(r)
	return r.onboarding()
}

// ListOnboardings lists a seller's onboardings, the query ending with
// suffix (a locking clause, or nothing), and remembers their projections:
// the store's Onboardings wraps it.
func (t *Tx) ListOnboardings(ctx context.Context, sellerID int64, suffix string) ([]bot.Onboarding, error) {
	return onboardings(ctx, t.q, sellerID, suffix, t.sawProjection)
}

// Onboardings lists a seller's onboardings from committed data.
func (rd Reads) Onboardings(ctx context.Context, sellerID int64) ([]bot.Onboarding, error) {
	return onboardings(ctx, rd.q, sellerID, "", nil)
}

// onboardings lists a seller's onboardings, the query ending with suffix.
// saw, when set, is told of each row with its projection; without it the
// projection, at the end of the row, is not read.
func onboardings(ctx context.Context, q Querier, sellerID int64, suffix string, saw func(onboardingRow)) ([]bot.Onboarding, error) {
	var rows []onboardingRow
	columns := onboardingColumns
	if saw == nil {
		columns = strings.TrimSuffix(onboardingColumns, ", projection") + ", '' AS projection"
		saw = func(onboardingRow) {}
	}
	err := q.Select(ctx, &rows,
		`SELECT `+columns+` FROM onboardings WHERE seller_id = ? ORDER BY started_at, market`+suffix, sellerID)
	if err != nil {
		return nil, err
	}
	out := make([]bot.Onboarding, 0, len(rows))
	for _, r := range rows {
		o, err := r.onboarding()
		if err != nil {
			return nil, err
		}
		saw(r)
		out = append(out, o)
	}
	return out, nil
}

// SubscriberColumns are a seller's columns (sellers aliased s) and then
// an onboarding's (aliased o), as ReadSubscribers reads them.
const SubscriberColumns = `s.id, s.platform, s.user_id, s.chat_id, s.lang, s.lang_set, s.market, s.unreachable_at, s.created_at,
	s.tz, s.tz_set, s.reminders_off, o.seller_id, o.market, o.rules_version, o.stage, o.state, o.started_at, o.updated_at, o.muted, o.projection`

// Rows are the rows of a query, as database/sql and sqlx give them.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

// ReadSubscribers reads the rows of a query of SubscriberColumns (with the
// query's error), closes them, and remembers the projections: the stores
// write the queries, which differ.
func (t *Tx) ReadSubscribers(rows Rows, err error) ([]bot.Subscriber, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []bot.Subscriber
	for rows.Next() {
		var s SellerRow
		var o onboardingRow
		if err := s.Scan(rows, &o.SellerID, &o.Market, &o.RulesVersion, &o.Stage, &o.State, &o.StartedAt, &o.UpdatedAt, &o.Muted, &o.Projection); err != nil {
			return nil, err
		}
		ob, err := o.onboarding()
		if err != nil {
			return nil, err
		}
		t.sawProjection(o)
		out = append(out, bot.Subscriber{Seller: s.Seller(), Onboarding: ob})
	}
	return out, rows.Err()
}

// SaveOnboarding stores an onboarding and its projection's rows.
func (t *Tx) SaveOnboarding(ctx context.Context, o bot.Onboarding, p bot.Projection) error {
	state, err := json.Marshal(o.State)
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	// The rows first: they compare with the projection stored so far.
	enc, err := t.saveProjection(ctx, p)
	if err != nil {
		return err
	}
	_, err = t.q.Exec(ctx, `INSERT INTO onboardings (`+onboardingColumns+`, question, stop_question)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (seller_id, market) DO UPDATE SET
		  rules_version = excluded.rules_version, stage = excluded.stage,
		  state = excluded.state, updated_at = excluded.updated_at, muted = excluded.muted,
		  question = excluded.question, stop_question = excluded.stop_question, projection = excluded.projection`,
		o.SellerID, o.Market, o.RulesVersion, string(p.Stage), string(state), o.StartedAt.UTC(), o.UpdatedAt.UTC(), o.Muted, enc,
		p.Question, p.StopQuestion)
	return err
}

// SetMuted mutes or unmutes a seller's onboarding in a market.
func (t *Tx) SetMuted(ctx context.Context, sellerID int64, market string, muted bool) error {
	_, err := t.q.Exec(ctx, `UPDATE onboardings SET muted = ? WHERE seller_id = ? AND market = ?`, muted, sellerID, market)
	return err
}

// AppendHistory adds an entry to a seller's answer history.
func (t *Tx) AppendHistory(ctx context.Context, h bot.HistoryEntry) error {
	_, err := t.q.Exec(ctx, `INSERT INTO answer_history (seller_id, market, action, question, value, at, by_member)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, h.SellerID, h.Market, string(h.Action), h.Question, h.Value, h.At.UTC(), h.By)
	return err
}

// History lists a page of a seller's history in a market from committed
// data. Both queries use the (seller, market, id) index: the count reads
// only the index, and the page reads only its own rows.
func (rd Reads) History(ctx context.Context, sellerID int64, market string, offset, limit int) ([]bot.HistoryEntry, int, error) {
	var total int
	if err := rd.q.Get(ctx, &total, `SELECT count(*) FROM answer_history WHERE seller_id = ? AND market = ?`, sellerID, market); err != nil {
		return nil, 0, fmt.Errorf("count history: %w", err)
	}
	var rows []struct {
		SellerID int64     `db:"seller_id"`
		Market   string    `db:"market"`
		Action   string    `db:"action"`
		Question string    `db:"question"`
		Value    string    `db:"value"`
		At       time.Time `db:"at"`
		By       string    `db:"by_member"`
	}
	err := rd.q.Select(ctx, &rows,
		`SELECT seller_id, market, action, question, value, at, by_member FROM (
		   SELECT id, seller_id, market, action, question, value, at, by_member FROM answer_history
		   WHERE seller_id = ? AND market = ? ORDER BY id DESC LIMIT ? OFFSET ?) page
		 ORDER BY id`, sellerID, market, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("load history: %w", err)
	}
	out := make([]bot.HistoryEntry, len(rows))
	for i, h := range rows {
		out[i] = bot.HistoryEntry{SellerID: h.SellerID, Market: h.Market, Action: bot.Action(h.Action),
			Question: h.Question, Value: h.Value, At: h.At, By: h.By}
	}
	return out, total, nil
}
