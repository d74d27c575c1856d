// Package teamsql is the SQL of companies' members, accounts, codes and
// team notes (bot.Accounts), written once for the SQLite and PostgreSQL
// stores: their schemas agree on these tables, and each store runs these
// statements in its own transaction and adds what is its own (the
// company's row, locks, caches).
package teamsql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/flows"
)

// DB runs statements in a store's transaction, with "?" placeholders.
type DB interface {
	Exec(ctx context.Context, query string, args ...any) (sql.Result, error)
	Get(ctx context.Context, dest any, query string, args ...any) error
	Select(ctx context.Context, dest any, query string, args ...any) error
}

// Tx is bot.Accounts, but for the company's row and locks, on a DB.
type Tx struct{ DB DB }

type memberRow struct {
	ID        int64        `db:"id"`
	SellerID  int64        `db:"seller_id"`
	Name      string       `db:"name"`
	Role      string       `db:"role"`
	Lang      string       `db:"lang"`
	LangSet   bool         `db:"lang_set"`
	Platform  string       `db:"platform"`
	UserID    string       `db:"user_id"`
	Seen      string       `db:"seen"`
	LastDid   string       `db:"last_did"`
	LastAt    sql.NullTime `db:"last_at"`
	CreatedAt time.Time    `db:"created_at"`
}

const memberColumns = `m.id, m.seller_id, m.name, m.role, m.lang, m.lang_set, m.platform, m.user_id, m.seen, m.last_did, m.last_at, m.created_at`

func (r memberRow) member() bot.Member {
	return bot.Member{ID: r.ID, SellerID: r.SellerID, Name: r.Name, Role: bot.Role(r.Role), Lang: flows.Lang(r.Lang), LangSet: r.LangSet,
		Platform: r.Platform, UserID: r.UserID, Seen: r.Seen, LastDid: r.LastDid, LastAt: r.LastAt.Time, CreatedAt: r.CreatedAt}
}

type accountRow struct {
	Platform  string    `db:"platform"`
	UserID    string    `db:"user_id"`
	ChatID    string    `db:"chat_id"`
	SellerID  int64     `db:"seller_id"`
	MemberID  int64     `db:"member_id"`
	CreatedAt time.Time `db:"created_at"`
}

const accountColumns = `a.platform, a.user_id, a.chat_id, a.seller_id, a.member_id, a.created_at`

func (r accountRow) account() bot.Account {
	return bot.Account{Platform: r.Platform, UserID: r.UserID, ChatID: r.ChatID, SellerID: r.SellerID, MemberID: r.MemberID, CreatedAt: r.CreatedAt}
}

// Identify finds an account with its member and how many members its
// company has; the caller adds the company's row. ErrNotFound if none.
func (t Tx) Identify(ctx context.Context, platform, userID string) (bot.Identity, error) {
	var r struct {
		accountRow
		M       memberRow `db:"m"`
		Members int       `db:"members"`
	}
	err := t.DB.Get(ctx, &r, `SELECT `+accountColumns+`,
		  m.id AS "m.id", m.seller_id AS "m.seller_id", m.name AS "m.name", m.role AS "m.role", m.lang AS "m.lang",
		  m.lang_set AS "m.lang_set", m.platform AS "m.platform", m.user_id AS "m.user_id", m.seen AS "m.seen",
		  m.last_did AS "m.last_did", m.last_at AS "m.last_at", m.created_at AS "m.created_at",
		  (SELECT count(*) FROM members c WHERE c.seller_id = a.seller_id) AS members
		FROM accounts a JOIN members m ON m.id = a.member_id
		WHERE a.platform = ? AND a.user_id = ?`, platform, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return bot.Identity{}, bot.ErrNotFound
	}
	if err != nil {
		return bot.Identity{}, fmt.Errorf("identify %s:%s: %w", platform, userID, err)
	}
	return bot.Identity{Account: r.account(), Member: r.M.member(), Members: r.Members}, nil
}

// AddMember adds a member and sets its ID.
func (t Tx) AddMember(ctx context.Context, m *bot.Member) error {
	err := t.DB.Get(ctx, &m.ID, `INSERT INTO members (seller_id, name, role, lang, lang_set, platform, user_id, seen, last_did, last_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		m.SellerID, m.Name, string(m.Role), string(m.Lang), m.LangSet, m.Platform, m.UserID, m.Seen, m.LastDid, nullTime(m.LastAt), m.CreatedAt.UTC())
	if err != nil {
		return fmt.Errorf("add member: %w", err)
	}
	return nil
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// SaveMember stores what changes of a member.
func (t Tx) SaveMember(ctx context.Context, m bot.Member) error {
	_, err := t.DB.Exec(ctx, `UPDATE members SET seller_id = ?, name = ?, role = ?, lang = ?, lang_set = ?, platform = ?, user_id = ?,
		seen = ?, last_did = ?, last_at = ? WHERE id = ?`,
		m.SellerID, m.Name, string(m.Role), string(m.Lang), m.LangSet, m.Platform, m.UserID, m.Seen, m.LastDid, nullTime(m.LastAt), m.ID)
	if err != nil {
		return fmt.Errorf("save member %d: %w", m.ID, err)
	}
	return nil
}

// RemoveMember deletes a member and their accounts, and voids their codes:
// each is kept (until pruned) with no member, so that whoever gives it is
// told it is void rather than that it is wrong, and a member added later
// under the same id (SQLite may give a deleted row's id again) cannot
// take it over.
func (t Tx) RemoveMember(ctx context.Context, id int64) error {
	for _, q := range []string{`DELETE FROM accounts WHERE member_id = ?`, `UPDATE link_codes SET member_id = 0 WHERE member_id = ?`,
		`DELETE FROM team_notes WHERE member_id = ?`, `DELETE FROM members WHERE id = ?`} {
		if _, err := t.DB.Exec(ctx, q, id); err != nil {
			return fmt.Errorf("remove member %d: %w", id, err)
		}
	}
	return nil
}

// Members lists a company's members, oldest first.
func (t Tx) Members(ctx context.Context, sellerID int64) ([]bot.Member, error) {
	var rows []memberRow
	if err := t.DB.Select(ctx, &rows, `SELECT `+memberColumns+` FROM members m WHERE m.seller_id = ? ORDER BY m.id`, sellerID); err != nil {
		return nil, fmt.Errorf("members of %d: %w", sellerID, err)
	}
	out := make([]bot.Member, len(rows))
	for i, r := range rows {
		out[i] = r.member()
	}
	return out, nil
}

// SaveAccount adds an account, or moves it, or sets its chat.
func (t Tx) SaveAccount(ctx context.Context, a bot.Account) error {
	_, err := t.DB.Exec(ctx, `INSERT INTO accounts (platform, user_id, chat_id, seller_id, member_id, created_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (platform, user_id) DO UPDATE SET chat_id = excluded.chat_id, seller_id = excluded.seller_id, member_id = excluded.member_id`,
		a.Platform, a.UserID, a.ChatID, a.SellerID, a.MemberID, a.CreatedAt.UTC())
	if err != nil {
		return fmt.Errorf("save account %s: %w", a.Key(), err)
	}
	return nil
}

// RemoveAccount deletes an account.
func (t Tx) RemoveAccount(ctx context.Context, platform, userID string) error {
	if _, err := t.DB.Exec(ctx, `DELETE FROM accounts WHERE platform = ? AND user_id = ?`, platform, userID); err != nil {
		return fmt.Errorf("remove account %s:%s: %w", platform, userID, err)
	}
	return nil
}

// SellerAccounts lists a company's accounts, oldest first.
func (t Tx) SellerAccounts(ctx context.Context, sellerID int64) ([]bot.Account, error) {
	var rows []accountRow
	if err := t.DB.Select(ctx, &rows, `SELECT `+accountColumns+` FROM accounts a WHERE a.seller_id = ? ORDER BY a.created_at, a.platform, a.user_id`, sellerID); err != nil {
		return nil, fmt.Errorf("accounts of %d: %w", sellerID, err)
	}
	out := make([]bot.Account, len(rows))
	for i, r := range rows {
		out[i] = r.account()
	}
	return out, nil
}

// UseAccount sets the company's row to the account, with its language.
// It is not marked unreachable: its owner just wrote.
func (t Tx) UseAccount(ctx context.Context, sellerID int64, a bot.Account, lang flows.Lang, langSet bool) error {
	_, err := t.DB.Exec(ctx, `UPDATE sellers SET platform = ?, user_id = ?, chat_id = ?, lang = ?, lang_set = ?, unreachable_at = NULL WHERE id = ?`,
		a.Platform, a.UserID, a.ChatID, string(lang), langSet, sellerID)
	if err != nil {
		return fmt.Errorf("use account %s for %d: %w", a.Key(), sellerID, err)
	}
	return nil
}

// RetirePlatform is the platform of a retired company's row: its own id
// is its user id, which keeps the row's (platform, user id) unique.
const RetirePlatform = "retired"

// RetireSeller takes a company's row out of every lookup by account.
func (t Tx) RetireSeller(ctx context.Context, sellerID int64, at time.Time) error {
	_, err := t.DB.Exec(ctx, `UPDATE sellers SET platform = ?, user_id = ?, chat_id = '', unreachable_at = ? WHERE id = ?`,
		RetirePlatform, fmt.Sprint(sellerID), at.UTC(), sellerID)
	if err != nil {
		return fmt.Errorf("retire seller %d: %w", sellerID, err)
	}
	return nil
}

// DeleteOnboarding removes an onboarding and its projection rows.
func (t Tx) DeleteOnboarding(ctx context.Context, sellerID int64, market string) error {
	for _, q := range []string{`DELETE FROM progress_items WHERE market = ? AND seller_id = ?`,
		`DELETE FROM progress_categories WHERE market = ? AND seller_id = ?`,
		`DELETE FROM onboardings WHERE market = ? AND seller_id = ?`} {
		if _, err := t.DB.Exec(ctx, q, market, sellerID); err != nil {
			return fmt.Errorf("delete onboarding of %d in %s: %w", sellerID, market, err)
		}
	}
	return nil
}

// CopyHistory appends a copy of one seller's history to another's.
func (t Tx) CopyHistory(ctx context.Context, from, to int64) error {
	_, err := t.DB.Exec(ctx, `INSERT INTO answer_history (seller_id, market, action, question, value, at, by_member)
		SELECT ?, market, action, question, value, at, by_member FROM answer_history WHERE seller_id = ? ORDER BY id`, to, from)
	if err != nil {
		return fmt.Errorf("copy history of %d to %d: %w", from, to, err)
	}
	return nil
}

// CopyFiles attaches one seller's files to another's items, once each.
func (t Tx) CopyFiles(ctx context.Context, from, to int64) error {
	_, err := t.DB.Exec(ctx, `INSERT INTO item_files (seller_id, market, item, file_ref, unique_id, name, mime, size, photo, link, added_at)
		SELECT ?, market, item, file_ref, unique_id, name, mime, size, photo, link, added_at FROM item_files WHERE seller_id = ? ORDER BY id
		ON CONFLICT (seller_id, market, item, unique_id) DO NOTHING`, to, from)
	if err != nil {
		return fmt.Errorf("copy files of %d to %d: %w", from, to, err)
	}
	return nil
}

// SetMerge records or clears a market waiting for the seller's choice.
func (t Tx) SetMerge(ctx context.Context, sellerID, from int64, market string, pending bool, at time.Time) error {
	q := `DELETE FROM merges WHERE seller_id = ? AND from_seller = ? AND market = ?`
	args := []any{sellerID, from, market}
	if pending {
		q = `INSERT INTO merges (seller_id, from_seller, market, at) VALUES (?, ?, ?, ?) ON CONFLICT (seller_id, from_seller, market) DO NOTHING`
		args = append(args, at.UTC())
	}
	if _, err := t.DB.Exec(ctx, q, args...); err != nil {
		return fmt.Errorf("set merge of %d into %d in %s: %w", from, sellerID, market, err)
	}
	return nil
}

// Merges lists the markets waiting for the seller's choice.
func (t Tx) Merges(ctx context.Context, sellerID int64) ([]bot.Merge, error) {
	var rows []struct {
		SellerID int64  `db:"seller_id"`
		From     int64  `db:"from_seller"`
		Market   string `db:"market"`
	}
	if err := t.DB.Select(ctx, &rows, `SELECT seller_id, from_seller, market FROM merges WHERE seller_id = ? ORDER BY at, from_seller, market`, sellerID); err != nil {
		return nil, fmt.Errorf("merges of %d: %w", sellerID, err)
	}
	out := make([]bot.Merge, len(rows))
	for i, r := range rows {
		out[i] = bot.Merge{SellerID: r.SellerID, From: r.From, Market: r.Market}
	}
	return out, nil
}

type codeRow struct {
	ID        string       `db:"id"`
	Hash      string       `db:"hash"`
	Kind      string       `db:"kind"`
	SellerID  int64        `db:"seller_id"`
	MemberID  int64        `db:"member_id"`
	Tries     int          `db:"tries"`
	CreatedAt time.Time    `db:"created_at"`
	ExpiresAt time.Time    `db:"expires_at"`
	UsedAt    sql.NullTime `db:"used_at"`
}

// AddCode stores a new code.
func (t Tx) AddCode(ctx context.Context, c bot.Code) error {
	_, err := t.DB.Exec(ctx, `INSERT INTO link_codes (id, hash, kind, seller_id, member_id, tries, created_at, expires_at, used_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, c.Hash, string(c.Kind), c.SellerID, c.MemberID, c.Tries,
		c.CreatedAt.UTC(), c.ExpiresAt.UTC(), nullTime(c.UsedAt))
	if err != nil {
		return fmt.Errorf("add code: %w", err)
	}
	return nil
}

// Code finds a code by its ID.
func (t Tx) Code(ctx context.Context, id string) (bot.Code, error) {
	var r codeRow
	err := t.DB.Get(ctx, &r, `SELECT id, hash, kind, seller_id, member_id, tries, created_at, expires_at, used_at FROM link_codes WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return bot.Code{}, bot.ErrNotFound
	}
	if err != nil {
		return bot.Code{}, fmt.Errorf("code: %w", err)
	}
	return bot.Code{ID: r.ID, Hash: r.Hash, Kind: bot.CodeKind(r.Kind), SellerID: r.SellerID, MemberID: r.MemberID, Tries: r.Tries,
		CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt, UsedAt: r.UsedAt.Time}, nil
}

// SaveCode stores a code's tries and use.
func (t Tx) SaveCode(ctx context.Context, c bot.Code) error {
	if _, err := t.DB.Exec(ctx, `UPDATE link_codes SET tries = ?, used_at = ? WHERE id = ?`, c.Tries, nullTime(c.UsedAt), c.ID); err != nil {
		return fmt.Errorf("save code: %w", err)
	}
	return nil
}

// CodeTries counts an account's failed attempts since a time.
func (t Tx) CodeTries(ctx context.Context, platform, userID string, since time.Time) (int, error) {
	var n int
	if err := t.DB.Get(ctx, &n, `SELECT count(*) FROM code_tries WHERE platform = ? AND user_id = ? AND at > ?`, platform, userID, since.UTC()); err != nil {
		return 0, fmt.Errorf("code tries: %w", err)
	}
	return n, nil
}

// AddCodeTry records a failed attempt.
func (t Tx) AddCodeTry(ctx context.Context, platform, userID string, at time.Time) error {
	if _, err := t.DB.Exec(ctx, `INSERT INTO code_tries (platform, user_id, at) VALUES (?, ?, ?)`, platform, userID, at.UTC()); err != nil {
		return fmt.Errorf("add code try: %w", err)
	}
	return nil
}

// AddTeamNote queues a line for a member.
func (t Tx) AddTeamNote(ctx context.Context, n bot.TeamNote) error {
	_, err := t.DB.Exec(ctx, `INSERT INTO team_notes (seller_id, member_id, text_zh, text_en, at) VALUES (?, ?, ?, ?, ?)`,
		n.SellerID, n.MemberID, n.Text.ZH, n.Text.EN, n.At.UTC())
	if err != nil {
		return fmt.Errorf("add team note: %w", err)
	}
	return nil
}

// QuietTeamNotes lists the notes of members whose burst is over.
func (t Tx) QuietTeamNotes(ctx context.Context, quiet time.Time, limit int) ([]bot.TeamNote, error) {
	var rows []struct {
		ID       int64     `db:"id"`
		SellerID int64     `db:"seller_id"`
		MemberID int64     `db:"member_id"`
		ZH       string    `db:"text_zh"`
		EN       string    `db:"text_en"`
		At       time.Time `db:"at"`
	}
	err := t.DB.Select(ctx, &rows, `SELECT id, seller_id, member_id, text_zh, text_en, at FROM team_notes
		WHERE member_id IN (SELECT member_id FROM team_notes GROUP BY member_id HAVING max(at) <= ?)
		ORDER BY member_id, id LIMIT ?`, quiet.UTC(), limit)
	if err != nil {
		return nil, fmt.Errorf("quiet team notes: %w", err)
	}
	out := make([]bot.TeamNote, len(rows))
	for i, r := range rows {
		out[i] = bot.TeamNote{ID: r.ID, SellerID: r.SellerID, MemberID: r.MemberID, Text: flows.Text{ZH: r.ZH, EN: r.EN}, At: r.At}
	}
	return out, nil
}

// NextTeamNote is the earliest of the members' latest notes.
func (t Tx) NextTeamNote(ctx context.Context) (time.Time, bool, error) {
	var at []time.Time
	// Each member's latest note (by id, as they are queued in time), then
	// the earliest of those: read as a column, so it keeps its type.
	err := t.DB.Select(ctx, &at, `SELECT n.at FROM team_notes n
		WHERE NOT EXISTS (SELECT 1 FROM team_notes l WHERE l.member_id = n.member_id AND l.id > n.id)
		ORDER BY n.at LIMIT 1`)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next team note: %w", err)
	}
	if len(at) == 0 {
		return time.Time{}, false, nil
	}
	return at[0], true, nil
}

// DeleteTeamNotes deletes notes that were sent.
func (t Tx) DeleteTeamNotes(ctx context.Context, ids []int64) error {
	for _, id := range ids {
		if _, err := t.DB.Exec(ctx, `DELETE FROM team_notes WHERE id = ?`, id); err != nil {
			return fmt.Errorf("delete team note: %w", err)
		}
	}
	return nil
}
