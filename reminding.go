package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/onboardbot/onboardbot/bot"
)

// reminding reads how reminders are timed: ONBOARD_QUIET_HOURS
// ("21:00-09:00", or off) and ONBOARD_DEFAULT_TZ (an IANA zone, the zone
// of a seller whose platform gives none and who set none with /tz).
func (m *Main) reminding() (bot.Reminding, error) {
	r := bot.Reminding{Quiet: bot.DefaultQuietHours}
	var errs []error
	if v := strings.TrimSpace(m.Getenv("ONBOARD_QUIET_HOURS")); v != "" {
		q, err := bot.ParseQuietHours(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("ONBOARD_QUIET_HOURS: %w", err))
		}
		r.Quiet = q
	}
	zone := strings.TrimSpace(m.env("ONBOARD_DEFAULT_TZ", bot.DefaultZone))
	loc, err := bot.LoadZone(zone)
	if err != nil {
		errs = append(errs, fmt.Errorf("ONBOARD_DEFAULT_TZ: %w", err))
	}
	r.Zone = loc
	return r, errors.Join(errs...)
}
