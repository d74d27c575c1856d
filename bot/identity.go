package bot

// Who wrote: the account, its member and its company, found (or made) for
// each message, and kept up to date in the message's transaction.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/onboardbot/onboardbot/flows"
)

// identify finds the account that wrote, with its member and company,
// making them on first contact. A seller from before accounts (one a store
// made directly) is given its owner and account.
func (c *Core) identify(ctx context.Context, tx Tx, in Inbound) (Identity, error) {
	who, err := tx.Identify(ctx, in.Platform, in.UserID)
	if !errors.Is(err, ErrNotFound) {
		return who, err
	}
	s, err := tx.Seller(ctx, in.Platform, in.UserID)
	if errors.Is(err, ErrNotFound) {
		return who, ErrNotFound
	}
	if err != nil {
		return who, fmt.Errorf("load seller: %w", err)
	}
	if who, err = tx.Identify(ctx, in.Platform, in.UserID); !errors.Is(err, ErrNotFound) {
		return who, err
	}
	return c.addOwner(ctx, tx, s, in)
}

// addOwner gives a company its first member, the owner, on the account
// that wrote.
func (c *Core) addOwner(ctx context.Context, tx Tx, s Seller, in Inbound) (Identity, error) {
	m := Member{SellerID: s.ID, Name: in.Name, Role: RoleOwner, Lang: s.Lang, LangSet: s.LangSet,
		Platform: in.Platform, UserID: in.UserID, CreatedAt: s.CreatedAt}
	if err := tx.AddMember(ctx, &m); err != nil {
		return Identity{}, err
	}
	a := Account{Platform: in.Platform, UserID: in.UserID, ChatID: s.ChatID, SellerID: s.ID, MemberID: m.ID, CreatedAt: s.CreatedAt}
	if err := tx.SaveAccount(ctx, a); err != nil {
		return Identity{}, err
	}
	return Identity{Account: a, Member: m, Seller: s, Members: 1}, nil
}

// asAccount is the company's row as this account sees it: replies go to
// the account, in its member's language.
func asAccount(who Identity) Seller {
	s := who.Seller
	if s.Platform != who.Account.Platform || s.UserID != who.Account.UserID {
		s.Platform, s.UserID, s.ChatID = who.Account.Platform, who.Account.UserID, who.Account.ChatID
		s.Lang, s.LangSet = who.Member.Lang, who.Member.LangSet
	}
	return s
}

// saveIdentity writes what the message changed of the company's row (the
// account used last, its chat, language, market...), of the account and
// of the member; most messages change nothing, and write nothing.
func (c *Core) saveIdentity(ctx context.Context, tx Tx, cv *Conversation, stored Seller) error {
	s, who := *cv.seller, cv.who
	if s.Platform != stored.Platform || s.UserID != stored.UserID || s.ID != stored.ID {
		// Another account than the row's wrote: it is the latest now.
		a := who.Account
		a.ChatID = s.ChatID
		if err := tx.UseAccount(ctx, s.ID, a, s.Lang, s.LangSet); err != nil {
			return err
		}
	}
	if s != stored {
		if err := tx.SaveSeller(ctx, s); err != nil {
			return fmt.Errorf("save seller: %w", err)
		}
	}
	if who.Account.ChatID != s.ChatID && s.ChatID != "" {
		who.Account.ChatID = s.ChatID
		if err := tx.SaveAccount(ctx, who.Account); err != nil {
			return err
		}
	}
	m := who.Member
	m.Lang, m.LangSet, m.Platform, m.UserID = s.Lang, s.LangSet, s.Platform, s.UserID
	if cv.name != "" {
		m.Name = cv.name
	}
	if who.Members > 1 && cv.asked != "" {
		m.Seen = cv.asked
	}
	// What a member last did is for /team, which only a company of several
	// needs: a seller alone is spared a write with every answer.
	if cv.did != "" && who.Members > 1 {
		m.LastDid, m.LastAt = cv.did, cv.now
	}
	if m != who.Member {
		return tx.SaveMember(ctx, m)
	}
	return nil
}

// didSep separates the languages of what a member last did.
const didSep = "\x1f"

// MaxNameRunes bounds a member's name as the platform gives it: it is
// shown in /team and in every line the others get of them.
const MaxNameRunes = 64

// cleanName is a platform's name for a person as one line: spaces and line
// breaks folded, control characters dropped, at most MaxNameRunes.
func cleanName(name string) string {
	name = strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, name)), " ")
	return clip(name, MaxNameRunes)
}

// memberName is how a member is named to the others.
func memberName(m Member) string {
	if m.Name != "" {
		return m.Name
	}
	return m.Platform + ":" + m.UserID
}

// teamNote tells the company's other members, in one line each, what this
// member did; the lines of a burst go as one message (see FlushTeamNotes).
func (cv *Conversation) teamNote(did flows.Text) error {
	cv.did = did.ZH + didSep + did.EN
	if cv.who == nil || cv.who.Members < 2 {
		return nil
	}
	members, err := cv.tx.Members(cv.ctx, cv.seller.ID)
	if err != nil {
		return err
	}
	name := memberName(cv.who.Member)
	if cv.name != "" {
		name = cv.name
	}
	line := flows.Text{ZH: name + " " + did.ZH, EN: name + " " + did.EN}
	for _, m := range members {
		if m.ID == cv.who.Member.ID {
			continue
		}
		if err := cv.tx.AddTeamNote(cv.ctx, TeamNote{SellerID: cv.seller.ID, MemberID: m.ID, Text: line, At: cv.now}); err != nil {
			return err
		}
	}
	return nil
}
