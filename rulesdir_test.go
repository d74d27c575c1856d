//go:build unix

package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/adapters/telegram/tgtest"
	"github.com/onboardbot/onboardbot/data/datatest"
	"github.com/onboardbot/onboardbot/data/markets"
)

// promptly is how long refusing a rule folder, or stopping, may take. Each
// takes milliseconds; without the fix for a named pipe, neither ever ends.
const promptly = 10 * time.Second

// rulesFolder makes a rules folder that holds tiktok-uk.yaml as shipped.
func rulesFolder(t *testing.T) (dir string, src []byte) {
	t.Helper()
	src, err := os.ReadFile("data/markets/tiktok-uk.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "tiktok-uk.yaml"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, src
}

// within runs f and fails the test if it has not returned after d.
func within(t *testing.T, d time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s: still running after %v", what, d)
	}
}

// TestRulesDirNamedPipeAtStart puts a named pipe called *.yaml in
// ONBOARD_RULES_DIR: every command that loads the rules refuses to start,
// at once, with a message that names the pipe.
func TestRulesDirNamedPipeAtStart(t *testing.T) {
	srv := tgtest.New()
	defer srv.Close()
	dir, _ := rulesFolder(t)
	pipe := filepath.Join(dir, "pipe.yaml")
	datatest.Mkfifo(t, pipe)
	for _, args := range [][]string{
		{"markets"},
		{"chat"},
		{"announce", "--market", "tiktok-uk", "--text", "x"},
		{"serve"},
	} {
		t.Run(args[0], func(t *testing.T) {
			env := map[string]string{
				"ONBOARD_RULES_DIR": dir, "ONBOARD_DB": filepath.Join(t.TempDir(), "onboard.db"), "ONBOARD_ADDR": freeAddr(t),
				"TELEGRAM_BOT_TOKEN": tgtest.Token, "TELEGRAM_API_URL": srv.URL,
			}
			var code int
			var errOut string
			within(t, promptly, "onboardbot "+args[0], func() { code, _, errOut = run(t, env, "", args...) })
			if code == 0 || !strings.Contains(errOut, pipe+": is a named pipe (FIFO); a rule file must be a regular file") {
				t.Errorf("exit %d, stderr:\n%s", code, errOut)
			}
		})
	}
}

// TestServeKeepsTheRulesWhenANamedPipeAppears puts a named pipe in the rules
// folder of a running serve and reloads: the old rules stay in force, the
// admin hears which file is wrong, and serve still stops at once.
func TestServeKeepsTheRulesWhenANamedPipeAppears(t *testing.T) {
	srv := tgtest.New()
	defer srv.Close()
	dir, _ := rulesFolder(t)
	env := map[string]string{
		"ONBOARD_DB": filepath.Join(t.TempDir(), "onboard.db"), "ONBOARD_ADDR": freeAddr(t), "TELEGRAM_BOT_TOKEN": tgtest.Token,
		"TELEGRAM_API_URL": srv.URL, "ONBOARD_RULES_DIR": dir, "ONBOARD_ADMINS": "telegram:900",
	}
	hup := make(chan os.Signal, 1)
	stop := startServe(t, env, hup)
	stopped := false
	defer func() {
		if !stopped {
			stop()
		}
	}()
	srv.AddUpdate(tgtest.Text(900, "en", "/start"))
	if !srv.Wait(promptly, func() bool { return srv.CountTo(900) == 1 }) {
		t.Fatal("no reply to the admin's /start")
	}

	pipe := filepath.Join(dir, "pipe.yaml")
	datatest.Mkfifo(t, pipe)
	hup <- syscall.SIGHUP
	if !srv.Wait(promptly, func() bool { return srv.CountTo(900) == 2 }) {
		t.Fatal("the admin was not told about the named pipe")
	}
	if msg := srv.SentTo(900)[1].Text; !strings.Contains(msg, pipe+": is a named pipe") || !strings.Contains(msg, "old rules stay in force") {
		t.Errorf("admin got %q", msg)
	}
	srv.AddUpdate(tgtest.Text(901, "en", "/onboard tiktok-uk"))
	if !srv.Wait(promptly, func() bool { return srv.CountTo(901) == 1 }) || !strings.Contains(srv.SentTo(901)[0].Text, "Who will open the shop?") {
		t.Fatalf("a seller is not served by the old rules: %v", srv.SentTo(901))
	}

	var code int
	var logs string
	within(t, promptly, "stopping serve", func() { code, logs = stop() })
	stopped = true
	if code != 0 || !strings.Contains(logs, "rule reload failed; the old rules stay in force") {
		t.Errorf("exit %d, log:\n%s", code, logs)
	}
}

// TestServeStopsDuringAReload stops serve while it reloads rule files that
// take seconds to check: serve stops at once and leaves the reload behind,
// rather than waiting for it.
func TestServeStopsDuringAReload(t *testing.T) {
	if testing.Short() {
		t.Skip("checks megabytes of rules")
	}
	srv := tgtest.New()
	defer srv.Close()
	dir, src := rulesFolder(t)
	env := map[string]string{
		"ONBOARD_DB": filepath.Join(t.TempDir(), "onboard.db"), "ONBOARD_ADDR": freeAddr(t), "TELEGRAM_BOT_TOKEN": tgtest.Token,
		"TELEGRAM_API_URL": srv.URL, "ONBOARD_RULES_DIR": dir,
	}
	hup := make(chan os.Signal) // unbuffered: a send returns once the reload has begun
	stop := startServe(t, env, hup)
	for i := range 10 {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("slow-%d.yaml", i)), slowRuleFile(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	hup <- syscall.SIGHUP
	began := time.Now()
	var code int
	var logs string
	within(t, promptly, "stopping serve", func() { code, logs = stop() })
	stopped := time.Since(began)

	began = time.Now()
	if _, err := markets.LoadRules(markets.Dir(dir), dir); err == nil {
		t.Fatal("the slow rule files loaded")
	}
	reload := time.Since(began)
	t.Logf("serve stopped in %v; the reload takes %v", stopped, reload)
	if stopped > reload/4 {
		t.Errorf("serve took %v to stop, against %v for the whole reload: it waited on the reload", stopped, reload)
	}
	if code != 0 || !strings.Contains(logs, "rule reload abandoned") {
		t.Errorf("exit %d, log:\n%s", code, logs)
	}
}

// slowRuleFile is a rule file just under markets.MaxFileSize: the items of
// src again and again, so it takes about half a second to check.
func slowRuleFile(src []byte) []byte {
	_, items, _ := bytes.Cut(src, []byte("\nitems:\n"))
	out := bytes.Clone(src)
	for len(out)+len(items) <= markets.MaxFileSize {
		out = append(out, items...)
	}
	return out
}

// TestRulesDirNamedPipeInTheBinary runs the real program with a named pipe
// in its rules folder, as an operator would meet it: at start it exits
// non-zero naming the pipe; when the pipe appears under a running serve,
// SIGHUP leaves the old rules in force and tells the admin, and SIGTERM
// still stops serve at once.
func TestRulesDirNamedPipeInTheBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	srv := tgtest.New()
	defer srv.Close()
	dir, _ := rulesFolder(t)
	pipe := filepath.Join(dir, "pipe.yaml")
	addr := freeAddr(t)
	env := botlessEnv()
	env = append(env, "ONBOARD_DB="+filepath.Join(t.TempDir(), "onboard.db"), "ONBOARD_ADDR="+addr, "ONBOARD_RULES_DIR="+dir,
		"ONBOARD_ADMINS=telegram:900", "TELEGRAM_BOT_TOKEN="+tgtest.Token, "TELEGRAM_API_URL="+srv.URL)
	var out syncBuffer
	// serve starts the program; wait waits for it to exit, for promptly at most.
	serve := func() (signal func(os.Signal), wait func(what string) error) {
		cmd := exec.Command(bin, "serve")
		cmd.Env, cmd.Stdout, cmd.Stderr = env, &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		var err error
		go func() {
			err = cmd.Wait()
			close(exited)
		}()
		t.Cleanup(func() {
			_ = cmd.Process.Kill() // whatever happened, no child outlives the test
			<-exited
		})
		signal = func(sig os.Signal) {
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatalf("%v: %v", sig, err)
			}
		}
		wait = func(what string) error {
			t.Helper()
			select {
			case <-exited:
				return err
			case <-time.After(promptly):
				t.Fatalf("%s: serve still runs after %v; its output:\n%s", what, promptly, out.String())
				return nil
			}
		}
		return signal, wait
	}

	// At start: refused.
	datatest.Mkfifo(t, pipe)
	var exit *exec.ExitError
	_, wait := serve()
	if err := wait("a named pipe at start"); !errors.As(err, &exit) || !strings.Contains(out.String(), pipe+": is a named pipe") {
		t.Fatalf("a named pipe at start: %v, output:\n%s", err, out.String())
	}

	// Under a running serve: SIGHUP refuses it, SIGTERM stops serve.
	if err := os.Remove(pipe); err != nil {
		t.Fatal(err)
	}
	signal, wait := serve()
	srv.AddUpdate(tgtest.Text(900, "en", "/start"))
	if !srv.Wait(promptly, func() bool { return srv.CountTo(900) == 1 }) {
		t.Fatalf("no reply to the admin's /start; output:\n%s", out.String())
	}
	datatest.Mkfifo(t, pipe)
	signal(syscall.SIGHUP)
	if !srv.Wait(promptly, func() bool { return srv.CountTo(900) == 2 }) {
		t.Fatalf("the admin was not told about the named pipe; output:\n%s", out.String())
	}
	if msg := srv.SentTo(900)[1].Text; !strings.Contains(msg, pipe+": is a named pipe") || !strings.Contains(msg, "old rules stay in force") {
		t.Errorf("admin got %q", msg)
	}
	signal(syscall.SIGTERM)
	if err := wait("SIGTERM after the reload"); err != nil {
		t.Errorf("serve exited with %v; output:\n%s", err, out.String())
	}
}
