package bot

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned by store lookups that find nothing.
var ErrNotFound = errors.New("not found")

// ErrSetAside is returned (wrapped) by Update when a transaction that
// claims an inbound delivery has failed several times on damaged data: it
// cannot succeed, and the store gives up on that delivery. The core then
// acknowledges it rather than have the platform redeliver it for ever.
var ErrSetAside = errors.New("update set aside after failing on damaged data")

// Store keeps sellers, their progress and the outbox. It is the contract a
// store implements (data/sqlite; data/storetest is the suite every store
// must pass): a write side (Update, whose transaction offers the concerns
// below), the delivery side (Outbox), a read side (Reader) for what only
// looks, and the deletion of what is kept only for a while (Pruner).
type Store interface {
	// Update runs fn in one write transaction, committed when fn returns nil.
	// fn may run more than once (its transaction is retried when another it
	// shared a commit with failed): it must set what it captures, not add to it.
	Update(ctx context.Context, fn func(Tx) error) error
	Outbox
	Reader
	Pruner
}

// Tx is what the core does inside one write transaction, by concern.
type Tx interface {
	Claims
	Sellers
	Onboardings
	Queue
	Announcements
	RuleSets
	Files
	Dashboard
	Reminders
	Accounts
}

// Claims records inbound deliveries, so a redelivery changes nothing.
type Claims interface {
	// Claim records an inbound delivery as handled. It reports false when
	// the delivery was already handled.
	Claim(ctx context.Context, platform, updateID string, at time.Time) (bool, error)
}

// Sellers keeps who talks to the bot.
type Sellers interface {
	// Seller finds a seller by platform identity; ErrNotFound if new.
	Seller(ctx context.Context, platform, userID string) (Seller, error)
	// CreateSeller adds a seller and sets its ID.
	CreateSeller(ctx context.Context, s *Seller) error
	SaveSeller(ctx context.Context, s Seller) error
	// SellersByKey finds sellers by "platform:user id" keys (admins).
	SellersByKey(ctx context.Context, keys []string) ([]Seller, error)
}

// Onboardings keeps sellers' progress per market, its queryable projection
// and the append-only history of what they answered.
type Onboardings interface {
	// Onboarding finds a seller's progress in a market; ErrNotFound if not started.
	Onboarding(ctx context.Context, sellerID int64, market string) (Onboarding, error)
	// Onboardings lists every market a seller has started, oldest first,
	// for a change to one of them.
	Onboardings(ctx context.Context, sellerID int64) ([]Onboarding, error)
	// SaveOnboarding stores progress together with its projection (the
	// rows reports read), which must be Project of the same onboarding.
	SaveOnboarding(ctx context.Context, o Onboarding, p Projection) error
	AppendHistory(ctx context.Context, h HistoryEntry) error
	// Subscribers lists the sellers onboarding any of the markets who have
	// not muted it.
	Subscribers(ctx context.Context, markets []string) ([]Subscriber, error)
	// MutedSubscribers lists the sellers onboarding any of the markets who
	// muted it: those an announcement skips.
	MutedSubscribers(ctx context.Context, markets []string) ([]Subscriber, error)
	// Behind lists every seller onboarding a market whose progress was
	// checked against another rule version than version, or whose
	// projection was never written (a database from before projections).
	Behind(ctx context.Context, market, version string) ([]Subscriber, error)
	SetMuted(ctx context.Context, sellerID int64, market string, muted bool) error
}

// Files keeps the files sellers attach to checklist items as evidence.
type Files interface {
	// AddItemFile records a file with an item; the same file (UniqueID)
	// attached to the same item again is recorded once. It reports whether
	// it was new.
	AddItemFile(ctx context.Context, f ItemFile) (bool, error)
	// ItemFiles lists a seller's files in a market, of one item or (item
	// empty) of every item, oldest first.
	ItemFiles(ctx context.Context, sellerID int64, market, item string) ([]ItemFile, error)
}

// Queue is the write side of the outbox.
type Queue interface {
	// Enqueue adds a message to the outbox and sets its ID. An announcement
	// already queued to the seller is not queued again (ID stays 0).
	Enqueue(ctx context.Context, r *Reply, at time.Time) error
	// Outgoing finds a queued message by id, sent or not; ErrNotFound if none.
	Outgoing(ctx context.Context, id int64) (Reply, error)
}

// Announcements keeps admins' announcements, their drafts and their delivery.
type Announcements interface {
	// CreateAnnouncement stores an announcement and sets its ID.
	CreateAnnouncement(ctx context.Context, a *Announcement) error
	Announcements(ctx context.Context, limit int) ([]Announcement, error)
	// ActiveAnnouncements lists announcements still being delivered.
	ActiveAnnouncements(ctx context.Context) ([]Announcement, error)
	FinishAnnouncement(ctx context.Context, id int64, at time.Time) error
	Stats(ctx context.Context, id int64) (DeliveryStats, error)
	// StatusMessage finds an announcement's progress message; ErrNotFound if none.
	StatusMessage(ctx context.Context, id int64) (Reply, error)
	// Draft loads an admin's draft; ErrNotFound if none.
	Draft(ctx context.Context, sellerID int64) (Draft, error)
	SaveDraft(ctx context.Context, sellerID int64, d Draft, at time.Time) error
	DeleteDraft(ctx context.Context, sellerID int64) error
}

// RuleSets keeps every market rule version the bot has run, so a seller's
// checklist can be compared between the version they were checked against
// and the current one.
type RuleSets interface {
	// RuleSet loads a stored market rule version as JSON; ErrNotFound if none.
	RuleSet(ctx context.Context, market, version string) ([]byte, error)
	SaveRuleSet(ctx context.Context, market, version string, rules []byte, at time.Time) error
}

// Reminders keeps the reminders planned for sellers and what became of
// each, and the marks by which the scheduled work that plans them knows
// how far it has come. A reminder's key (seller, market, item, kind,
// target) is planned once and finished once: its message is queued in
// the transaction that finishes it, so it is sent once, whatever crashes.
type Reminders interface {
	// PlanReminders makes a seller's pending reminders about an item of a
	// market, of the given kinds, those in want: the others are cancelled;
	// one already planned or finished with the same key stays as it is.
	PlanReminders(ctx context.Context, sellerID int64, market, item string, kinds []ReminderKind, want []Reminder) error
	// AddReminders plans reminders beside those planned; one whose key was
	// planned before stays as it is.
	AddReminders(ctx context.Context, rs []Reminder) error
	// SellerReminders lists a seller's pending reminders, soonest first.
	SellerReminders(ctx context.Context, sellerID int64) ([]Reminder, error)
	// DueReminders lists the pending reminders due at or before t, soonest
	// first, at most limit, each with its seller.
	DueReminders(ctx context.Context, t time.Time, limit int) ([]DueReminder, error)
	// NextReminder is when the soonest pending reminder is due; false if
	// none is pending.
	NextReminder(ctx context.Context) (time.Time, bool, error)
	// MoveReminder sets when a pending reminder is due.
	MoveReminder(ctx context.Context, r Reminder, due time.Time) error
	// FinishReminder records what became of a pending reminder: sent (its
	// message queued in the same transaction), skipped or cancelled.
	FinishReminder(ctx context.Context, r Reminder, outcome ReminderOutcome, at time.Time) error
	// FinishReminders does what FinishReminder does for each of a batch of
	// pending reminders, and queues the message of each one sent (its
	// Message, a KindAnnouncement to its seller) in the same transaction,
	// in the batch's order: the scheduler's path, with as few statements
	// as the store can.
	FinishReminders(ctx context.Context, fs []FinishedReminder, at time.Time) error
	// ExpireItem writes that a certificate expired in a seller's
	// projection, whose state has not changed but now reads differently:
	// the item's row, done with row's number and expiry, is open again,
	// and a complete onboarding is at its checklist again. The state and
	// last activity stay as they are. It reports false, changing nothing,
	// when the row is not done with that number and expiry.
	ExpireItem(ctx context.Context, sellerID int64, market string, row ItemRow) (bool, error)
	// Stalled lists the onboardings with a question open whose last
	// activity comes after mark (in StallMark's order) and no later than
	// before, in that order, at most limit, each with its seller.
	Stalled(ctx context.Context, after StallMark, before time.Time, limit int) ([]Stall, error)
	// NextStall is the earliest last activity after mark of an onboarding
	// with a question open; false if there is none.
	NextStall(ctx context.Context, after StallMark) (time.Time, bool, error)
	// OpenItem lists the sellers who have item open (to do) in market, by
	// id, those with an id above after, at most limit.
	OpenItem(ctx context.Context, market, item string, after int64, limit int) ([]Seller, error)
	// DatedItems lists the checklist items done with an expiry date, at
	// most limit, from the place after (empty: the start), in an order of
	// the store's, and the place after the last one listed.
	DatedItems(ctx context.Context, after string, limit int) (items []DatedItem, next string, err error)
	// Mark reads one of the scheduled work's marks ("" if never set).
	Mark(ctx context.Context, name string) (string, error)
	SetMark(ctx context.Context, name, value string) error
}

// ReminderOutcome is what became of a reminder.
type ReminderOutcome string

// Reminder outcomes: its message was queued; it was not sent (the seller
// turned that kind off, a later one of the same date was due too, it came
// too late); it no longer applied (the date changed, the question was
// answered).
const (
	ReminderSent      ReminderOutcome = "sent"
	ReminderSkipped   ReminderOutcome = "skipped"
	ReminderCancelled ReminderOutcome = "cancelled"
)

// FinishedReminder is what became of a pending reminder, with the
// message it sent (nil unless Outcome is ReminderSent).
type FinishedReminder struct {
	Reminder
	Outcome ReminderOutcome
	Message *Reply
}

// DatedItem is a checklist item done with an expiry date.
type DatedItem struct {
	Seller Seller
	Market string
	Item   string
	Expiry string
}

// Reader is the read side: what /status, /history and reports read, from
// committed data and outside the write path, so looking never holds up a
// seller's answer.
type Reader interface {
	// Onboardings lists every market a seller has started, oldest first.
	Onboardings(ctx context.Context, sellerID int64) ([]Onboarding, error)
	// History lists a page of a seller's history in a market: at most
	// limit entries, leaving out the offset newest, oldest first; and how
	// many entries the history has in all.
	History(ctx context.Context, sellerID int64, market string, offset, limit int) ([]HistoryEntry, int, error)
	// Projections lists the projection of every onboarding of a market
	// (every market when market is empty), by seller.
	Projections(ctx context.Context, market string) ([]Projection, error)
	// MarketProjections lists every onboarding of a market, muted or not,
	// with its seller and its projection, by seller: a report of the whole
	// market (an admin's /export all) without decoding sellers' states.
	MarketProjections(ctx context.Context, market string) ([]SellerProjection, error)
	// MarketFiles counts the files sellers attached to the items of a
	// market, per seller (by id) and item, in one query.
	MarketFiles(ctx context.Context, market string) (map[int64]map[string]int, error)
	Reports
	// ExpiringByMarket lists the items done whose expiry date is from from to to
	// (YYYY-MM-DD, both included), by market, expiry and seller.
	ExpiringByMarket(ctx context.Context, from, to string) ([]ExpiringItem, error)
}

// Outbox is the delivery side of the store: what is still to send, and
// what became of it.
type Outbox interface {
	// DueChats lists chats on a platform with undelivered messages of a kind
	// to reachable sellers, oldest first.
	DueChats(ctx context.Context, platform string, kind Kind, limit int) ([]string, error)
	// Pending lists a chat's undelivered messages: replies first, then
	// announcements, each oldest first.
	Pending(ctx context.Context, platform, chatID string) ([]Reply, error)
	// Outgoing finds a queued message by id, sent or not; ErrNotFound if none.
	Outgoing(ctx context.Context, id int64) (Reply, error)
	// MarkSent records that messages were delivered.
	MarkSent(ctx context.Context, ids []int64, at time.Time) error
	// MarkSentRef records that one message was delivered as the platform's
	// message ref.
	MarkSentRef(ctx context.Context, id int64, ref string, at time.Time) error
	// MarkFailed sets a message aside that cannot be delivered, with the reason.
	MarkFailed(ctx context.Context, id int64, reason string, at time.Time) error
	// MarkUnreachable records that the recipient of r cannot be reached on
	// its platform (they blocked the bot): the seller is marked and their
	// undelivered messages are set aside.
	MarkUnreachable(ctx context.Context, r Reply, reason string, at time.Time) error
}

// RecentAnnouncements is how many announcements /announcements lists, the
// latest first. Their messages are kept, however old, for its counts.
const RecentAnnouncements = 10

// Pruner deletes what is kept only for a while, so that the database
// stops growing with every message: claims once no platform would deliver
// their update again, delivered or set-aside messages once neither a
// click on their buttons nor a report needs them, link and invitation
// codes once a late try at one no longer needs telling apart from a wrong
// one, and wrong codes once the per-account limit no longer counts them.
// The answer history is never pruned.
type Pruner interface {
	// Prune deletes the claims recorded before before.Claims; the outbox
	// messages queued before before.Outbox that were delivered or set
	// aside, except an announcement's while it is being delivered or is
	// one of the RecentAnnouncements latest, and an announcement's progress
	// message while it is being delivered; the codes that expired, or were
	// used, before before.Codes; and the wrong codes given before
	// before.CodeTries. A zero time prunes nothing of its kind. Each write
	// transaction deletes at most batch rows (of wrong codes, those of at
	// most batch accounts), so a seller's message never waits for more than
	// one batch. It reports how many it deleted, also when it fails part
	// way.
	Prune(ctx context.Context, before PruneBefore, batch int) (Pruned, error)
}

// PruneBefore is, for each kind of row Prune deletes, the moment before
// which such a row is old enough to go.
type PruneBefore struct {
	Claims, Outbox, Codes, CodeTries time.Time
}

// Pruned counts what one Prune deleted.
type Pruned struct {
	Claims, Messages, Codes, CodeTries int
}
