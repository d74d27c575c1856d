// Package bot is the platform-neutral core of the onboarding bot: seller
// identity, inbound and outbound messages, commands, and the small store
// interface it needs. Adapters turn platform updates into Inbound messages
// and render Replies; the data package implements Store.
package bot

import (
	"encoding/json"
	"strings"
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
	// Name is the person's name as the platform gives it ("Li Lei"), shown
	// to the other members of their company; empty if not known.
	Name string
	// TZHint is the platform's time zone for the user ("Europe/London"),
	// used until the seller picks one with /tz.
	TZHint string
	// Button is set when the seller clicked a button; the core resolves it
	// into Choice inside its transaction.
	Button *Button
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
	// Attachment is a file the seller sent with the message (its Text is
	// the caption): evidence for a checklist item.
	Attachment *Attachment
	// More are the further files of the same message (a Slack message may
	// share several): evidence for the same item, kept with the first.
	More []Attachment
}

// Attachment is a file a seller sent (a document or photo on Telegram, a
// file shared on Slack), as the platform's reference to it: the bot keeps
// the reference, not a copy.
type Attachment struct {
	Ref string // what sends it again: Telegram's file_id, Slack's file id
	// UniqueID is the same for the same file sent twice (Telegram's
	// file_unique_id, Slack's file id).
	UniqueID string
	Name     string
	MIME     string
	Size     int64
	Photo    bool   // Telegram holds it as a photo
	Link     string // where the platform shows it (a Slack permalink)
	// ReplyTo is the data of a button of the bot's message the seller
	// answered with the file (Telegram's reply_to_message), "" if none: the
	// item whose message it is gets the file.
	ReplyTo string
}

// ItemFile is a file a seller attached to a checklist item.
type ItemFile struct {
	SellerID int64
	Market   string
	Item     string
	File     Attachment
	At       time.Time
}

// ChoiceRef names one choice of one question: of a market's onboarding, or
// (Kind RefDraft) of a step of an admin's announcement draft.
type ChoiceRef struct {
	Kind     RefKind `json:"k,omitempty"`
	Market   string  `json:"m,omitempty"`
	Question string  `json:"q"`
	Choice   string  `json:"c"`
}

// RefKind says what a choice answers.
type RefKind string

// Choice kinds: an answer to an onboarding question (the default), a step
// of an admin's draft, a choice ticked or unticked on a multi-choice
// question, the "done" of one, and a command (Choice holds it as typed,
// "back" or "done 3"; with Question set it belongs to that question and
// is stale once the question is answered).
const (
	RefAnswer  RefKind = ""
	RefDraft   RefKind = "draft"
	RefToggle  RefKind = "toggle"
	RefSubmit  RefKind = "submit"
	RefCommand RefKind = "cmd"
)

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
	ID       int64  `json:"-"` // outbox id, set when queued
	Platform string `json:"-"`
	ChatID   string `json:"-"`
	SellerID int64  `json:"-"`
	Kind     Kind   `json:"-"`
	// Text is the whole message as plain text; Blocks is the same with its
	// structure, for platforms that format (a bold header, sources in
	// grey). A reply made of blocks stores only the blocks.
	Text    string   `json:"text"`
	Blocks  []Block  `json:"blocks,omitempty"`
	Choices []Choice `json:"choices,omitempty"`
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
	// Clicked is set on the answer to a button click that was taken: what
	// the click resolved to. It is not stored.
	Clicked *Clicked `json:"-"`
	// Replaces is the platform's id of a message this one takes the place
	// of (the same question, with what is ticked so far): the platform
	// edits that message instead of sending a new one.
	Replaces string `json:"replaces,omitempty"`
	// Undeliverable, when set at queueing, stores the message as already
	// failed with this reason (a seller known to be unreachable), so it is
	// counted but never sent.
	Undeliverable string `json:"-"`
	// File is a file sent with the message (an export, a certificate file
	// sent back); the text is its caption.
	File *File `json:"file,omitempty"`
}

// File is a file a message carries: bytes the bot made (an export), kept
// with the queued message until it is sent, or a file the platform already
// has (a seller's certificate), sent again by the platform's reference.
type File struct {
	Name string `json:"name"`
	MIME string `json:"mime,omitempty"`
	Size int64  `json:"size,omitempty"`
	// Data is the file's bytes. The store keeps them beside the message,
	// not in it: they are read only to send it.
	Data []byte `json:"-"`
	// Stored means the store holds the bytes (set when queued).
	Stored bool `json:"stored,omitempty"`
	// Ref is the platform's id of a file it holds (a Telegram file_id, a
	// Slack file id); Photo means Telegram holds it as a photo, which is
	// sent again as one.
	Ref   string `json:"ref,omitempty"`
	Photo bool   `json:"photo,omitempty"`
	// Link is where the platform shows the file (a Slack permalink), for
	// platforms that cannot send it again.
	Link string `json:"link,omitempty"`
}

// XLSX is the media type of an Excel workbook.
const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

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
	// TZ is the seller's time zone (an IANA name), empty when not known.
	TZ string
	// TZSet means the seller chose the zone (/tz); otherwise it follows
	// the platform's.
	TZSet bool
	// RemindersOff are the kinds of reminder the seller turned off.
	RemindersOff Topic
	CreatedAt    time.Time
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
	ActionRules   Action = "rules"   // moved to a new rule version
	ActionExpired Action = "expired" // a certificate's expiry date came: the item is open again
)

// HistoryEntry is one line of a seller's append-only answer history.
type HistoryEntry struct {
	SellerID int64
	Market   string
	Action   Action
	Question string // the question answered, or the checklist item marked
	Value    string
	At       time.Time
	// By is the member who acted, by their name then (the name changes,
	// the entry does not): empty for what the bot did (an expiry, new
	// rules) and for entries from before members were recorded.
	By string
}

// Block is one part of a reply.
type Block struct {
	Kind BlockKind `json:"k"`
	Text string    `json:"t,omitempty"`
}

// BlockKind is what a block is.
type BlockKind string

// Block kinds: a header (one short line), a paragraph, a note (a source, a
// hint: shown smaller or in grey where the platform can) and a divider.
const (
	BlockHeader  BlockKind = "h"
	BlockText    BlockKind = "p"
	BlockNote    BlockKind = "n"
	BlockDivider BlockKind = "d"
)

// PlainText renders blocks as plain text: one paragraph each.
func PlainText(blocks []Block) string {
	var b strings.Builder
	for i, bl := range blocks {
		if i > 0 {
			b.WriteString("\n\n")
		}
		if bl.Kind == BlockDivider {
			b.WriteString("——————")
			continue
		}
		b.WriteString(bl.Text)
	}
	return b.String()
}

// replyJSON is how a reply is stored: the blocks when it has them (the
// text is made from them again when it is read), else the text.
type replyJSON Reply

// MarshalJSON stores the blocks without the text they make.
func (r Reply) MarshalJSON() ([]byte, error) {
	j := replyJSON(r)
	if len(j.Blocks) > 0 {
		j.Text = ""
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads a stored reply, making its text from its blocks.
func (r *Reply) UnmarshalJSON(data []byte) error {
	if err := json.Unmarshal(data, (*replyJSON)(r)); err != nil {
		return err
	}
	if len(r.Blocks) > 0 {
		r.Text = PlainText(r.Blocks)
	}
	return nil
}
