package bot_test

import (
	"strings"
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

// /reminders lists what is planned, in the seller's zone, and turns kinds
// off and on ("off" alone: the nudges only); /tz sets the zone and moves
// the planned reminders to its hours; the checklist and /status mark a
// certificate expiring within 30 days.
func TestRemindersAndTimeZoneCommands(t *testing.T) {
	h := newHarness(t)
	for _, in := range []string{"/onboard tiktok-uk", "1", "0", "1", "1", "1", "GB123456789", "2", "1"} {
		h.send("eve", in)
	}
	steps := []struct {
		in             string
		wants, notWant []string
		off            bot.Topic
		zone           string
	}{
		{in: "/reminders", wants: []string{"Nothing is planned", "Asia/Shanghai", "21:00-09:00", "onboarding nudges: on"}},
		{in: "/done uk-rp RP-1 2026-12-07", wants: []string{"expires in 12 days (2026-12-07)", "7, 1 days before it expires, and on the day"}},
		{in: "/checklist", wants: []string{"expires in 12 days"}},
		{in: "/status", wants: []string{"expires in 12 days"}},
		{in: "/reminders", wants: []string{"2026-11-30 09:00", "days before", "2026-12-06 09:00", "2026-12-07 09:00", "the day it expires (2026-12-07)"},
			notWant: []string{"2026-11-07", "TikTok Shop UK (cross-border) ·"}},
		{in: "/reminders off", wants: []string{"Off: onboarding nudges", "Certificate reminders stay on"}, off: bot.TopicNudges},
		{in: "/reminders off expiry", wants: []string{"Off: expiry reminders", "expiry reminders: off"}, notWant: []string{"stay on"}, off: bot.TopicNudges | bot.TopicExpiry},
		{in: "/reminders on all", wants: []string{"On: onboarding nudges, new-rule reminders, expiry reminders"}},
		{in: "/reminders loud", wants: []string{"Usage"}},
		{in: "/reminders off birthdays", wants: []string{"no such kind"}},
		{in: "/tz", wants: []string{"Asia/Shanghai (the default)", "17:00"}},
		{in: "/tz Mars/Olympus", wants: []string{"do not know the time zone"}},
		{in: "/tz europe/london", wants: []string{"Europe/London", "09:00"}, zone: "Europe/London"},
		{in: "/reminders", wants: []string{"2026-11-30 09:00", "2026-12-07 09:00", "Times are in Europe/London"}, zone: "Europe/London"},
		{in: "/lang zh", zone: "Europe/London"},
		{in: "/reminders", wants: []string{"到期前 7 天", "时间按 Europe/London"}, zone: "Europe/London"},
		{in: "/checklist", wants: []string{"即将到期 · 12 天后"}, zone: "Europe/London"},
	}
	for _, s := range steps {
		has(t, s.in, h.send("eve", s.in).Text, s.wants, s.notWant)
		seller, _ := h.state("eve", "tiktok-uk")
		if seller.RemindersOff != s.off || seller.TZ != s.zone {
			t.Errorf("%s: seller off %b, zone %q; want %b, %q", s.in, seller.RemindersOff, seller.TZ, s.off, s.zone)
		}
	}
	// With reminders in two markets, each says which market it is for.
	for _, in := range []string{"/onboard amazon-de", "cn-company", "2028-12-31", "ready", "germany", "yes", "electronics", "/done weee DE 1 2027-06-30"} {
		h.send("eve", in)
	}
	has(t, "two markets", h.send("eve", "/reminders").Text, []string{"TikTok Shop 英国跨境店 · 指定英国责任人", "亚马逊德国站（amazon.de） · 德国 WEEE"}, nil)
	// The platform's zone counts until the seller sets one.
	h.deliver(bot.Inbound{Platform: "test", UserID: "joe", ChatID: "chat-joe", Text: "/tz", TZHint: "America/New_York"})
	if got := h.deliver(bot.Inbound{Platform: "test", UserID: "joe", ChatID: "chat-joe", Text: "/tz", TZHint: "America/Chicago"}); !strings.Contains(got.Text, "America/Chicago (from the platform)") {
		t.Errorf("the platform's zone is not taken:\n%s", got.Text)
	}
	if got := h.deliver(bot.Inbound{Platform: "test", UserID: "eve", ChatID: "chat-eve", Text: "/tz", TZHint: "America/Chicago"}); !strings.Contains(got.Text, "Europe/London") {
		t.Errorf("the platform's zone replaced the one the seller set:\n%s", got.Text)
	}
}

// /expiring lists, for admins only, the certificates expiring within the
// days asked (30 by default), per market, soonest first.
func TestAdminsListExpiringCertificates(t *testing.T) {
	h := newHarness(t, "test:boss")
	for _, u := range []string{"ann", "bob"} {
		for _, in := range []string{"/onboard tiktok-uk", "1", "0", "1", "1", "1", "GB123456789", "2", "1"} {
			h.send(u, in)
		}
	}
	h.send("ann", "/done uk-rp RP-1 2026-12-07")
	h.send("bob", "/done uk-rp 2026-12-01")
	h.send("bob", "/done company-cert 2027-03-01")
	for _, s := range []struct {
		user, in       string
		wants, notWant []string
	}{
		{"ann", "/expiring", []string{"Only admins"}, []string{"RP-1"}},
		{"boss", "/expiring", []string{"within 30 days (2026-11-25 to 2026-12-25): 2", "tiktok-uk】2",
			"2026-12-01  test:bob", "2026-12-07  test:ann", "(no. RP-1)"}, []string{"2027-03-01"}},
		{"boss", "/expiring 120", []string{": 3", "2027-03-01  test:bob"}, nil},
		{"boss", "/expiring 3", []string{"No certificate expires within 3 days"}, nil},
		{"boss", "/expiring forever", []string{"Usage: /expiring [days]"}, nil},
	} {
		got := h.send(s.user, s.in).Text
		has(t, s.in, got, s.wants, s.notWant)
		if s.in == "/expiring" && s.user == "boss" && strings.Index(got, "test:bob") > strings.Index(got, "test:ann") {
			t.Errorf("not soonest first:\n%s", got)
		}
	}
}

// One day, one warning: English counts take the singular.
func TestEnglishCountsOfOne(t *testing.T) {
	h := newHarness(t)
	for _, in := range []string{"/onboard tiktok-uk", "1", "0", "1", "1", "1", "GB123456789", "2", "1"} {
		h.send("eve", in)
	}
	has(t, "a day", h.send("eve", "/done uk-rp RP-1 "+today.AddDate(0, 0, 1).Format("2006-01-02")).Text, []string{"expires in 1 day ("}, []string{"1 days"})
	has(t, "checklist", h.send("eve", "/checklist").Text, []string{"expires tomorrow"}, []string{"1 days", "（no."})
}
