package bot

import (
	"context"
	"time"

	"github.com/onboardbot/onboardbot/flows"
)

// Reports is the part of the read side the admins' pages read: counts and
// lists worked out in the store from the projection rows, the outbox and
// the dashboard's own rows, each in a query or two whatever the number of
// sellers, never by decoding sellers' states.
type Reports interface {
	// Funnel counts, per market, the onboardings started in the filter's
	// range and how far they got.
	Funnel(ctx context.Context, f FunnelFilter) ([]FunnelRow, error)
	// Stuck lists the onboardings still under way (not complete, not
	// stopped) whose last activity was before f.Before, the longest idle
	// first, at most f.Limit of them; and how many there are in all.
	Stuck(ctx context.Context, f StuckFilter) ([]StuckRow, int, error)
	// Stops counts the onboardings that were stopped, by market and the
	// question whose answer stopped them (every market when market is empty).
	Stops(ctx context.Context, market string) ([]StopRow, error)
	// ItemCounts counts, per market and checklist item (by market, then in
	// no set order), the sellers with it
	// open, done and not applicable, and those whose certificate expires
	// from soonFrom to soonTo (YYYY-MM-DD, both included).
	ItemCounts(ctx context.Context, market, soonFrom, soonTo string) ([]ItemCount, error)
	// Expiring lists the certificates (of items marked done: only they keep
	// an expiry that has not passed) that expire from
	// from to to (YYYY-MM-DD, both included), the soonest first, at most
	// limit; and how many there are in all.
	Expiring(ctx context.Context, from, to string, limit int) ([]ExpiringRow, int, error)
	// AnnouncementReport lists the latest announcements, newest first, with
	// what became of their messages.
	AnnouncementReport(ctx context.Context, limit int) ([]AnnouncementStats, error)
	// SellerByID finds a seller; ErrNotFound if none.
	SellerByID(ctx context.Context, id int64) (Seller, error)
	// Messages lists the latest messages queued to a seller (as long as the
	// outbox keeps them), newest first.
	Messages(ctx context.Context, sellerID int64, limit int) ([]SentMessage, error)
	// Session finds a dashboard session by the hash of its token; ErrNotFound
	// if none. An expired session is still returned: the caller checks.
	Session(ctx context.Context, hash string) (Session, error)
}

// FunnelFilter narrows the funnel: a platform ("" for every one) and the
// onboardings started from From up to To (zero for no bound).
type FunnelFilter struct {
	Platform string
	From, To time.Time
}

// FunnelRow is how far a market's onboardings got: each count includes
// the ones after it.
type FunnelRow struct {
	Market string
	// Started counts every onboarding; Eligible those past the eligibility
	// questions; Logistics those past the logistics questions too; Complete
	// those whose checklist is done. Stopped counts those an answer stopped.
	Started, Eligible, Logistics, Complete, Stopped int
}

// StuckFilter narrows the stuck list.
type StuckFilter struct {
	Market   string // "" for every market
	Platform string // "" for every platform
	Before   time.Time
	Limit    int
}

// StuckRow is an onboarding that has not moved since LastActivity.
type StuckRow struct {
	Seller       Seller
	Market       string
	Stage        flows.Stage
	Question     string // the open question, if any
	LastActivity time.Time
	// NudgedAt is when an admin last nudged the seller about this market
	// since their last activity; zero if nobody did.
	NudgedAt time.Time
}

// StopRow counts the onboardings one question's answer stopped.
type StopRow struct {
	Market   string
	Question string
	Sellers  int
}

// ItemCount is how sellers stand with one checklist item of a market.
type ItemCount struct {
	Market, Item         string
	Open, Done, NA, Soon int
}

// ExpiringRow is a certificate that expires soon.
type ExpiringRow struct {
	Seller Seller
	Market string
	Item   string
	Number string
	Expiry string // YYYY-MM-DD
}

// AnnouncementStats is an announcement and its delivery.
type AnnouncementStats struct {
	Announcement
	DeliveryStats
}

// SentMessage is a message queued to a seller and what became of it.
type SentMessage struct {
	ID           int64
	Kind         Kind
	Text         string
	Announcement int64
	CreatedAt    time.Time
	SentAt       time.Time // zero until delivered
	FailedAt     time.Time // zero unless set aside
	Error        string
}

// Dashboard keeps what the admins' pages write: one-time login links,
// sessions and nudges.
type Dashboard interface {
	// CreateLogin stores a one-time login link (by the hash of its token),
	// and forgets those expired at l.CreatedAt.
	CreateLogin(ctx context.Context, l Login) error
	// UseLogin takes a login link: it returns it and marks it used. It
	// returns ErrNotFound for a link unknown, used or expired at at.
	UseLogin(ctx context.Context, hash string, at time.Time) (Login, error)
	// CreateSession stores a session, and forgets those expired at
	// s.CreatedAt.
	CreateSession(ctx context.Context, s Session) error
	// DeleteSession ends a session.
	DeleteSession(ctx context.Context, hash string) error
	// RecordNudge records that an admin nudged a seller about a market
	// whose last activity was n.Since; it reports false, recording
	// nothing, when one was recorded already for that activity.
	RecordNudge(ctx context.Context, n Nudge) (bool, error)
}

// Login is a one-time login link to the admins' pages.
type Login struct {
	Hash      string // of the token the link carries; the token is never stored
	Admin     string // "platform:user id"
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Session is an admin signed in to the pages.
type Session struct {
	Hash      string // of the cookie's token
	Admin     string // "platform:user id"
	CSRF      string // the token every form that changes something carries
	Lang      flows.Lang
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Nudge is a reminder an admin sent a stuck seller.
type Nudge struct {
	SellerID int64
	Market   string
	Since    time.Time // the onboarding's last activity
	By       string    // the admin, "platform:user id"
	At       time.Time
}
