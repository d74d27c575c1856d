package bot

import (
	"context"
	"time"

	"github.com/onboardbot/onboardbot/flows"
)

// Admins is the admins' side of the bot, which bot/admin implements: who
// is an admin (and hears of rule changes), the commands only they may use,
// and the input they give outside commands (an announcement being
// written), which goes to it before it is read as an answer.
type Admins interface {
	// IsAdmin is the one place admin rights are decided.
	IsAdmin(s Seller) bool
	// Keys lists the admins as "platform:user id".
	Keys() []string
	// Commands are the admin commands; each has Admin set.
	Commands() []Command
	// Input offers an admin's text, or the choice of a draft button
	// (draft is true), before it is taken as an answer; it reports
	// whether it was taken.
	Input(cv *Conversation, input string, draft bool) (bool, error)
}

type noAdmins struct{}

func (noAdmins) IsAdmin(Seller) bool                             { return false }
func (noAdmins) Keys() []string                                  { return nil }
func (noAdmins) Commands() []Command                             { return nil }
func (noAdmins) Input(*Conversation, string, bool) (bool, error) { return false, nil }

// WithAdmins sets the admins' side of the bot.
func WithAdmins(a Admins) Option { return func(c *Core) { c.admins = a } }

// What a command (in bot or an extension) sees of the message it handles.

// Ctx is the message's context.
func (cv *Conversation) Ctx() context.Context { return cv.ctx }

// Tx is the transaction the message is handled in: what a command writes
// is committed together with its reply.
func (cv *Conversation) Tx() Tx { return cv.tx }

// Seller is who sent the message.
func (cv *Conversation) Seller() Seller { return *cv.seller }

// Lang is the language the reply is in.
func (cv *Conversation) Lang() flows.Lang { return cv.seller.Lang }

// Now is the time the message is handled at.
func (cv *Conversation) Now() time.Time { return cv.now }

// Catalog is the rules this message is handled under.
func (cv *Conversation) Catalog() *flows.Catalog { return cv.catalog }

// Say adds a paragraph to the reply, in the seller's language.
func (cv *Conversation) Say(t flows.Text) { cv.say(t) }

// Sayf adds a formatted paragraph in the seller's language.
func (cv *Conversation) Sayf(zh, en string, args ...any) { cv.sayf(zh, en, args...) }

// Write adds a paragraph already in the seller's language.
func (cv *Conversation) Write(paragraph string) { cv.text(paragraph) }

// Offer sets the reply's choices (buttons, or a numbered list).
func (cv *Conversation) Offer(choices []Choice) { cv.choices = choices }

// ReportOn makes the reply the progress message of an announcement: it is
// edited as delivery goes.
func (cv *Conversation) ReportOn(announcement int64) { cv.statusOf = announcement }

// Attach makes the reply carry a file (an export).
func (cv *Conversation) Attach(f *File) { cv.file = f }

// Notify tells the dispatchers that messages were queued (an
// announcement): they are sent once the message's transaction commits.
func (cv *Conversation) Notify() { cv.notifyAll = true }

// Shorten cuts s to n characters, marking the cut.
func Shorten(s string, n int) string { return shorten(s, n) }
