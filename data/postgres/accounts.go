package postgres

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/internal/teamsql"
	"github.com/onboardbot/onboardbot/flows"
)

// Companies' members, accounts, codes and team notes: the SQL is
// teamsql's; what is the PostgreSQL store's own is the company's lock,
// which every transaction that changes a company holds, whatever account
// it came from, and the projection a transaction knows is stored.

type txDB struct{ t *storeTx }

func (d txDB) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return d.t.exec(ctx, q, args...)
}
func (d txDB) Get(ctx context.Context, dest any, q string, args ...any) error {
	return d.t.get(ctx, dest, q, args...)
}
func (d txDB) Select(ctx context.Context, dest any, q string, args ...any) error {
	return d.t.sel(ctx, dest, q, args...)
}

func (t *storeTx) teams() teamsql.Tx { return teamsql.Tx{DB: txDB{t}} }

// Identify finds an account, its member and its company's row, under the
// company's lock: taken once the account is found, then the account read
// again, since it may have moved to another company meanwhile.
func (t *storeTx) Identify(ctx context.Context, platform, userID string) (bot.Identity, error) {
	for {
		id, err := t.teams().Identify(ctx, platform, userID)
		if errors.Is(err, bot.ErrNotFound) {
			// A new account: its first messages wait for each other.
			if err := t.lockSeller(platform, userID); err != nil {
				return id, err
			}
			return t.teams().Identify(ctx, platform, userID)
		}
		if err != nil {
			return id, err
		}
		if t.locked[companyLock+":"+strconv.FormatInt(id.Account.SellerID, 10)] {
			var r sellerRow
			err = r.scan(t.tx.QueryRowContext(t.ctx, `SELECT `+sellerColumns+` FROM sellers WHERE id = $1`, id.Account.SellerID))
			id.Seller = r.seller()
			return id, err
		}
		if err := t.LockSeller(ctx, id.Account.SellerID); err != nil {
			return id, err
		}
	}
}

// companyLock stands for the platform in the key of a company's lock (see
// lockSeller): "seller#:<id>", which no account's key is.
const companyLock = "seller#"

// LockSeller takes a company's lock until the transaction ends.
func (t *storeTx) LockSeller(ctx context.Context, sellerID int64) error {
	return t.lockSeller(companyLock, strconv.FormatInt(sellerID, 10))
}

func (t *storeTx) AddMember(ctx context.Context, m *bot.Member) error {
	return t.teams().AddMember(ctx, m)
}
func (t *storeTx) SaveMember(ctx context.Context, m bot.Member) error {
	return t.teams().SaveMember(ctx, m)
}
func (t *storeTx) RemoveMember(ctx context.Context, id int64) error {
	return t.teams().RemoveMember(ctx, id)
}
func (t *storeTx) Members(ctx context.Context, sellerID int64) ([]bot.Member, error) {
	return t.teams().Members(ctx, sellerID)
}
func (t *storeTx) SaveAccount(ctx context.Context, a bot.Account) error {
	return t.teams().SaveAccount(ctx, a)
}
func (t *storeTx) RemoveAccount(ctx context.Context, platform, userID string) error {
	return t.teams().RemoveAccount(ctx, platform, userID)
}
func (t *storeTx) SellerAccounts(ctx context.Context, sellerID int64) ([]bot.Account, error) {
	return t.teams().SellerAccounts(ctx, sellerID)
}

func (t *storeTx) UseAccount(ctx context.Context, sellerID int64, a bot.Account, lang flows.Lang, langSet bool) error {
	return t.teams().UseAccount(ctx, sellerID, a, lang, langSet)
}

func (t *storeTx) RetireSeller(ctx context.Context, sellerID int64, at time.Time) error {
	return t.teams().RetireSeller(ctx, sellerID, at)
}

func (t *storeTx) DeleteOnboarding(ctx context.Context, sellerID int64, market string) error {
	if err := t.teams().DeleteOnboarding(ctx, sellerID, market); err != nil {
		return err
	}
	t.sawProjection(onboardingRow{SellerID: sellerID, Market: market, Projection: noRows})
	return nil
}

func (t *storeTx) CopyHistory(ctx context.Context, from, to int64) error {
	return t.teams().CopyHistory(ctx, from, to)
}
func (t *storeTx) CopyFiles(ctx context.Context, from, to int64) error {
	return t.teams().CopyFiles(ctx, from, to)
}
func (t *storeTx) SetMerge(ctx context.Context, sellerID, from int64, market string, pending bool, at time.Time) error {
	return t.teams().SetMerge(ctx, sellerID, from, market, pending, at)
}
func (t *storeTx) Merges(ctx context.Context, sellerID int64) ([]bot.Merge, error) {
	return t.teams().Merges(ctx, sellerID)
}
func (t *storeTx) AddCode(ctx context.Context, c bot.Code) error { return t.teams().AddCode(ctx, c) }
func (t *storeTx) Code(ctx context.Context, id string) (bot.Code, error) {
	return t.teams().Code(ctx, id)
}
func (t *storeTx) SaveCode(ctx context.Context, c bot.Code) error { return t.teams().SaveCode(ctx, c) }
func (t *storeTx) CodeTries(ctx context.Context, platform, userID string, since time.Time) (int, error) {
	return t.teams().CodeTries(ctx, platform, userID, since)
}
func (t *storeTx) AddCodeTry(ctx context.Context, platform, userID string, at time.Time) error {
	return t.teams().AddCodeTry(ctx, platform, userID, at)
}
func (t *storeTx) AddTeamNote(ctx context.Context, n bot.TeamNote) error {
	return t.teams().AddTeamNote(ctx, n)
}
func (t *storeTx) QuietTeamNotes(ctx context.Context, quiet time.Time, limit int) ([]bot.TeamNote, error) {
	return t.teams().QuietTeamNotes(ctx, quiet, limit)
}
func (t *storeTx) NextTeamNote(ctx context.Context) (time.Time, bool, error) {
	return t.teams().NextTeamNote(ctx)
}
func (t *storeTx) DeleteTeamNotes(ctx context.Context, ids []int64) error {
	return t.teams().DeleteTeamNotes(ctx, ids)
}
