package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/internal/teamsql"
	"github.com/onboardbot/onboardbot/flows"
)

// Companies' members, accounts, codes and team notes: the SQL is
// teamsql's; what is the SQLite store's own is the seller cache, which
// every change to a company's row must keep right, and the projection a
// transaction knows is stored.

// teams is the shared SQL on this transaction; storeTx embeds it (set
// when the transaction begins), so what is not the store's own is
// teamsql's as it is.
func (t *storeTx) teams() teamsql.Tx { return t.Tx }

// Identify finds an account, its member and its company's row (from the
// seller cache when it holds it).
func (t *storeTx) Identify(ctx context.Context, platform, userID string) (bot.Identity, error) {
	k := sellerKey{platform, userID}
	id, ok := t.store.identities.lookup(&t.ids, k)
	if !ok {
		var err error
		if id, err = t.teams().Identify(ctx, platform, userID); err != nil {
			return id, err
		}
		t.ids.load(k, id)
	}
	var err error
	id.Seller, err = t.sellerByID(id.Account.SellerID)
	return id, err
}

// The writes to members and accounts: each names what it changed, dropped
// from the identity cache when its transaction commits (see identityCache).

func (t *storeTx) AddMember(ctx context.Context, m *bot.Member) error {
	t.ids.wrote(m.SellerID, sellerKey{})
	return t.teams().AddMember(ctx, m)
}

func (t *storeTx) SaveMember(ctx context.Context, m bot.Member) error {
	t.ids.wrote(m.SellerID, sellerKey{})
	return t.teams().SaveMember(ctx, m)
}

func (t *storeTx) RemoveMember(ctx context.Context, id int64) error {
	t.ids.wrote(0, sellerKey{}) // by the member's id: its company is not known here
	return t.teams().RemoveMember(ctx, id)
}

func (t *storeTx) SaveAccount(ctx context.Context, a bot.Account) error {
	t.ids.wrote(a.SellerID, sellerKey{a.Platform, a.UserID})
	return t.teams().SaveAccount(ctx, a)
}

func (t *storeTx) RemoveAccount(ctx context.Context, platform, userID string) error {
	t.ids.wrote(0, sellerKey{platform, userID})
	return t.teams().RemoveAccount(ctx, platform, userID)
}

// sellerByID reads a company's row, through the seller cache.
func (t *storeTx) sellerByID(id int64) (bot.Seller, error) {
	if k, ok := t.store.sellers.keys[id]; ok {
		if s, ok := t.store.sellers.lookup(&t.sellers, k); ok && s.ID == id {
			return s, nil
		}
	}
	st, err := t.txStmt(context.Background(), `SELECT `+sellerColumns+` FROM sellers WHERE id = ?`)
	if err != nil {
		return bot.Seller{}, err
	}
	var r sellerRow
	err = r.scan(st.QueryRowContext(context.Background(), id))
	if errors.Is(err, sql.ErrNoRows) {
		return bot.Seller{}, bot.ErrNotFound
	}
	if err != nil {
		return bot.Seller{}, err
	}
	s := r.seller()
	t.sellers.load(sellerKey{s.Platform, s.UserID}, s)
	return s, nil
}

// LockSeller does nothing: the store's transactions run one at a time.
func (t *storeTx) LockSeller(ctx context.Context, sellerID int64) error { return nil }

func (t *storeTx) UseAccount(ctx context.Context, sellerID int64, a bot.Account, lang flows.Lang, langSet bool) error {
	t.ids.wrote(sellerID, sellerKey{a.Platform, a.UserID})
	t.sellers.wrote(sellerKey{a.Platform, a.UserID}, sellerID)
	return t.teams().UseAccount(ctx, sellerID, a, lang, langSet)
}

func (t *storeTx) RetireSeller(ctx context.Context, sellerID int64, at time.Time) error {
	t.ids.wrote(sellerID, sellerKey{})
	t.sellers.wrote(sellerKey{}, sellerID)
	return t.teams().RetireSeller(ctx, sellerID, at)
}

func (t *storeTx) DeleteOnboarding(ctx context.Context, sellerID int64, market string) error {
	if err := t.teams().DeleteOnboarding(ctx, sellerID, market); err != nil {
		return err
	}
	t.sharedTx.Gone(sellerID, market)
	return nil
}
