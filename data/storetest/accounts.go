package storetest

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/markets"
	"github.com/onboardbot/onboardbot/flows"
)

// runAccounts checks members, accounts, codes and team notes.
func runAccounts(t *testing.T, open Open) {
	t.Run("MembersAndAccounts", func(t *testing.T) { testMembersAndAccounts(t, open(t)) })
	t.Run("Codes", func(t *testing.T) { testCodes(t, open(t)) })
	t.Run("TeamNotes", func(t *testing.T) { testTeamNotes(t, open(t)) })
	t.Run("AnswersAtOnce", func(t *testing.T) { testAnswersAtOnce(t, open(t)) })
	for _, batch := range []int{1, 3, 500} {
		t.Run(fmt.Sprintf("PruneCodes/batch=%d", batch), func(t *testing.T) { testPruneCodes(t, open(t), batch) })
	}
}

// testPruneCodes prunes the codes that expired or were used before a
// bound and the wrong codes given before another, and keeps the rest: the
// per-account limit counts the same after as before.
func testPruneCodes(t *testing.T, s bot.Store, batch int) {
	ctx := context.Background()
	codesBefore, triesBefore := t0.Add(bot.CodeKept), t0.Add(bot.CodeTryWindow)
	kept := map[string]bool{}
	tries := map[string]int{}
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		sel := bot.Seller{Platform: "telegram", UserID: "1", CreatedAt: t0}
		if err := tx.CreateSeller(ctx, &sel); err != nil {
			return err
		}
		for i, c := range []struct {
			expires, used time.Duration // from codesBefore; used 0: never
			kept          bool
		}{
			{-time.Second, 0, false},               // expired before
			{time.Second, 0, true},                 // expires after
			{0, 0, true},                           // expires at the bound
			{5 * time.Minute, -time.Second, false}, // used before
			{5 * time.Minute, time.Second, true},   // used after
			{-bot.CodeKept, -bot.CodeKept - time.Minute, false},
		} {
			for j := range 4 { // several of each, to cross batches
				code := bot.Code{ID: fmt.Sprintf("C%d%d", i, j), Hash: "h", Kind: bot.CodeLink, SellerID: sel.ID, MemberID: 1,
					CreatedAt: codesBefore.Add(c.expires - bot.CodeTTL), ExpiresAt: codesBefore.Add(c.expires)}
				if c.used != 0 {
					code.UsedAt = codesBefore.Add(c.used)
				}
				if err := tx.AddCode(ctx, code); err != nil {
					return err
				}
				kept[code.ID] = c.kept
			}
		}
		for i, at := range []time.Duration{-2 * time.Hour, -time.Second, time.Second, 0, -time.Minute, -time.Hour} {
			for _, user := range []string{"U1", "U2", "U3", "U4"}[:1+i%4] {
				if err := tx.AddCodeTry(ctx, "slack", user, triesBefore.Add(at)); err != nil {
					return err
				}
			}
		}
		for _, user := range []string{"U1", "U2", "U3", "U4"} {
			n, err := tx.CodeTries(ctx, "slack", user, triesBefore.Add(-time.Nanosecond))
			if err != nil {
				return err
			}
			tries[user] = n
		}
		return nil
	})
	gone := 0
	for _, k := range kept {
		if !k {
			gone++
		}
	}
	n, err := s.Prune(ctx, bot.PruneBefore{Codes: codesBefore, CodeTries: triesBefore}, batch)
	// Of the 13 tries, 7 are at or after the bound (by 3 and 4 accounts).
	if err != nil || n.Codes != gone || n.CodeTries != 13-7 || n.Claims != 0 || n.Messages != 0 {
		t.Errorf("Prune = %+v, %v; want %d codes and 6 tries", n, err, gone)
	}
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		for id, k := range kept {
			_, err := tx.Code(ctx, id)
			if errors.Is(err, bot.ErrNotFound) == k {
				t.Errorf("code %s: kept %v, want %v (%v)", id, !errors.Is(err, bot.ErrNotFound), k, err)
			}
		}
		left := 0
		for _, user := range []string{"U1", "U2", "U3", "U4"} {
			n, err := tx.CodeTries(ctx, "slack", user, triesBefore.Add(-time.Nanosecond))
			if err != nil || n != tries[user] {
				t.Errorf("%s's tries the limit counts: %d, %v; %d before pruning", user, n, err, tries[user])
			}
			all, err := tx.CodeTries(ctx, "slack", user, time.Time{})
			if err != nil {
				return err
			}
			left += all
		}
		if left != 7 {
			t.Errorf("%d tries left, want 7", left)
		}
		return nil
	})
	if n, err := s.Prune(ctx, bot.PruneBefore{Codes: codesBefore, CodeTries: triesBefore}, batch); err != nil || n != (bot.Pruned{}) {
		t.Errorf("a second Prune = %+v, %v; want nothing left to prune", n, err)
	}
}

func testMembersAndAccounts(t *testing.T, s bot.Store) {
	var a, b bot.Seller
	var owner, mate bot.Member
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		if _, err := tx.Identify(ctx, "telegram", "1"); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("a new account: %v", err)
		}
		a = bot.Seller{Platform: "telegram", UserID: "1", ChatID: "c1", Lang: flows.ZH, CreatedAt: t0}
		b = bot.Seller{Platform: "slack", UserID: "U1", ChatID: "D1", CreatedAt: t0}
		for _, s := range []*bot.Seller{&a, &b} {
			if err := tx.CreateSeller(ctx, s); err != nil {
				return err
			}
		}
		owner = bot.Member{SellerID: a.ID, Name: "李雷", Role: bot.RoleOwner, Lang: flows.ZH, Platform: "telegram", UserID: "1", CreatedAt: t0}
		mate = bot.Member{SellerID: a.ID, Name: "Han", Role: bot.RoleMember, Lang: flows.EN, LangSet: true, Platform: "slack", UserID: "U1", CreatedAt: t0}
		for _, m := range []*bot.Member{&owner, &mate} {
			if err := tx.AddMember(ctx, m); err != nil {
				return err
			}
		}
		if err := tx.SaveAccount(ctx, bot.Account{Platform: "telegram", UserID: "1", ChatID: "c1", SellerID: a.ID, MemberID: owner.ID, CreatedAt: t0}); err != nil {
			return err
		}
		// The Slack account moves from its own company into a's, as mate.
		if err := tx.SaveAccount(ctx, bot.Account{Platform: "slack", UserID: "U1", ChatID: "D1", SellerID: b.ID, MemberID: mate.ID, CreatedAt: t0}); err != nil {
			return err
		}
		if err := tx.SaveAccount(ctx, bot.Account{Platform: "slack", UserID: "U1", ChatID: "D2", SellerID: a.ID, MemberID: mate.ID, CreatedAt: t0}); err != nil {
			return err
		}
		if err := tx.RetireSeller(ctx, b.ID, t0); err != nil {
			return err
		}
		return tx.UseAccount(ctx, a.ID, bot.Account{Platform: "slack", UserID: "U1", ChatID: "D2"}, flows.EN, true)
	})
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		who, err := tx.Identify(ctx, "slack", "U1")
		if err != nil {
			return err
		}
		if who.Account.SellerID != a.ID || who.Account.ChatID != "D2" || who.Member.ID != mate.ID || who.Member.Name != "Han" || !who.Member.LangSet || who.Members != 2 {
			t.Errorf("identity: %+v", who)
		}
		if who.Seller.ID != a.ID || who.Seller.Platform != "slack" || who.Seller.ChatID != "D2" || who.Seller.Lang != flows.EN {
			t.Errorf("the company's row keeps the latest account: %+v", who.Seller)
		}
		if _, err := tx.Seller(ctx, "slack", "U1"); err != nil {
			t.Errorf("the company by its latest account: %v", err)
		}
		if _, err := tx.Seller(ctx, "telegram", "1"); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("the company's row by an older account: %v", err)
		}
		accts, err := tx.SellerAccounts(ctx, a.ID)
		if err != nil || len(accts) != 2 {
			t.Errorf("accounts: %+v %v", accts, err)
		}
		mate.Seen, mate.LastDid, mate.LastAt = "tiktok-uk/q1", "done", t0.Add(time.Minute)
		if err := tx.SaveMember(ctx, mate); err != nil {
			return err
		}
		ms, err := tx.Members(ctx, a.ID)
		if err != nil || len(ms) != 2 || ms[0].ID != owner.ID || ms[1].Seen != "tiktok-uk/q1" || !ms[1].LastAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("members: %+v %v", ms, err)
		}
		for _, c := range []bot.Code{{ID: "MATE", MemberID: mate.ID}, {ID: "OWNR", MemberID: owner.ID}} {
			c.Hash, c.Kind, c.SellerID, c.CreatedAt, c.ExpiresAt = "h", bot.CodeLink, a.ID, t0, t0.Add(bot.CodeTTL)
			if err := tx.AddCode(ctx, c); err != nil {
				return err
			}
		}
		if err := tx.RemoveMember(ctx, mate.ID); err != nil {
			return err
		}
		if _, err := tx.Identify(ctx, "slack", "U1"); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("a removed member's account: %v", err)
		}
		// A removed member's code is void, not gone: given later, it is
		// refused as such.
		if c, err := tx.Code(ctx, "MATE"); err != nil || c.MemberID != 0 || c.SellerID != a.ID {
			t.Errorf("a removed member's code: %+v %v", c, err)
		}
		if c, err := tx.Code(ctx, "OWNR"); err != nil || c.MemberID != owner.ID {
			t.Errorf("another member's code: %+v %v", c, err)
		}
		return tx.RemoveAccount(ctx, "telegram", "1")
	})
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		ms, err := tx.Members(ctx, a.ID)
		if len(ms) != 1 || err != nil {
			t.Errorf("members after a removal: %+v %v", ms, err)
		}
		if accts, err := tx.SellerAccounts(ctx, a.ID); len(accts) != 0 || err != nil {
			t.Errorf("accounts after removals: %+v %v", accts, err)
		}
		return nil
	})
	testMergeHelpers(t, s, a.ID, b.ID)
}

// testMergeHelpers checks what joining two companies uses: history and
// files copied, an onboarding deleted with its rows, the merges waiting.
func testMergeHelpers(t *testing.T, s bot.Store, a, b int64) {
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		for _, h := range []bot.HistoryEntry{{SellerID: b, Market: "tiktok-uk", Action: bot.ActionAnswer, Question: "q1", Value: "1", At: t0, By: "李雷"},
			{SellerID: b, Market: "tiktok-uk", Action: bot.ActionAnswer, Question: "q2", Value: "2", At: t0.Add(time.Second)}} {
			if err := tx.AppendHistory(ctx, h); err != nil {
				return err
			}
		}
		f := bot.ItemFile{SellerID: b, Market: "tiktok-uk", Item: "scpn", File: bot.Attachment{Ref: "r", UniqueID: "u"}, At: t0}
		if _, err := tx.AddItemFile(ctx, f); err != nil {
			return err
		}
		f.SellerID = a
		if _, err := tx.AddItemFile(ctx, f); err != nil {
			return err
		}
		if err := tx.CopyHistory(ctx, b, a); err != nil {
			return err
		}
		if err := tx.CopyFiles(ctx, b, a); err != nil {
			return err
		}
		if err := tx.SaveOnboarding(ctx, bot.Onboarding{SellerID: b, Market: "tiktok-uk", RulesVersion: "1", StartedAt: t0, UpdatedAt: t0},
			bot.Projection{SellerID: b, Market: "tiktok-uk", Stage: flows.StageEligibility, Categories: []string{"beauty"},
				Items: []bot.ItemRow{{Item: "scpn", Status: flows.ItemTodo}}}); err != nil {
			return err
		}
		if err := tx.SetMerge(ctx, a, b, "tiktok-uk", true, t0); err != nil {
			return err
		}
		return tx.SetMerge(ctx, a, b, "tiktok-uk", true, t0) // twice is once
	})
	ctx := context.Background()
	hist, n, err := s.History(ctx, a, "tiktok-uk", 0, 10)
	if err != nil || n != 2 || hist[0].Question != "q1" || hist[0].By != "李雷" || hist[1].Question != "q2" || hist[1].By != "" || !hist[1].At.Equal(t0.Add(time.Second)) {
		t.Errorf("copied history: %+v %d %v", hist, n, err)
	}
	if _, n, _ := s.History(ctx, b, "tiktok-uk", 0, 10); n != 2 {
		t.Errorf("the history copied from is kept: %d entries", n)
	}
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		files, err := tx.ItemFiles(ctx, a, "tiktok-uk", "")
		if err != nil || len(files) != 1 {
			t.Errorf("files copied once: %+v %v", files, err)
		}
		ms, err := tx.Merges(ctx, a)
		if err != nil || len(ms) != 1 || ms[0] != (bot.Merge{SellerID: a, From: b, Market: "tiktok-uk"}) {
			t.Errorf("merges: %+v %v", ms, err)
		}
		if err := tx.SetMerge(ctx, a, b, "tiktok-uk", false, t0); err != nil {
			return err
		}
		if ms, err := tx.Merges(ctx, a); err != nil || len(ms) != 0 {
			t.Errorf("merges after the choice: %+v %v", ms, err)
		}
		return tx.DeleteOnboarding(ctx, b, "tiktok-uk")
	})
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		if _, err := tx.Onboarding(ctx, b, "tiktok-uk"); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("a deleted onboarding: %v", err)
		}
		return nil
	})
	if p, err := s.Projections(ctx, "tiktok-uk"); err != nil || len(p) != 0 {
		t.Errorf("a deleted onboarding's projection: %+v %v", p, err)
	}
}

func testCodes(t *testing.T, s bot.Store) {
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		sel := bot.Seller{Platform: "telegram", UserID: "1", CreatedAt: t0}
		if err := tx.CreateSeller(ctx, &sel); err != nil {
			return err
		}
		c := bot.Code{ID: "ABCD", Hash: "h", Kind: bot.CodeInvite, SellerID: sel.ID, MemberID: 7, CreatedAt: t0, ExpiresAt: t0.Add(bot.CodeTTL)}
		if err := tx.AddCode(ctx, c); err != nil {
			return err
		}
		if _, err := tx.Code(ctx, "ZZZZ"); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("an unknown code: %v", err)
		}
		c.Tries, c.UsedAt = 2, t0.Add(time.Minute)
		if err := tx.SaveCode(ctx, c); err != nil {
			return err
		}
		got, err := tx.Code(ctx, "ABCD")
		if err != nil || got.Tries != 2 || !got.UsedAt.Equal(c.UsedAt) || !got.ExpiresAt.Equal(c.ExpiresAt) || got.Kind != bot.CodeInvite || got.MemberID != 7 {
			t.Errorf("code: %+v %v", got, err)
		}
		for i := range 3 {
			if err := tx.AddCodeTry(ctx, "slack", "U1", t0.Add(time.Duration(i)*time.Minute)); err != nil {
				return err
			}
		}
		if n, err := tx.CodeTries(ctx, "slack", "U1", t0); n != 2 || err != nil {
			t.Errorf("tries after a time: %d %v", n, err)
		}
		if n, err := tx.CodeTries(ctx, "slack", "U2", t0.Add(-time.Hour)); n != 0 || err != nil {
			t.Errorf("another account's tries: %d %v", n, err)
		}
		return nil
	})
}

func testTeamNotes(t *testing.T, s bot.Store) {
	update(t, s, func(ctx context.Context, tx bot.Tx) error {
		if _, ok, err := tx.NextTeamNote(ctx); ok || err != nil {
			t.Errorf("next of none: %v %v", ok, err)
		}
		for i, n := range []bot.TeamNote{{MemberID: 1, At: t0}, {MemberID: 2, At: t0.Add(time.Second)}, {MemberID: 1, At: t0.Add(time.Minute)}} {
			n.SellerID, n.Text = 9, flows.Text{ZH: "中", EN: string(rune('a' + i))}
			if err := tx.AddTeamNote(ctx, n); err != nil {
				return err
			}
		}
		next, ok, err := tx.NextTeamNote(ctx)
		if !ok || err != nil || !next.Equal(t0.Add(time.Second)) {
			t.Errorf("next: %v %v %v", next, ok, err)
		}
		quiet, err := tx.QuietTeamNotes(ctx, t0.Add(30*time.Second), 10)
		if err != nil || len(quiet) != 1 || quiet[0].MemberID != 2 || quiet[0].Text.EN != "b" || quiet[0].Text.ZH != "中" {
			t.Errorf("quiet: member 1's burst goes on: %+v %v", quiet, err)
		}
		quiet, err = tx.QuietTeamNotes(ctx, t0.Add(time.Minute), 10)
		if err != nil || len(quiet) != 3 || quiet[0].Text.EN != "a" || quiet[1].Text.EN != "c" {
			t.Errorf("quiet, by member: %+v %v", quiet, err)
		}
		if err := tx.DeleteTeamNotes(ctx, []int64{quiet[0].ID, quiet[1].ID}); err != nil {
			return err
		}
		quiet, err = tx.QuietTeamNotes(ctx, t0.Add(time.Hour), 10)
		if err != nil || len(quiet) != 1 || quiet[0].MemberID != 2 {
			t.Errorf("after deleting: %+v %v", quiet, err)
		}
		return nil
	})
}

// testAnswersAtOnce has two members of one company answer the same open
// question at the same moment, through the real core, many times over:
// exactly one answer counts, the other member is told a colleague
// answered it, and the company's progress holds one answer.
func testAnswersAtOnce(t *testing.T, s bot.Store) {
	ctx := context.Background()
	fsys, dir := markets.EmbeddedRules()
	catalog, err := markets.LoadRules(fsys, dir)
	if err != nil {
		t.Fatal(err)
	}
	core := bot.New(s, catalog, bot.WithClock(func() time.Time { return t0 }))
	send := func(platform, user, text string) ([]bot.Reply, error) {
		return core.Handle(ctx, bot.Inbound{Platform: platform, UserID: user, ChatID: "chat-" + user, Text: text, Name: user})
	}
	say := func(platform, user, text string) string {
		t.Helper()
		out, err := send(platform, user, text)
		if err != nil || len(out) == 0 {
			t.Fatalf("%s %q: %v %+v", user, text, err, out)
		}
		return out[len(out)-1].Text
	}
	code := regexp.MustCompile(`[2-9A-Z]{4}-[2-9A-Z]{4}`)
	for round := range 50 {
		owner, mate := fmt.Sprintf("owner%d", round), fmt.Sprintf("mate%d", round)
		say("telegram", owner, "/lang en")
		say("telegram", owner, "/onboard tiktok-uk")
		if got := say("slack", mate, "join "+code.FindString(say("telegram", owner, "/invite"))); !strings.Contains(got, "joined") {
			t.Fatalf("join: %s", got)
		}
		say("slack", mate, "/lang en")
		say("slack", mate, "/onboard tiktok-uk") // both see the first question
		say("telegram", owner, "/onboard tiktok-uk")

		start := make(chan struct{})
		var wg sync.WaitGroup
		var replies [2]string
		var errs [2]error
		for i, who := range [][2]string{{"telegram", owner}, {"slack", mate}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				out, err := send(who[0], who[1], "1")
				if len(out) > 0 {
					replies[i] = out[0].Text
				}
				errs[i] = err
			}()
		}
		close(start)
		wg.Wait()
		told := 0
		for i, r := range replies {
			if errs[i] != nil {
				t.Fatalf("round %d: %v", round, errs[i])
			}
			if strings.Contains(r, "colleague answered") {
				told++
			}
		}
		if told != 1 {
			t.Fatalf("round %d: %d members told a colleague answered, want 1:\n%s\n---\n%s", round, told, replies[0], replies[1])
		}
		var company int64
		update(t, s, func(ctx context.Context, tx bot.Tx) error {
			who, err := tx.Identify(ctx, "telegram", owner)
			company = who.Seller.ID
			if err != nil {
				return err
			}
			o, err := tx.Onboarding(ctx, company, "tiktok-uk")
			if err != nil || len(o.State.Answers) != 1 {
				t.Errorf("round %d: the company's answers: %+v %v", round, o.State.Answers, err)
			}
			return nil
		})
		hist, _, err := s.History(ctx, company, "tiktok-uk", 0, 50)
		answers := 0
		for _, h := range hist {
			if h.Action == bot.ActionAnswer {
				answers++
			}
		}
		if err != nil || answers != 1 {
			t.Fatalf("round %d: %d answers in the history, want 1 (%v)", round, answers, err)
		}
	}
}
