// Package bot is the platform-neutral core of the onboarding bot: seller
// identity, inbound and outbound messages, commands, and the small store
// interface it needs. Adapters turn platform updates into Inbound messages
// and render Replies; the data package implements Store.
package bot

import (
	"context"
	"errors"
	"time"

	"github.com/onboardbot/onboardbot/flows"
)

// Inbound is one message from a seller, as an adapter hands it over.
type Inbound struct {
	Platform string // "telegram", "slack", "console"
	UserID   string // the seller's id on that platform
	ChatID   string // where replies go
	// UpdateID identifies the delivery (Telegram update_id, Slack event_id).
	// A second delivery with the same id changes nothing and sends nothing.
	// Empty means the adapter cannot redeliver, so there is nothing to dedupe.
	UpdateID string
	Text     string
	// LangHint is the platform's language for the user ("zh-hans", "en-GB"),
	// used until the seller picks one with /lang.
	LangHint string
	// Choice is set when the seller picked a choice by button rather than by
	// typing; it names the question the button belonged to, so a click on an
	// old question is not taken as an answer to the current one.
	Choice *ChoiceRef
	// Unsupported means the seller sent something the bot cannot read (a
	// sticker, a photo); they get a short hint.
	Unsupported bool
	// Public means the message was in a shared channel (a mention): the
	// answer is a short invitation to continue in a direct message, since
	// onboarding answers are the seller's own business.
	Public bool
}

// ChoiceRef names one choice of one question of one market.
type ChoiceRef struct {
	Market   string `json:"m"`
	Question string `json:"q"`
	Choice   string `json:"c"`
}

// Choice is one choice offered with a reply, for buttons or a numbered list.
type Choice struct {
	Label string    `json:"label"`
	Ref   ChoiceRef `json:"ref"`
}

// Kind says what an outgoing message is, so dispatchers can send sellers'
// replies ahead of announcements.
type Kind string

// Outgoing message kinds. Replies (and admins' progress messages) go
// ahead of announcements.
const (
	KindReply        Kind = "reply"
	KindAnnouncement Kind = "announcement"
)

// Reply is one message to a seller, queued in the outbox in the same
// transaction as the state change that produced it.
type Reply struct {
	ID       int64    `json:"-"` // outbox id, set when queued
	Platform string   `json:"-"`
	ChatID   string   `json:"-"`
	SellerID int64    `json:"-"`
	Kind     Kind     `json:"-"`
	Text     string   `json:"text"`
	Choices  []Choice `json:"choices,omitempty"`
	// Multi means several options may be picked at once (the category question).
	Multi bool `json:"multi,omitempty"`
	// Notice is a short text for platforms that show a passing notice on a
	// button click (a stale button); empty when the click was taken. It is
	// not stored: the click's acknowledgement is not a message.
	Notice string `json:"-"`
	// Announcement is the announcement this message delivers (0 if none);
	// an announcement reaches a seller at most once.
	Announcement int64 `json:"-"`
	// StatusOf marks an admin's progress message for an announcement: it is
	// edited as delivery goes.
	StatusOf int64 `json:"-"`
	// Ref is the platform's id of the message once sent (for edits).
	Ref string `json:"-"`
	// Undeliverable, when set at queueing, stores the message as already
	// failed with this reason (a seller known to be unreachable), so it is
	// counted but never sent.
	Undeliverable string `json:"-"`
}

// Seller is one seller on one platform.
type Seller struct {
	ID       int64
	Platform string
	UserID   string
	ChatID   string
	Lang     flows.Lang
	// LangSet means the seller chose the language; otherwise it follows the
	// platform's hint.
	LangSet bool
	// Market is the market the seller is onboarding now: free text answers
	// its current question.
	Market string
	// Unreachable means the platform refused the last message (the seller
	// blocked the bot); nothing is sent until they write again.
	Unreachable bool
	CreatedAt   time.Time
}

// Key is the seller's identity as admins are listed: "telegram:123".
func (s Seller) Key() string { return s.Platform + ":" + s.UserID }

// Onboarding is a seller's progress in one market.
type Onboarding struct {
	SellerID     int64
	Market       string
	RulesVersion string
	Stage        flows.Stage
	State        flows.State
	// Muted means the seller asked not to get this market's announcements.
	Muted     bool
	StartedAt time.Time
	UpdatedAt time.Time
}

// Subscriber is a seller with their progress in one market.
type Subscriber struct {
	Seller     Seller
	Onboarding Onboarding
}

// Announcement is a message from admins to the sellers of some markets,
// narrowed by category, stage or an open checklist item.
type Announcement struct {
	ID       int64
	Markets  []string
	Category string
	Stage    flows.Stage
	OpenItem string
	// Text may leave a language empty: those sellers get the other one.
	Text        flows.Text
	CreatedBy   string // "telegram:123", "slack:U1" or "shell"
	AdminSeller int64  // the admin's seller id, 0 from the shell
	Recipients  int
	CreatedAt   time.Time
	FinishedAt  time.Time // zero while delivering
}

// DeliveryStats counts an announcement's messages by what became of them.
type DeliveryStats struct {
	Sent, Pending, Unreachable, Failed int
}

// Draft is an announcement an admin is writing in chat, and the step
// they are at.
type Draft struct {
	Step         string       `json:"step"`
	Announcement Announcement `json:"announcement"`
}

// Action is what a history entry records.
type Action string

// History actions.
const (
	ActionStart   Action = "start"
	ActionAnswer  Action = "answer"
	ActionBack    Action = "back"
	ActionRestart Action = "restart"
	ActionMark    Action = "mark"
	ActionRules   Action = "rules" // moved to a new rule version
)

// HistoryEntry is one line of a seller's append-only answer history.
type HistoryEntry struct {
	SellerID int64
	Market   string
	Action   Action
	Question string // the question answered, or the checklist item marked
	Value    string
	At       time.Time
}

// ErrNotFound is returned by store lookups that find nothing.
var ErrNotFound = errors.New("not found")

// Store keeps sellers, their progress and the outbox.
type Store interface {
	// Update runs fn in one write transaction, committed when fn returns nil.
	// fn may run more than once (its transaction is retried when another it
	// shared a commit with failed): it must set what it captures, not add to it.
	Update(ctx context.Context, fn func(Tx) error) error
	Outbox
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

// Tx is what the core does inside one transaction.
type Tx interface {
	// Claim records an inbound delivery as handled. It reports false when
	// the delivery was already handled.
	Claim(ctx context.Context, platform, updateID string, at time.Time) (bool, error)
	// Seller finds a seller by platform identity; ErrNotFound if new.
	Seller(ctx context.Context, platform, userID string) (Seller, error)
	// CreateSeller adds a seller and sets its ID.
	CreateSeller(ctx context.Context, s *Seller) error
	SaveSeller(ctx context.Context, s Seller) error
	// Onboarding finds a seller's progress in a market; ErrNotFound if not started.
	Onboarding(ctx context.Context, sellerID int64, market string) (Onboarding, error)
	// Onboardings lists every market a seller has started, oldest first.
	Onboardings(ctx context.Context, sellerID int64) ([]Onboarding, error)
	SaveOnboarding(ctx context.Context, o Onboarding) error
	AppendHistory(ctx context.Context, h HistoryEntry) error
	// History lists a seller's history in a market, oldest first.
	History(ctx context.Context, sellerID int64, market string) ([]HistoryEntry, error)
	// Enqueue adds a message to the outbox and sets its ID. An announcement
	// already queued to the seller is not queued again (ID stays 0).
	Enqueue(ctx context.Context, r *Reply, at time.Time) error

	// Subscribers lists the sellers onboarding any of the markets who have
	// not muted it.
	Subscribers(ctx context.Context, markets []string) ([]Subscriber, error)
	// Behind lists every seller onboarding a market whose progress was
	// checked against another rule version than version.
	Behind(ctx context.Context, market, version string) ([]Subscriber, error)
	SetMuted(ctx context.Context, sellerID int64, market string, muted bool) error
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
	// SellersByKey finds sellers by "platform:user id" keys (admins).
	SellersByKey(ctx context.Context, keys []string) ([]Seller, error)
	// RuleSet loads a stored market rule version as JSON; ErrNotFound if none.
	RuleSet(ctx context.Context, market, version string) ([]byte, error)
	SaveRuleSet(ctx context.Context, market, version string, rules []byte, at time.Time) error
}
