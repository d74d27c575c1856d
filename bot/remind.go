package bot

// Reminders: what the bot reminds a seller of, and when. The core plans a
// seller's certificate reminders when they record a date (in the
// transaction that records it); bot/schedule sends what is due.

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // zones by name (/tz, Slack's tz) on machines without a zone database

	"github.com/onboardbot/onboardbot/flows"
)

// ReminderKind is what a reminder says.
type ReminderKind string

// Reminder kinds: a certificate expiring in 30, 7 and 1 days and on its
// expiry date (when the item reopens); a rule that takes effect in 30 and
// 7 days; a seller who stopped mid-questions 3 and 14 days ago.
const (
	RemindExpiry30 ReminderKind = "expiry-30"
	RemindExpiry7  ReminderKind = "expiry-7"
	RemindExpiry1  ReminderKind = "expiry-1"
	RemindExpired  ReminderKind = "expired"
	RemindRule30   ReminderKind = "rule-30"
	RemindRule7    ReminderKind = "rule-7"
	RemindStall3   ReminderKind = "stall-3"
	RemindStall14  ReminderKind = "stall-14"
)

// ExpiryKinds are a certificate's reminders, in the order they come.
var ExpiryKinds = []ReminderKind{RemindExpiry30, RemindExpiry7, RemindExpiry1, RemindExpired}

// RuleKinds are a future rule's reminders, in the order they come.
var RuleKinds = []ReminderKind{RemindRule30, RemindRule7}

// StallKinds are the nudges of a stalled onboarding, in the order they come.
var StallKinds = []ReminderKind{RemindStall3, RemindStall14}

// Days is how many days before its date (expiry, rule) or after the last
// activity (stall) a reminder comes.
func (k ReminderKind) Days() int {
	switch k {
	case RemindExpiry30, RemindRule30:
		return 30
	case RemindExpiry7, RemindRule7:
		return 7
	case RemindExpiry1:
		return 1
	case RemindStall3:
		return 3
	case RemindStall14:
		return 14
	}
	return 0
}

// Topic is the kind of reminder a seller can turn off.
func (k ReminderKind) Topic() Topic {
	switch {
	case strings.HasPrefix(string(k), "stall"):
		return TopicNudges
	case strings.HasPrefix(string(k), "rule"):
		return TopicRules
	}
	return TopicExpiry
}

// Topic is a set of reminder kinds a seller turns on or off as one.
type Topic uint8

// Topics: nudges about a stalled onboarding, rules that start later, and
// the seller's own certificates.
const (
	TopicNudges Topic = 1 << iota
	TopicRules
	TopicExpiry
	TopicAll = TopicNudges | TopicRules | TopicExpiry
)

// Reminder is one reminder to one seller, planned or sent. Its key, the
// seller, market, item, kind and target, is planned once and sent at most
// once: a changed date is another reminder.
type Reminder struct {
	SellerID int64
	Market   string
	Item     string // the checklist item; empty for a stall
	Kind     ReminderKind
	// Target is what the reminder is about: the expiry or effective date
	// (YYYY-MM-DD), or for a stall the last activity (RFC 3339, UTC).
	Target string
	// Due is when it is sent: outside the seller's quiet hours.
	Due time.Time
}

// DueReminder is a reminder that is due, with its seller.
type DueReminder struct {
	Reminder
	Seller Seller
	// Progress is where the seller stands now, from their projection: for
	// a reminder of an item, the item's row (zero when the item is not on
	// their checklist); for a nudge, the onboarding's open question and
	// last activity (zero when they have not started the market). Whether
	// the reminder still applies is decided from them without reading the
	// state.
	Row          ItemRow
	Question     string
	LastActivity time.Time
}

// StallMark says how far the stall scan has come: onboardings are taken
// in the order of their last activity, then seller and market.
type StallMark struct {
	At       time.Time
	SellerID int64
	Market   string
}

// Stall is an onboarding with a question open, as the stall scan reads it.
type Stall struct {
	Seller       Seller
	Market       string
	LastActivity time.Time
}

// ExpiringItem is a certificate that expires soon, for admins' /expiring.
type ExpiringItem struct {
	Seller Seller
	Market string
	Item   string
	Number string
	Expiry string // YYYY-MM-DD
}

// QuietHours are the local hours in which nothing is sent to a seller
// ("21:00-09:00"); the zero value sends at any hour.
type QuietHours struct {
	On       bool
	From, To time.Duration // since local midnight
}

// DefaultQuietHours are 21:00 to 09:00.
var DefaultQuietHours = QuietHours{On: true, From: 21 * time.Hour, To: 9 * time.Hour}

// ParseQuietHours reads "21:00-09:00" (a range that may cross midnight) or "off".
func ParseQuietHours(s string) (QuietHours, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "off") {
		return QuietHours{}, nil
	}
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return QuietHours{}, fmt.Errorf("%q is not a range of hours like 21:00-09:00, or off", s)
	}
	f, err1 := clockTime(from)
	t, err2 := clockTime(to)
	if err := errors.Join(err1, err2); err != nil {
		return QuietHours{}, fmt.Errorf("%q: %w", s, err)
	}
	if f == t {
		return QuietHours{}, fmt.Errorf("%q is empty: write off to send at any hour", s)
	}
	return QuietHours{On: true, From: f, To: t}, nil
}

// clockTime reads "21:00" or "9:30".
func clockTime(s string) (time.Duration, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 || len(m) != 2 {
		return 0, fmt.Errorf("%q is not a time of day like 21:00", s)
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, nil
}

// String shows the hours as they are configured.
func (q QuietHours) String() string {
	if !q.On {
		return "off"
	}
	hm := func(d time.Duration) string { return fmt.Sprintf("%02d:%02d", int(d.Hours()), int(d.Minutes())%60) }
	return hm(q.From) + "-" + hm(q.To)
}

// Within reports whether t falls in the quiet hours of t's location.
func (q QuietHours) Within(t time.Time) bool {
	if !q.On {
		return false
	}
	// By the clock, not by the time since midnight: a day when the clocks
	// change is 23 or 25 hours long.
	h, mi, sec := t.Clock()
	since := time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute + time.Duration(sec)*time.Second
	if q.From < q.To {
		return since >= q.From && since < q.To
	}
	return since >= q.From || since < q.To
}

// Next is the first moment at or after t (in t's location) outside the
// quiet hours.
func (q QuietHours) Next(t time.Time) time.Time {
	if !q.Within(t) {
		return t
	}
	y, m, d := t.Date()
	at := func(d int) time.Time {
		return time.Date(y, m, d, int(q.To/time.Hour), int(q.To%time.Hour/time.Minute), 0, 0, t.Location())
	}
	if end := at(d); end.After(t) {
		return end
	}
	return at(d + 1)
}

// Reminding is how reminders are timed: the quiet hours, and the time
// zone of a seller who has none.
type Reminding struct {
	Quiet QuietHours
	Zone  *time.Location
}

// DefaultZone is a seller's time zone when nothing says another.
const DefaultZone = "Asia/Shanghai"

// DefaultReminding is quiet from 21:00 to 09:00 in Beijing time unless
// the seller's zone is known.
func DefaultReminding() Reminding {
	loc, err := LoadZone(DefaultZone)
	if err != nil {
		loc = chinaTime
	}
	return Reminding{Quiet: DefaultQuietHours, Zone: loc}
}

// WithReminding sets how reminders are timed.
func WithReminding(r Reminding) Option { return func(c *Core) { c.reminding = r } }

// Waker is told when the core planned reminders, so the scheduler can
// wake before the round it planned (bot/schedule's Alarm).
type Waker interface{ Wake() }

type noWaker struct{}

func (noWaker) Wake() {}

// WithWaker sets who is told when the core has planned reminders.
func WithWaker(w Waker) Option { return func(c *Core) { c.waker = w } }

var zones sync.Map // name → *time.Location

// LoadZone finds a time zone by its IANA name ("Asia/Shanghai",
// "Europe/London"), keeping what it found. It refuses names that are not
// Area/City (a bare "UTC" or "Local" included).
func LoadZone(name string) (*time.Location, error) {
	if l, ok := zones.Load(name); ok {
		return l.(*time.Location), nil
	}
	if !strings.Contains(name, "/") || strings.ContainsAny(name, " .\\") || len(name) > 64 {
		return nil, fmt.Errorf("%q is not a time zone like Asia/Shanghai", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%q is not a time zone like Asia/Shanghai", name)
	}
	zones.Store(name, loc)
	return loc, nil
}

// Zone is a seller's time zone: theirs (/tz, or the platform's), else the
// default.
func (r Reminding) zone(s Seller) *time.Location {
	if s.TZ != "" {
		if loc, err := LoadZone(s.TZ); err == nil {
			return loc
		}
	}
	if r.Zone == nil {
		return time.UTC
	}
	return r.Zone
}

// Zone is the time zone the core shows a seller's times in and times their
// reminders by.
func (c *Core) Zone(s Seller) *time.Location { return c.reminding.zone(s) }

// Reminding is how the core times reminders.
func (c *Core) Reminding() Reminding { return c.reminding }

// localDay is midnight of a YYYY-MM-DD date in loc.
func localDay(date string, loc *time.Location) (time.Time, bool) {
	d, err := flows.ParseDate(date)
	if err != nil {
		return time.Time{}, false
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc), true
}

// Due is when a reminder of this kind about target is sent to a seller in
// loc: the start of its day (its days before a date, or after the last
// activity), moved past the quiet hours. A certificate's "expired" comes
// no earlier than its date starts in UTC, when the checklist shows it
// expired (see flows.Expired).
func (r Reminding) Due(kind ReminderKind, target string, loc *time.Location) (time.Time, bool) {
	if kind.Topic() == TopicNudges {
		at, err := time.Parse(time.RFC3339Nano, target)
		if err != nil {
			return time.Time{}, false
		}
		return r.Quiet.Next(at.In(loc).AddDate(0, 0, kind.Days())).UTC(), true
	}
	day, ok := localDay(target, loc)
	if !ok {
		return time.Time{}, false
	}
	due := r.Quiet.Next(day.AddDate(0, 0, -kind.Days())).UTC()
	if kind == RemindExpired {
		if utc, _ := flows.ParseDate(target); due.Before(utc) {
			due = utc
		}
	}
	return due, true
}

// daysUntil is how many days from now, in loc, until a YYYY-MM-DD date.
func daysUntil(date string, now time.Time, loc *time.Location) int {
	d, ok := localDay(date, time.UTC)
	if !ok {
		return 0
	}
	y, m, dd := now.In(loc).Date()
	today := time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)
	return int(d.Sub(today).Hours() / 24)
}

// ExpiryReminders plans the reminders of a certificate that expires on
// expiry, for a seller in loc, from now: those whose day is after today
// (a date recorded late gets only the ones left; the reply to it says how
// many days are left). With late set (a date recorded before reminders
// existed, so nobody told the seller), the latest whose day has come
// comes at once too: the expiry itself for a date that has passed.
func (r Reminding) ExpiryReminders(sellerID int64, market, item, expiry string, now time.Time, loc *time.Location, late bool) []Reminder {
	var out []Reminder
	var missed *Reminder
	for _, k := range ExpiryKinds {
		due, ok := r.Due(k, expiry, loc)
		if !ok {
			return nil
		}
		rem := Reminder{SellerID: sellerID, Market: market, Item: item, Kind: k, Target: expiry, Due: due}
		day, _ := localDay(expiry, loc)
		if !day.AddDate(0, 0, -k.Days()).After(startOfDay(now.In(loc))) {
			missed = &rem // its day is today or has passed: the reply to the date says it
			continue
		}
		out = append(out, rem)
	}
	if late && missed != nil {
		missed.Due = r.Quiet.Next(now.In(loc)).UTC()
		out = append([]Reminder{*missed}, out...)
	}
	return out
}

func startOfDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}
