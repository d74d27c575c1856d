package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/onboardbot/onboardbot/data/pgtest"
)

// chat, announce, markets and dashboard-link work on a PostgreSQL URL as on
// a SQLite file; backup says to use PostgreSQL's own tools; a bad URL, or
// a server that is not there, stops each command with a clear error and
// never the password.
func TestCommandsOnPostgres(t *testing.T) {
	cluster := pgtest.Start(t)
	db := cluster.DB(t)
	env := map[string]string{"ONBOARD_DB": db, "USER": "pg-seller", "ONBOARD_ADMINS": "telegram:1000"}
	code, out, errOut := run(t, env, "/onboard tiktok-uk\n1\n0\n", "chat")
	if code != 0 || !strings.Contains(out, "question 3") {
		t.Fatalf("chat on PostgreSQL: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = run(t, env, "", "chat")
	if code != 0 || !strings.Contains(out, "Welcome back") || !strings.Contains(out, "question 3") {
		t.Fatalf("chat again on PostgreSQL did not continue: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = run(t, env, "", "announce", "--market", "tiktok-uk", "--text", "zh: 测试 en: test", "--dry-run")
	if code != 0 || !strings.Contains(out, "1") {
		t.Fatalf("announce --dry-run: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = run(t, env, "", "announce", "--market", "tiktok-uk", "--text", "zh: 测试 en: test")
	if code != 0 || !strings.Contains(out, "queued: 1 recipients") {
		t.Fatalf("announce: exit %d\n%s\n%s", code, out, errOut)
	}
	// An admin's export of every seller's checklist reads outside the
	// admin's transaction (bot.Conversation.Outside) and answers in it.
	t.Chdir(t.TempDir()) // the terminal writes the workbook here
	admin := map[string]string{"ONBOARD_DB": db, "USER": "pg-admin", "ONBOARD_ADMINS": "console:pg-admin"}
	if code, out, errOut = run(t, admin, "/export all tiktok-uk\n", "chat"); code != 0 || !strings.Contains(out, "1 seller (0 with a checklist)") {
		t.Fatalf("/export all on PostgreSQL: exit %d\n%s\n%s", code, out, errOut)
	}
	if files, _ := filepath.Glob("checklists-tiktok-uk-*.xlsx"); len(files) != 1 {
		t.Errorf("/export all on PostgreSQL wrote %v", files)
	}
	if code, out, errOut = run(t, env, "", "markets"); code != 0 || !strings.Contains(out, "tiktok-uk") {
		t.Fatalf("markets: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, out, errOut = run(t, env, "", "dashboard-link", "--admin", "telegram:1000"); code != 0 || !strings.Contains(out, "/admin/") {
		t.Fatalf("dashboard-link: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, _, errOut = run(t, env, "", "backup", "--to", t.TempDir()+"/x.db"); code == 0 || !strings.Contains(errOut, "pg_dump") {
		t.Errorf("backup of a PostgreSQL database: exit %d, %s", code, errOut)
	}

	for _, bad := range []struct{ name, url, says string }{
		{"malformed", "postgres://onboard:s3cret-pw@[::1/db", ""},
		{"nobody listening", "postgres://onboard:s3cret-pw@127.0.0.1:1/db?connect_timeout=2", ""},
	} {
		t.Run(bad.name, func(t *testing.T) {
			for _, cmd := range [][]string{{"chat"}, {"serve"}, {"announce", "--market", "tiktok-uk", "--text", "x"}} {
				e := map[string]string{"ONBOARD_DB": bad.url, "USER": "x", "TELEGRAM_BOT_TOKEN": "123456:AAH-test_token-for-the-tgtest-serve",
					"TELEGRAM_API_URL": "http://127.0.0.1:1", "ONBOARD_ADDR": freeAddr(t)}
				code, _, errOut := run(t, e, "", cmd...)
				if code == 0 || !strings.Contains(errOut, "onboardbot:") {
					t.Errorf("%s: exit %d, %q", cmd[0], code, errOut)
				}
				if strings.Contains(errOut, "s3cret-pw") {
					t.Errorf("%s printed the password: %s", cmd[0], errOut)
				}
			}
		})
	}
}
