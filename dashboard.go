package main

// The admins' web pages: their public address and login links from the shell.

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"strings"

	"github.com/onboardbot/onboardbot/bot/admin"
)

// publicURL reads ONBOARD_PUBLIC_URL, the base of admin login links:
// http://ONBOARD_ADDR unless set.
func (m *Main) publicURL() (string, error) {
	v := strings.TrimSpace(m.Getenv("ONBOARD_PUBLIC_URL"))
	if v == "" {
		return "http://" + m.env("ONBOARD_ADDR", "127.0.0.1:8080"), nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("ONBOARD_PUBLIC_URL %q is not an http(s) URL without a query (like https://bot.example.com)", v)
	}
	return strings.TrimRight(v, "/"), nil
}

// dashboardLink prints a one-time login link to the admin pages for an
// admin named in ONBOARD_ADMINS.
func (m *Main) dashboardLink(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("dashboard-link", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	db := fs.String("db", m.env("ONBOARD_DB", "onboard.db"), dbUsage)
	key := fs.String("admin", "", "the admin, as in ONBOARD_ADMINS: telegram:<user id>, slack:<user id>")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 || *key == "" {
		return fmt.Errorf("dashboard-link: usage: onboardbot dashboard-link --admin PLATFORM:ID")
	}
	admins, err := m.admins()
	if err != nil {
		return err
	}
	base, err := m.publicURL()
	if err != nil {
		return err
	}
	store, err := openStore(ctx, *db, nil)
	if err != nil {
		return err
	}
	defer store.Close()
	link, err := admin.New(store, admins, admin.WithClock(m.Now), admin.WithPublicURL(base)).LoginLink(ctx, *key)
	if err != nil {
		return fmt.Errorf("dashboard-link: %w", err)
	}
	fmt.Fprintf(m.Stdout, "%s\n(valid for 10 minutes, once; `onboardbot serve` must be running on this database)\n", link)
	return nil
}
