package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/adapters/telegram/tgtest"
)

var today = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

// run runs the program in-process with the given input and environment.
func run(t *testing.T, env map[string]string, input string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	m := &Main{
		Stdin:  strings.NewReader(input),
		Stdout: &out,
		Stderr: &errOut,
		Getenv: func(k string) string { return env[k] },
		Now:    func() time.Time { return today },
	}
	code = m.Run(context.Background(), args)
	return code, out.String(), errOut.String()
}

func TestChatContinuesWhereTheSellerLeftOff(t *testing.T) {
	env := map[string]string{"ONBOARD_DB": filepath.Join(t.TempDir(), "onboard.db"), "USER": "seller1"}
	code, out, errOut := run(t, env, "/onboard tiktok-uk\n1\n0\n", "chat")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "How many TikTok shops") || !strings.Contains(out, "question 3") {
		t.Fatalf("two answers did not lead to the third question:\n%s", out)
	}

	// A new process on the same database: the third question, not the first.
	code, out, errOut = run(t, env, "", "chat")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "Welcome back") || !strings.Contains(out, "question 3") || !strings.Contains(out, "beneficial owners") {
		t.Fatalf("restart did not continue at question 3:\n%s", out)
	}
	if strings.Contains(out, "Who will open the shop?") {
		t.Fatalf("restart asked the first question again:\n%s", out)
	}

	// Another seller on the same database starts fresh.
	env["USER"] = "seller2"
	_, out, _ = run(t, env, "/status\n", "chat")
	if !strings.Contains(out, "not started onboarding any market") {
		t.Errorf("second seller sees someone else's progress:\n%s", out)
	}
}

func TestChatIsTheDefaultCommandAndHandlesBadInput(t *testing.T) {
	env := map[string]string{"ONBOARD_DB": filepath.Join(t.TempDir(), "onboard.db")}
	input := "\n" + strings.Repeat("x", 100<<10) + "\n\xff\xfe\n/onboard tiktok-uk\n3"
	code, out, errOut := run(t, env, input)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"was empty", "too long", "invalid characters", "❌", "Register a company"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestMarketsCommand(t *testing.T) {
	code, out, errOut := run(t, map[string]string{}, "", "markets")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	uk, err := os.ReadFile(filepath.Join("data", "markets", "tiktok-uk.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	version := strings.Trim(strings.TrimPrefix(regexp.MustCompile(`(?m)^version: .*$`).FindString(string(uk)), "version: "), `"`)
	if version == "" {
		t.Fatal("no version line in tiktok-uk.yaml")
	}
	for _, want := range []string{"tiktok-uk", "tiktok-id", "VERSION", version} {
		if !strings.Contains(out, want) {
			t.Errorf("markets output lacks %q:\n%s", want, out)
		}
	}
	// The ten markets: the eight first written and the seed's Indonesian
	// local shops on Shopee and Lazada.
	ids := []string{"amazon-de", "amazon-us", "lazada-id", "lazada-th", "shopee-id", "shopee-my", "shopee-ph", "tiktok-id", "tiktok-uk", "tiktok-us"}
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != len(ids)+1 {
		t.Errorf("markets lists %d lines, want a header and %d markets:\n%s", len(lines), len(ids), out)
	}
	for _, id := range ids {
		if !strings.Contains(out, id+" ") {
			t.Errorf("markets output lacks %s:\n%s", id, out)
		}
	}

	dir := t.TempDir()
	src, err := os.ReadFile("data/markets/tiktok-uk.yaml")
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(src), "categories: [beauty]", "categories: [beuty]", 1)
	if err := os.WriteFile(filepath.Join(dir, "tiktok-uk.yaml"), []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = run(t, map[string]string{"ONBOARD_RULES_DIR": dir}, "", "markets")
	if code == 0 || !strings.Contains(errOut, filepath.Join(dir, "tiktok-uk.yaml")+":") || !strings.Contains(errOut, `unknown category "beuty"`) {
		t.Errorf("broken rules: exit %d, stderr %s", code, errOut)
	}

	code, _, errOut = run(t, map[string]string{"ONBOARD_RULES_DIR": filepath.Join(dir, "missing")}, "", "markets")
	if code == 0 || !strings.Contains(errOut, "ONBOARD_RULES_DIR") {
		t.Errorf("missing rules dir: exit %d, stderr %s", code, errOut)
	}
}

func TestUnknownCommandAndUnbuiltCommands(t *testing.T) {
	if code, _, errOut := run(t, nil, "", "frobnicate"); code != 2 || !strings.Contains(errOut, "usage") {
		t.Errorf("unknown command: exit %d, %s", code, errOut)
	}

	if code, _, errOut := run(t, map[string]string{"ONBOARD_DB": t.TempDir()}, "", "chat"); code == 0 || !strings.Contains(errOut, "onboardbot:") {
		t.Errorf("a folder as the database: exit %d, %s", code, errOut)
	}
}

// TestBinary builds the real program and uses it the way the README says:
// piped input, quit, run again.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := buildBinary(t)
	chat := func(input string) string {
		cmd := exec.Command(bin, "chat")
		cmd.Env = append(os.Environ(), "ONBOARD_DB="+filepath.Join(dir, "onboard.db"), "USER=bin-seller", "LANG=zh_CN.UTF-8")
		cmd.Stdin = strings.NewReader(input)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("chat: %v\n%s", err, out)
		}
		return string(out)
	}
	out := chat("/onboard tiktok-uk\n1\n0\n1\n1\n2\n1\nbeauty\nquit\nthis line is never read\n")
	for _, want := range []string{"你好", "UK Responsible Person", "SCPN", "再见"} {
		if !strings.Contains(out, want) {
			t.Errorf("first run lacks %q:\n%s", want, out)
		}
	}
	out = chat("/status\n")
	if !strings.Contains(out, "欢迎回来") || !strings.Contains(out, "TikTok Shop 英国跨境店 (tiktok-uk): 资质证书清单") {
		t.Errorf("second run does not show where the seller was:\n%s", out)
	}
}

// chatAs runs chat on db as user with input.
func chatAs(t *testing.T, db, user, input string) {
	t.Helper()
	if code, _, errOut := run(t, map[string]string{"ONBOARD_DB": db, "USER": user}, input, "chat"); code != 0 {
		t.Fatalf("chat as %s: %s", user, errOut)
	}
}

// ukSeller is the input that takes a seller of category through TikTok
// Shop UK to the checklist.
func ukSeller(category string) string {
	return "/onboard tiktok-uk\n1\n0\n1\n1\n2\n1\n" + category + "\n"
}

func TestAnnounceFromTheShell(t *testing.T) {
	db := filepath.Join(t.TempDir(), "onboard.db")
	chatAs(t, db, "uk-beauty", ukSeller("beauty"))
	chatAs(t, db, "uk-toys", "/lang zh\n"+ukSeller("toys"))
	chatAs(t, db, "id-only", "/onboard tiktok-id\n")
	env := map[string]string{"ONBOARD_DB": db}
	code, out, errOut := run(t, env, "", "announce", "--market", "tiktok-uk", "--text", "zh: 新规则\nen: New rule")
	if code != 0 || !strings.Contains(out, "announcement 1 queued: 2 recipients") {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	code, out, _ = run(t, env, "", "announce", "--market", "tiktok-uk", "--category", "toys", "--text", "toys only")
	if code != 0 || !strings.Contains(out, "queued: 1 recipients") {
		t.Errorf("category filter: %s", out)
	}
	bad := [][]string{
		{"--market", "mars", "--text", "x"},
		{"--market", "tiktok-uk", "--category", "cars", "--text", "x"},
		{"--market", "tiktok-uk", "--text", "  "},
		{"--market", "tiktok-uk", "--text", strings.Repeat("x", 3001)},
		{"--text", "no market"},
		{"--market", "tiktok-uk", "--stage", "flying", "--text", "x"},
	}
	for _, args := range bad {
		if code, _, errOut := run(t, env, "", append([]string{"announce"}, args...)...); code == 0 || errOut == "" {
			t.Errorf("announce %v: exit %d", args, code)
		}
	}
	// The sellers' outbox rows wait for serve, in each seller's language.
	code, out, _ = run(t, map[string]string{"ONBOARD_DB": db, "USER": "uk-toys"}, "", "chat")
	if code != 0 || !strings.Contains(out, "TikTok Shop 英国跨境店 公告") || !strings.Contains(out, "新规则") || strings.Contains(out, "New rule") {
		t.Errorf("the Chinese seller's announcement:\n%s", out)
	}
}

// TestAnnounceDryRunAndNobody: --dry-run prints the preview and queues
// nothing; an announcement nobody would get is refused, saying why, unless
// --allow-empty; an item must be in every market given.
func TestAnnounceDryRunAndNobody(t *testing.T) {
	db := filepath.Join(t.TempDir(), "onboard.db")
	chatAs(t, db, "uk-beauty", ukSeller("beauty"))
	chatAs(t, db, "uk-toys", "/lang zh\n"+ukSeller("toys"))
	chatAs(t, db, "uk-muted", "/onboard tiktok-uk\n/mute tiktok-uk\n")
	env := map[string]string{"ONBOARD_DB": db}
	tests := []struct {
		name   string
		args   []string
		ok     bool
		stdout []string
		stderr []string
	}{
		{"dry run", []string{"--market", "tiktok-uk", "--text", "zh: 新规 en: New rule", "--dry-run"}, true,
			[]string{"Recipients: 2", "console: 2 (Chinese 1, English 1)", "In Chinese: 1 · in English: 1", "Muted, skipped: 1", "dry run: nothing queued"}, nil},
		{"dry run for nobody", []string{"--market", "tiktok-us", "--text", "x", "--dry-run"}, false,
			[]string{"Recipients: 0", "Nobody would get it: No seller is onboarding tiktok-us", "dry run: nothing queued"}, []string{"--allow-empty"}},
		{"dry run for nobody, allowed", []string{"--market", "tiktok-us", "--text", "x", "--dry-run", "--allow-empty"}, true,
			[]string{"Recipients: 0"}, nil},
		{"nobody", []string{"--market", "tiktok-uk", "--category", "food", "--text", "x"}, false,
			nil, []string{"nobody would get this announcement", "None of the 2 sellers onboarding tiktok-uk sells Food (food). Nothing queued", "--allow-empty"}},
		{"an item some market lacks", []string{"--market", "tiktok-uk,tiktok-id", "--item", "scpn", "--text", "x"}, false,
			nil, []string{`No checklist item "scpn" in tiktok-id (only in tiktok-uk)`}},
		{"nobody, allowed", []string{"--market", "tiktok-us", "--text", "x", "--allow-empty"}, true,
			[]string{"announcement 1 queued: 0 recipients"}, nil},
		{"somebody", []string{"--market", "tiktok-uk", "--text", "x"}, true,
			[]string{"announcement 2 queued: 2 recipients", "1 muted, skipped"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := run(t, env, "", append([]string{"announce"}, tt.args...)...)
			if (code == 0) != tt.ok {
				t.Errorf("exit %d, want success %v; stdout:\n%s\nstderr:\n%s", code, tt.ok, out, errOut)
			}
			for _, w := range tt.stdout {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.stderr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
		})
	}
	// Only the last run queued anything to the sellers.
	_, out, _ := run(t, map[string]string{"ONBOARD_DB": db, "USER": "uk-beauty"}, "", "chat")
	if n := strings.Count(out, "📢"); n != 1 {
		t.Errorf("the seller has %d announcements, want 1:\n%s", n, out)
	}
}

// TestConfigurationCheckedAtStart: admins that would never match anyone and
// databases that are not files are refused by every command that reads
// them, naming the bad entry, before anything is done.
func TestConfigurationCheckedAtStart(t *testing.T) {
	commands := map[string][]string{
		"chat":     {"chat"},
		"announce": {"announce", "--market", "tiktok-uk", "--text", "x"},
		"serve":    {"serve"},
	}
	tests := []struct {
		name, admins, db string
		commands         []string
		want             []string
	}{
		{"a telegram @username", "telegram:@alice", "", []string{"chat", "serve"}, []string{`"telegram:@alice"`, "positive number", "@username is not an id"}},
		{"a space after the colon", "telegram: 1000", "", []string{"chat", "serve"}, []string{`"telegram: 1000"`, "no spaces"}},
		{"semicolons", "telegram:1000;slack:U0123ABC", "", []string{"chat", "serve"}, []string{`"telegram:1000;slack:U0123ABC"`, "commas"}},
		{"a group id", "telegram:-1001234567", "", []string{"chat", "serve"}, []string{`"telegram:-1001234567"`, "groups and channels"}},
		{"a number too large", "telegram:9999999999999999999", "", []string{"chat", "serve"}, []string{`"telegram:9999999999999999999"`}},
		{"a slack name", "slack:U0123ABC,slack:alice", "", []string{"chat", "serve"}, []string{`"slack:alice"`, "U or W"}},
		{"a lower-case slack id", "slack:u0123abc", "", []string{"chat", "serve"}, []string{`"slack:u0123abc"`}},
		{"a capital platform", "Telegram:1000", "", []string{"chat", "serve"}, []string{`"Telegram:1000"`}},
		{"an empty console name", "console:", "", []string{"chat", "serve"}, []string{`"console:"`}},
		{"every bad entry named", "telegram:@a, slack:bob", "", []string{"chat"}, []string{`"telegram:@a"`, `"slack:bob"`}},
		{":memory:", "", ":memory:", []string{"chat", "announce", "serve"}, []string{"in-memory or temporary database"}},
		{"file::memory:", "", "file::memory:?cache=shared", []string{"chat", "announce", "serve"}, []string{"in-memory or temporary database"}},
		{"mode=memory", "", "file:onboard.db?mode=memory", []string{"chat", "announce", "serve"}, []string{"in-memory or temporary database"}},
		{"mode=memory, escaped", "", "file:onboard.db?mode=%6Demory", []string{"serve"}, []string{"in-memory or temporary database"}},
		{"a temporary database", "", "file:", []string{"chat", "serve"}, []string{"in-memory or temporary database"}},
	}
	for _, tt := range tests {
		for _, cmd := range tt.commands {
			t.Run(tt.name+"/"+cmd, func(t *testing.T) {
				env := map[string]string{"ONBOARD_ADMINS": tt.admins, "ONBOARD_DB": tt.db, "USER": "alice",
					"TELEGRAM_BOT_TOKEN": tgtest.Token, "TELEGRAM_API_URL": "http://" + freeAddr(t), "ONBOARD_ADDR": freeAddr(t)}
				if tt.db == "" {
					env["ONBOARD_DB"] = filepath.Join(t.TempDir(), "onboard.db")
				}
				code, out, errOut := run(t, env, "/start\n", commands[cmd]...)
				if code == 0 {
					t.Fatalf("accepted; stdout:\n%s", out)
				}
				if _, err := os.Stat(env["ONBOARD_DB"]); tt.db == "" && err == nil {
					t.Error("the database was created before the configuration was checked")
				}
				for _, want := range tt.want {
					if !strings.Contains(errOut, want) {
						t.Errorf("stderr lacks %s:\n%s", want, errOut)
					}
				}
			})
		}
	}

	// Entries of every kind, spaced after the commas, are taken.
	env := map[string]string{"ONBOARD_DB": filepath.Join(t.TempDir(), "onboard.db"), "USER": "alice",
		"ONBOARD_ADMINS": "telegram:123456789, slack:U01ABCDEF,slack:W0XYZ ,console:alice,"}
	if code, out, errOut := run(t, env, "/announce\n", "chat"); code != 0 || !strings.Contains(out, "tiktok-uk") {
		t.Errorf("good admins: exit %d, %s\n%s", code, errOut, out)
	}
}

// The last guard: whatever quotes a secret set in the environment, the
// program's output does not show it.
func TestOutputNeverShowsASecret(t *testing.T) {
	env := map[string]string{"TELEGRAM_BOT_TOKEN": " " + tgtest.Token + "\n", "SLACK_SIGNING_SECRET": "0123456789abcdef0123", "SLACK_APP_TOKEN": "x"}
	var out bytes.Buffer
	m := &Main{Getenv: func(k string) string { return env[k] }}
	w := m.redacting(&out)
	line := fmt.Sprintf("getMe: Post \"https://api.telegram.org/bot%s/getMe\"; secret %s; x marks the spot\n", tgtest.Token, env["SLACK_SIGNING_SECRET"])
	if n, err := w.Write([]byte(line)); n != len(line) || err != nil {
		t.Fatalf("wrote %d of %d: %v", n, len(line), err)
	}
	if want := "getMe: Post \"https://api.telegram.org/bot[redacted]/getMe\"; secret [redacted]; x marks the spot\n"; out.String() != want {
		t.Errorf("got  %q\nwant %q", out.String(), want)
	}
	if w := (&Main{Getenv: func(string) string { return "" }}).redacting(&out); w != &out {
		t.Error("with no secret set, output is wrapped anyway")
	}
}
