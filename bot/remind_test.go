package bot_test

import (
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/bot"
)

// Quiet hours that cross midnight and hours that do not; a reminder's
// time is the start of its day in the seller's zone, moved past them,
// across a change of daylight saving time too.
func TestQuietHoursAndDueTimes(t *testing.T) {
	london, err := bot.LoadZone("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	night, _ := bot.ParseQuietHours("21:00-09:00")
	lunch, _ := bot.ParseQuietHours("12:00-13:30")
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, london)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	for _, c := range []struct {
		q        bot.QuietHours
		at, next string
	}{
		{night, "2027-03-27 20:59", "2027-03-27 20:59"},
		{night, "2027-03-27 21:00", "2027-03-28 09:00"}, // the night the clocks go forward
		{night, "2027-03-28 08:59", "2027-03-28 09:00"},
		{night, "2027-03-28 09:00", "2027-03-28 09:00"},
		{lunch, "2027-03-28 12:00", "2027-03-28 13:30"},
		{lunch, "2027-03-28 13:30", "2027-03-28 13:30"},
		{lunch, "2027-03-28 11:00", "2027-03-28 11:00"},
		{bot.QuietHours{}, "2027-03-28 03:00", "2027-03-28 03:00"},
	} {
		if got := c.q.Next(at(c.at)); !got.Equal(at(c.next)) {
			t.Errorf("%s: next after %s = %s, want %s", c.q, c.at, got, c.next)
		}
	}
	r := bot.Reminding{Quiet: night}
	for _, c := range []struct {
		kind   bot.ReminderKind
		target string
		want   string
	}{
		{bot.RemindExpiry30, "2027-04-27", "2027-03-28 09:00"}, // BST already
		{bot.RemindExpiry1, "2027-03-28", "2027-03-27 09:00"},
		{bot.RemindExpired, "2027-03-28", "2027-03-28 09:00"},
		{bot.RemindRule7, "2027-04-04", "2027-03-28 09:00"},
		{bot.RemindStall3, "2027-03-25T22:30:00Z", "2027-03-29 09:00"}, // 22:30 GMT, then 23:30 BST: quiet
	} {
		got, ok := r.Due(c.kind, c.target, london)
		if !ok || !got.Equal(at(c.want)) {
			t.Errorf("%s of %s: due %s, want %s", c.kind, c.target, got.In(london), c.want)
		}
	}
	// Far east of UTC, the expiry comes once its date has begun in UTC,
	// when the checklist shows it expired.
	akl, _ := bot.LoadZone("Pacific/Auckland")
	if got, _ := r.Due(bot.RemindExpired, "2027-01-15", akl); !got.Equal(time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("expired in Auckland: due %s", got)
	}
}
