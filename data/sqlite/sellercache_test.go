package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/onboardbot/onboardbot/bot"
)

// The seller cache must never show a row the database does not hold:
// after writes, after MarkUnreachable, after a rollback, and inside the
// transaction that wrote.
func TestSellerCacheFollowsTheDatabase(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, filepath.Join(t.TempDir(), "onboard.db"))
	load := func() bot.Seller {
		t.Helper()
		var got bot.Seller
		if err := s.Update(ctx, func(tx bot.Tx) error {
			var err error
			got, err = tx.Seller(ctx, "telegram", "42")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return got
	}
	var id int64
	if err := s.Update(ctx, func(tx bot.Tx) error {
		if _, err := tx.Seller(ctx, "telegram", "42"); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("before it exists: err = %v", err)
		}
		sel := bot.Seller{Platform: "telegram", UserID: "42", ChatID: "42", Lang: "zh", CreatedAt: t0}
		err := tx.CreateSeller(ctx, &sel)
		id = sel.ID
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got := load(); got.ID != id || got.Lang != "zh" {
		t.Fatalf("created seller = %+v", got)
	}
	load() // cached now

	// setMarket saves the seller with another market and reads them back
	// in the same transaction.
	setMarket := func(tx bot.Tx, market string) (bot.Seller, error) {
		sel, err := tx.Seller(ctx, "telegram", "42")
		if err != nil {
			return sel, err
		}
		sel.Market = market
		if err := tx.SaveSeller(ctx, sel); err != nil {
			return sel, err
		}
		return tx.Seller(ctx, "telegram", "42")
	}

	// A write shows in the same transaction and after it.
	if err := s.Update(ctx, func(tx bot.Tx) error {
		again, err := setMarket(tx, "tiktok-uk")
		if err == nil && again.Market != "tiktok-uk" {
			t.Errorf("in the writing transaction: market = %q", again.Market)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got := load(); got.Market != "tiktok-uk" {
		t.Errorf("after the write: market = %q", got.Market)
	}

	// A rolled-back write leaves the committed row.
	boom := errors.New("boom")
	err := s.Update(ctx, func(tx bot.Tx) error {
		if _, err := setMarket(tx, "amazon-us"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if got := load(); got.Market != "tiktok-uk" {
		t.Errorf("after a rollback: market = %q, want tiktok-uk", got.Market)
	}

	// A write by id only (the dispatcher finding the seller blocked the bot).
	if err := s.MarkUnreachable(ctx, bot.Reply{Platform: "telegram", ChatID: "42", SellerID: id}, "blocked", t0); err != nil {
		t.Fatal(err)
	}
	if got := load(); !got.Unreachable {
		t.Error("after MarkUnreachable the seller still reads as reachable")
	}
	// And back: the seller wrote again.
	if err := s.Update(ctx, func(tx bot.Tx) error {
		sel, err := tx.Seller(ctx, "telegram", "42")
		if err != nil {
			return err
		}
		sel.Unreachable = false
		return tx.SaveSeller(ctx, sel)
	}); err != nil {
		t.Fatal(err)
	}
	if got := load(); got.Unreachable {
		t.Error("after the seller wrote again they still read as unreachable")
	}
}

// An identity read in a transaction that then writes something the cache
// cannot place (a member removed, known only by id) is not kept: the
// owner who removed a colleague is alone in the next message's identity.
func TestIdentityCacheDropsWhatAWriteMadeStale(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, filepath.Join(t.TempDir(), "onboard.db"))
	var colleague int64
	if err := s.Update(ctx, func(tx bot.Tx) error {
		company := bot.Seller{Platform: "telegram", UserID: "1", ChatID: "1", Lang: "zh", CreatedAt: t0}
		if err := tx.CreateSeller(ctx, &company); err != nil {
			return err
		}
		for _, user := range []string{"1", "2"} {
			m := bot.Member{SellerID: company.ID, Name: "m" + user, Platform: "telegram", UserID: user}
			if err := tx.AddMember(ctx, &m); err != nil {
				return err
			}
			colleague = m.ID
			if err := tx.SaveAccount(ctx, bot.Account{Platform: "telegram", UserID: user, ChatID: user, SellerID: company.ID, MemberID: m.ID, CreatedAt: t0}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	members := func() int {
		t.Helper()
		var n int
		if err := s.Update(ctx, func(tx bot.Tx) error {
			id, err := tx.Identify(ctx, "telegram", "1")
			n = id.Members
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// The creating transaction dropped the company's entries: this one
	// reads the owner's from the database, before it writes.
	if err := s.Update(ctx, func(tx bot.Tx) error {
		if id, err := tx.Identify(ctx, "telegram", "1"); err != nil || id.Members != 2 {
			t.Errorf("before the removal: %d members, %v; want 2", id.Members, err)
		}
		return tx.RemoveMember(ctx, colleague)
	}); err != nil {
		t.Fatal(err)
	}
	if n := members(); n != 1 {
		t.Errorf("after the colleague's removal: %d members, want 1", n)
	}
}
