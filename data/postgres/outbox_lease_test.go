package postgres

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/pgtest"
)

// With a fleet, the outbox sends each chat from one live instance at a
// time: Pending takes the chat, DueChats leaves out the chats another live
// instance holds, and a chat held by an instance that is gone passes on.
func TestOutboxLeases(t *testing.T) {
	c := pgtest.Start(t)
	url := c.DB(t)
	ctx := context.Background()
	stores := make([]*Store, 2)
	for i := range stores {
		s, err := Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		// What joining a fleet comes to: a row in instances, its id kept.
		var id int64
		if err := s.db.GetContext(ctx, &id, `INSERT INTO instances (host) VALUES ('test') RETURNING id`); err != nil {
			t.Fatal(err)
		}
		s.fleet.id.Store(id)
		stores[i] = s
	}
	a, b := stores[0], stores[1]
	err := a.Update(ctx, func(tx bot.Tx) error {
		for _, chat := range []string{"c1", "c2"} {
			r := bot.Reply{Platform: "test", ChatID: chat, Kind: bot.KindReply, Text: "hi " + chat}
			if err := tx.Enqueue(ctx, &r, time.Now()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	due := func(s *Store) []string {
		t.Helper()
		chats, err := s.DueChats(ctx, "test", bot.KindReply, 10)
		if err != nil {
			t.Fatal(err)
		}
		return chats
	}
	pending := func(s *Store, chat string) int {
		t.Helper()
		p, err := s.Pending(ctx, "test", chat)
		if err != nil {
			t.Fatal(err)
		}
		return len(p)
	}

	if n := pending(a, "c1"); n != 1 {
		t.Fatalf("a: %d pending to c1, want 1", n)
	}
	if n := pending(b, "c1"); n != 0 {
		t.Errorf("b: %d pending to c1, which a holds", n)
	}
	if got := due(b); !slices.Equal(got, []string{"c2"}) {
		t.Errorf("b: due chats %v, want c2 only", got)
	}
	if got := due(a); !slices.Equal(got, []string{"c1", "c2"}) {
		t.Errorf("a: due chats %v, want c1 c2", got)
	}
	if n := pending(a, "c1"); n != 1 {
		t.Errorf("a: %d pending to c1 the second time, want 1", n)
	}

	// a stops being seen: its chat passes to b.
	if _, err := b.db.ExecContext(ctx, `UPDATE instances SET seen_at = now() - interval '1 minute' WHERE id = $1`, a.fleet.instance()); err != nil {
		t.Fatal(err)
	}
	if got := due(b); !slices.Equal(got, []string{"c1", "c2"}) {
		t.Errorf("b, a gone: due chats %v, want c1 c2", got)
	}
	if n := pending(b, "c1"); n != 1 {
		t.Errorf("b, a gone: %d pending to c1, want 1", n)
	}
}
