package postgres

import (
	"context"
	"errors"
	"strconv"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/internal/teamsql"
)

// Companies' members, accounts, codes and team notes: the SQL is
// teamsql's; what is the PostgreSQL store's own is the company's lock,
// which every transaction that changes a company holds, whatever account
// it came from, and the projection a transaction knows is stored.

// teams is the shared SQL on this transaction; storeTx embeds it (set
// when the transaction begins), so what is not the store's own is
// teamsql's as it is.
func (t *storeTx) teams() teamsql.Tx { return t.Tx }

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

func (t *storeTx) DeleteOnboarding(ctx context.Context, sellerID int64, market string) error {
	if err := t.teams().DeleteOnboarding(ctx, sellerID, market); err != nil {
		return err
	}
	t.sharedTx.Gone(sellerID, market)
	return nil
}
