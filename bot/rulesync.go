package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/onboardbot/onboardbot/flows"
)

// RuleChange is what a new rule version changed for one market.
type RuleChange struct {
	Market   string
	From     []string // the versions sellers were on
	To       string
	Sellers  int // sellers moved to the new version
	Affected int // sellers whose checklist or questions changed, and were told
}

// SetCatalog replaces the market rules (a reload). Messages in progress
// finish on the rules they started with.
func (c *Core) SetCatalog(catalog *flows.Catalog) { c.catalog.Store(catalog) }

// SyncRules brings every seller to the current version of each market's
// rules. For sellers checked against another version it works out what
// changed for them (checklist items added, reopened because their
// requirement changed, or no longer required; new questions), updates
// their checklist, records the version, and queues one message saying what
// changed and why. Sellers the change does not touch hear nothing. Admins
// who have talked to the bot get a count.
func (c *Core) SyncRules(ctx context.Context) ([]RuleChange, error) {
	catalog := c.catalog.Load()
	var changes []RuleChange
	for _, m := range catalog.Markets() {
		var ch RuleChange
		err := c.store.Update(ctx, func(tx Tx) error {
			var err error
			ch, err = c.syncMarket(ctx, tx, m)
			return err
		})
		if err != nil {
			return changes, fmt.Errorf("sync rules of %s: %w", m.ID, err)
		}
		if ch.Affected > 0 {
			c.notify.Notify("")
		}
		if ch.Sellers > 0 {
			c.log.Info("rules changed", "market", m.ID, "from", ch.From, "to", ch.To, "sellers", ch.Sellers, "affected", ch.Affected)
			changes = append(changes, ch)
		}
	}
	if len(changes) > 0 {
		if err := c.tellAdmins(ctx, func(lang flows.Lang) string {
			var lines []string
			for _, ch := range changes {
				lines = append(lines, flows.Textf(flows.Text{
					ZH: "📋 %s 的规则已更新为 %s 版（之前：%s）：%d 位卖家的清单或问题有变化，已通知他们。",
					EN: "📋 Rules for %s are now version %s (was %s): %d sellers' checklists or questions changed, and they were told.",
				}, ch.Market, ch.To, strings.Join(ch.From, ", "), ch.Affected).In(lang))
			}
			return strings.Join(lines, "\n")
		}); err != nil {
			return changes, err
		}
	}
	return changes, nil
}

// tellAdmins queues a message to every admin the bot knows.
func (c *Core) tellAdmins(ctx context.Context, text func(flows.Lang) string) error {
	keys := c.admins.Keys()
	err := c.store.Update(ctx, func(tx Tx) error {
		admins, err := tx.SellersByKey(ctx, keys)
		if err != nil {
			return fmt.Errorf("find admins: %w", err)
		}
		for _, a := range admins {
			r := Reply{Platform: a.Platform, ChatID: a.ChatID, SellerID: a.ID, Kind: KindReply, Text: text(a.Lang)}
			if err := tx.Enqueue(ctx, &r, c.now().UTC()); err != nil {
				return fmt.Errorf("tell admin: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	c.notify.Notify("")
	return nil
}

// TellAdmins queues a message to every admin the bot knows (a failed rule
// reload, for example).
func (c *Core) TellAdmins(ctx context.Context, t flows.Text) error {
	return c.tellAdmins(ctx, func(lang flows.Lang) string { return t.In(lang) })
}

func (c *Core) syncMarket(ctx context.Context, tx Tx, m *flows.Market) (RuleChange, error) {
	ch := RuleChange{Market: m.ID, To: m.Version}
	raw, err := json.Marshal(m)
	if err != nil {
		return ch, fmt.Errorf("encode rules: %w", err)
	}
	now := c.now().UTC()
	if err := tx.SaveRuleSet(ctx, m.ID, m.Version, raw, now); err != nil {
		return ch, fmt.Errorf("save rules: %w", err)
	}
	behind, err := tx.Behind(ctx, m.ID, m.Version)
	if err != nil {
		return ch, fmt.Errorf("sellers on older rules: %w", err)
	}
	old := map[string]*flows.Market{}
	for _, s := range behind {
		o := s.Onboarding
		if o.RulesVersion == m.Version {
			// On the current rules but without its projection (a database
			// from before projections): write it, nothing changed for them.
			if err := tx.SaveOnboarding(ctx, o, Project(m, o, now)); err != nil {
				return ch, fmt.Errorf("save seller %d: %w", s.Seller.ID, err)
			}
			continue
		}
		prev, seen := old[o.RulesVersion]
		if !seen {
			prev, err = loadRuleSet(ctx, tx, m.ID, o.RulesVersion)
			if err != nil {
				return ch, err
			}
			old[o.RulesVersion] = prev
			ch.From = append(ch.From, o.RulesVersion)
		}
		ch.Sellers++
		var diff sellerDiff
		if prev != nil { // without the old rules there is nothing to compare
			diff = diffForSeller(prev, m, o.State, now)
			o.State = diff.state
		}
		o.RulesVersion = m.Version
		o.Stage = flows.Current(m, o.State, now).Stage
		o.UpdatedAt = now
		if err := tx.SaveOnboarding(ctx, o, Project(m, o, now)); err != nil {
			return ch, fmt.Errorf("save seller %d: %w", s.Seller.ID, err)
		}
		if diff.empty() {
			continue
		}
		ch.Affected++
		if err := tx.AppendHistory(ctx, HistoryEntry{SellerID: s.Seller.ID, Market: m.ID, Action: ActionRules, Value: m.Version, At: now}); err != nil {
			return ch, fmt.Errorf("append history: %w", err)
		}
		r := Reply{Platform: s.Seller.Platform, ChatID: s.Seller.ChatID, SellerID: s.Seller.ID, Kind: KindAnnouncement,
			Text: diff.message(m, o.RulesVersion, s.Seller.Lang, now)}
		if s.Seller.Unreachable {
			r.Undeliverable = "unreachable: the seller blocked the bot"
		}
		if err := tx.Enqueue(ctx, &r, now); err != nil {
			return ch, fmt.Errorf("queue rule change to seller %d: %w", s.Seller.ID, err)
		}
	}
	return ch, nil
}

func loadRuleSet(ctx context.Context, tx Tx, market, version string) (*flows.Market, error) {
	raw, err := tx.RuleSet(ctx, market, version)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load rules %s %s: %w", market, version, err)
	}
	var m flows.Market
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("decode rules %s %s: %w", market, version, err)
	}
	return &m, nil
}

// sellerDiff is what a rule change means for one seller.
type sellerDiff struct {
	added, reopened, changed, removed []*flows.Item
	newQuestion                       *flows.Question
	state                             flows.State
}

func (d sellerDiff) empty() bool {
	return len(d.added)+len(d.reopened)+len(d.changed)+len(d.removed) == 0 && d.newQuestion == nil
}

// diffForSeller compares a seller's checklist under the old and the new
// rules. An item whose requirement changed is reopened if it was done.
func diffForSeller(old, cur *flows.Market, s flows.State, now time.Time) sellerDiff {
	d := sellerDiff{state: s.Clone()}
	before := map[string]flows.Entry{}
	for _, e := range flows.Checklist(old, s, now) {
		before[e.Item.ID] = e
	}
	after := map[string]bool{}
	for _, e := range flows.Checklist(cur, s, now) {
		after[e.Item.ID] = true
		prev, had := before[e.Item.ID]
		switch {
		case !had:
			d.added = append(d.added, e.Item)
		case !sameRule(prev.Item, e.Item):
			if e.State.Status == flows.ItemDone {
				delete(d.state.Items, e.Item.ID)
				d.reopened = append(d.reopened, e.Item)
			} else {
				d.changed = append(d.changed, e.Item)
			}
		}
	}
	for _, e := range flows.Checklist(old, s, now) {
		if !after[e.Item.ID] {
			d.removed = append(d.removed, e.Item)
		}
	}
	was, is := flows.Current(old, s, now), flows.Current(cur, s, now)
	if is.Question != nil && (was.Question == nil || was.Question.ID != is.Question.ID) {
		d.newQuestion = is.Question
	}
	return d
}

// sameRule reports whether two versions of an item require the same thing:
// every field a rule file sets (compared as JSON, which leaves out what
// the program derives, such as compiled patterns), except what only
// rewords or re-dates the check: the Chinese texts (the English says the
// same in both languages' files) and the date a source was last checked.
// A seller is not asked to redo an item because its wording improved.
func sameRule(a, b *flows.Item) bool {
	ja, err1 := json.Marshal(requirement(*a))
	jb, err2 := json.Marshal(requirement(*b))
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}

func requirement(it flows.Item) flows.Item {
	it.Title.ZH, it.Detail.ZH, it.Checked = "", "", ""
	if it.Evidence != nil {
		ev := *it.Evidence
		ev.Expect.ZH = ""
		it.Evidence = &ev
	}
	return it
}
