package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/onboardbot/onboardbot/bot"
)

// ONBOARD_QUIET_HOURS is a range of local hours or off, ONBOARD_DEFAULT_TZ
// an Area/City zone; serve and chat refuse anything else at start, naming
// the variable.
func TestReminderSettings(t *testing.T) {
	for _, c := range []struct {
		quiet, zone string
		want        string // the quiet hours read; "" when refused
	}{
		{"", "", "21:00-09:00"},
		{"22:30-07:00", "Europe/London", "22:30-07:00"},
		{"off", "America/New_York", "off"},
		{"OFF", "", "off"},
		{"13:00-14:00", "", "13:00-14:00"},
		{"21-9", "", ""}, {"21:00", "", ""}, {"25:00-09:00", "", ""}, {"09:00-09:00", "", ""}, {"9:5-10:00", "", ""},
		{"", "Mars/Olympus", ""}, {"", "UTC+8", ""}, {"", "Local", ""}, {"", "../../etc/passwd", ""},
	} {
		m := &Main{Getenv: func(k string) string {
			return map[string]string{"ONBOARD_QUIET_HOURS": c.quiet, "ONBOARD_DEFAULT_TZ": c.zone}[k]
		}}
		r, err := m.reminding()
		if (err == nil) != (c.want != "") || (err == nil && r.Quiet.String() != c.want) {
			t.Errorf("%q, %q: quiet %s, %v; want %q", c.quiet, c.zone, r.Quiet, err, c.want)
		}
		if err == nil && c.zone != "" && r.Zone.String() != c.zone {
			t.Errorf("%q: zone %s", c.zone, r.Zone)
		}
		if err == nil && c.zone == "" && r.Zone.String() != bot.DefaultZone {
			t.Errorf("default zone %s", r.Zone)
		}
	}
	for _, cmd := range []string{"serve", "chat"} {
		code, _, errOut := run(t, map[string]string{"TELEGRAM_BOT_TOKEN": "1:a", "ONBOARD_QUIET_HOURS": "late",
			"ONBOARD_DB": filepath.Join(t.TempDir(), "x.db")}, "", cmd)
		if code == 0 || !strings.Contains(errOut, "ONBOARD_QUIET_HOURS") {
			t.Errorf("%s with ONBOARD_QUIET_HOURS=late: exit %d, %s", cmd, code, errOut)
		}
	}
}
