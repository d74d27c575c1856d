package bot

import (
	"context"
	"time"

	"github.com/onboardbot/onboardbot/flows"
)

// A seller is a company: it owns the progress (onboardings, history,
// files, reminders, mutes). The people of a company are its members, each
// with their own name and language, and each member talks to the bot from
// one or more accounts (a platform and that platform's user id). The
// seller row keeps the account used most recently, with its member's
// language: announcements and reminders, which go once per company, go
// there.

// Role is what a member may do in their company.
type Role string

// Roles: the owner (who invites and removes members) and the others.
const (
	RoleOwner  Role = "owner"
	RoleMember Role = "member"
)

// Member is one person of a company.
type Member struct {
	ID       int64
	SellerID int64
	Name     string // as the platform gave it, or their account's key
	Role     Role
	Lang     flows.Lang
	LangSet  bool
	// Platform and UserID are the member's account used most recently:
	// notes to the member go there.
	Platform, UserID string
	// Seen is the question the member was last shown ("market/question"),
	// so a typed answer meant for a question someone else answered
	// meanwhile is not taken for the next one.
	Seen string
	// LastDid is what the member last did (a line for /team), at LastAt.
	LastDid   string
	LastAt    time.Time
	CreatedAt time.Time
}

// Account is one platform identity of a member.
type Account struct {
	Platform  string
	UserID    string
	ChatID    string
	SellerID  int64
	MemberID  int64
	CreatedAt time.Time
}

// Key is the account as admins name it: "telegram:123".
func (a Account) Key() string { return a.Platform + ":" + a.UserID }

// Identity is who wrote: the account, its member, and the company's row.
type Identity struct {
	Account Account
	Member  Member
	Seller  Seller
	// Members counts the company's members.
	Members int
}

// CodeKind says what a code does when it is given.
type CodeKind string

// Code kinds: link an account to the member who asked (/link), or add a
// new member to the company (/invite).
const (
	CodeLink   CodeKind = "link"
	CodeInvite CodeKind = "invite"
)

// Code is a one-time code that joins an account to a company. It is
// given as its ID and a secret; the store keeps the secret's hash.
type Code struct {
	ID        string // the part that finds the code
	Hash      string // of the whole code
	Kind      CodeKind
	SellerID  int64
	MemberID  int64 // who asked for it; 0 once they left the company
	Tries     int   // wrong secrets given for this ID
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero until used
}

// TeamNote is one line for a member about what another did, sent with
// the others of a burst as one message.
type TeamNote struct {
	ID       int64
	SellerID int64
	MemberID int64 // to whom
	Text     flows.Text
	At       time.Time
}

// Accounts keeps companies' members and their accounts, the codes that
// join them, and the notes members get of each other's work.
type Accounts interface {
	// Identify finds an account with its member and company; ErrNotFound
	// if the account is new. The company is locked for the transaction
	// where a store needs it (PostgreSQL).
	Identify(ctx context.Context, platform, userID string) (Identity, error)
	// LockSeller makes the transaction the only one changing a company
	// until it ends (a store whose transactions run alone may do nothing).
	LockSeller(ctx context.Context, sellerID int64) error
	// AddMember adds a member and sets its ID.
	AddMember(ctx context.Context, m *Member) error
	// SaveMember stores a member's name, role, language, latest account,
	// what they saw and did last.
	SaveMember(ctx context.Context, m Member) error
	// RemoveMember deletes a member with their accounts, and voids their
	// codes (kept with MemberID 0, so that one given later is refused as
	// void).
	RemoveMember(ctx context.Context, id int64) error
	// Members lists a company's members, oldest first.
	Members(ctx context.Context, sellerID int64) ([]Member, error)
	// SaveAccount adds an account, or moves it to another member and
	// company, or sets its chat.
	SaveAccount(ctx context.Context, a Account) error
	// RemoveAccount deletes an account.
	RemoveAccount(ctx context.Context, platform, userID string) error
	// SellerAccounts lists a company's accounts, oldest first.
	SellerAccounts(ctx context.Context, sellerID int64) ([]Account, error)
	// UseAccount makes an account of a company the one its row keeps (the
	// latest used), with its member's language.
	UseAccount(ctx context.Context, sellerID int64, a Account, lang flows.Lang, langSet bool) error
	// RetireSeller takes a company whose accounts all left out of every
	// lookup: its row stays, with its history.
	RetireSeller(ctx context.Context, sellerID int64, at time.Time) error
	// DeleteOnboarding removes a seller's progress in a market with its
	// projection (its history stays).
	DeleteOnboarding(ctx context.Context, sellerID int64, market string) error
	// CopyHistory appends a copy of one seller's history to another's, in
	// its order, with its times.
	CopyHistory(ctx context.Context, from, to int64) error
	// CopyFiles attaches one seller's files to another's items too (a file
	// already there is kept once).
	CopyFiles(ctx context.Context, from, to int64) error
	// SetMerge records that a retired company's progress in market waits
	// for the seller to choose (pending), or that it was chosen.
	SetMerge(ctx context.Context, sellerID, from int64, market string, pending bool, at time.Time) error
	// Merges lists the markets of retired companies waiting for the
	// seller to choose, by company.
	Merges(ctx context.Context, sellerID int64) ([]Merge, error)

	// AddCode stores a new code.
	AddCode(ctx context.Context, c Code) error
	// Code finds a code by its ID; ErrNotFound if none.
	Code(ctx context.Context, id string) (Code, error)
	// SaveCode stores a code's tries and use.
	SaveCode(ctx context.Context, c Code) error
	// CodeTries counts an account's failed code attempts since a time.
	CodeTries(ctx context.Context, platform, userID string, since time.Time) (int, error)
	// AddCodeTry records a failed code attempt of an account.
	AddCodeTry(ctx context.Context, platform, userID string, at time.Time) error

	// AddTeamNote queues a line for a member.
	AddTeamNote(ctx context.Context, n TeamNote) error
	// QuietTeamNotes lists the notes of the members whose latest note is
	// at or before quiet (their burst is over), oldest first, at most limit.
	QuietTeamNotes(ctx context.Context, quiet time.Time, limit int) ([]TeamNote, error)
	// NextTeamNote is when the latest note of the member whose burst ends
	// first was queued; false if none is queued.
	NextTeamNote(ctx context.Context) (time.Time, bool, error)
	// DeleteTeamNotes deletes notes that were sent.
	DeleteTeamNotes(ctx context.Context, ids []int64) error
}

// Merge is a market where a company joined to another had progress too:
// the seller chooses which to keep.
type Merge struct {
	SellerID int64 // the company that stays
	From     int64 // the retired company holding the other progress
	Market   string
}
