package console_test

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/onboardbot/onboardbot/adapters/console"
	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/datatest"
	"github.com/onboardbot/onboardbot/data/sqlite"
)

func setup(t *testing.T) (*sqlite.Store, *bot.Core) {
	t.Helper()
	store := datatest.Store(t)
	catalog := datatest.Rules(t)
	return store, bot.New(store, catalog)
}

func TestChoicesAreNumberedAndPickedByNumberOrName(t *testing.T) {
	store, core := setup(t)
	var out bytes.Buffer
	in := "/onboard tiktok-uk\nA company registered in mainland China or Hong Kong\n"
	if err := console.New(core, store, "u1", strings.NewReader(in), &out).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"  1) A company registered in mainland China or Hong Kong", "  3) An individual (no company)", "How many TikTok shops"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestHugeLineWithoutNewlineIsRefusedNotFatal(t *testing.T) {
	store, core := setup(t)
	var out bytes.Buffer
	in := "/onboard tiktok-uk\n" + strings.Repeat("y", 1<<20) + "\n1" // no newline at the end
	if err := console.New(core, store, "u1", strings.NewReader(in), &out).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "too long") || !strings.Contains(out.String(), "How many TikTok shops") {
		t.Errorf("output:\n%s", out.String())
	}
}

func TestPromptOnlyForATerminal(t *testing.T) {
	store, core := setup(t)
	var out bytes.Buffer
	if err := console.New(core, store, "u1", strings.NewReader("help\n"), &out, console.WithPrompt(true)).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if strings.Count(out.String(), "\n> ") != 2 {
		t.Errorf("want a prompt before each of the 2 reads:\n%s", out.String())
	}
}

// TestUnshownRepliesAreShownOnNextStart simulates a crash between committing
// a reply and showing it: the next run shows it first, once.
func TestUnshownRepliesAreShownOnNextStart(t *testing.T) {
	store, core := setup(t)
	if _, err := core.Handle(context.Background(), bot.Inbound{Platform: console.Platform, UserID: "u1", ChatID: "u1", Text: "/onboard tiktok-uk"}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := console.New(core, store, "u1", strings.NewReader(""), &out).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "Starting onboarding for TikTok Shop UK"); n != 1 {
		t.Errorf("the unshown reply appears %d times:\n%s", n, out.String())
	}
	out.Reset()
	if err := console.New(core, store, "u1", strings.NewReader(""), &out).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "Starting onboarding") {
		t.Errorf("a shown reply was shown again:\n%s", out.String())
	}
	if pending, _ := store.Pending(context.Background(), console.Platform, "u1"); len(pending) != 0 {
		t.Errorf("%d replies still pending", len(pending))
	}
}

func TestQuitAndCancel(t *testing.T) {
	store, core := setup(t)
	var out bytes.Buffer
	if err := console.New(core, store, "u1", strings.NewReader("quit\n/onboard tiktok-uk\n"), &out).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "Starting onboarding") || !strings.Contains(out.String(), "saved") {
		t.Errorf("quit did not stop reading:\n%s", out.String())
	}

	// A reader that never ends: cancelling the context stops Run.
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	defer pw.Close()
	done := make(chan error, 1)
	go func() { done <- console.New(core, store, "u2", pr, &bytes.Buffer{}).Run(ctx) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

// In the terminal a seller presses a button by typing its letter.
func TestLettersPressButtons(t *testing.T) {
	store, core := setup(t)
	var out bytes.Buffer
	in := "/onboard tiktok-uk\n1\na\n"
	if err := console.New(core, store, "u9", strings.NewReader(in), &out).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if !strings.Contains(got, "a) ⬅️") {
		t.Fatalf("the way back is not lettered:\n%s", got)
	}
	// "a" went back: the first question is asked again after the second.
	if strings.Count(got, "Who will open the shop?") != 2 {
		t.Errorf("typing a did not press Back:\n%s", got)
	}
}

// TestExportIsWrittenToTheCurrentFolder exports twice from the terminal:
// each workbook is written to the current folder (the second beside the
// first, not over it) and its path printed, and it opens with its cells in
// Chinese.
func TestExportIsWrittenToTheCurrentFolder(t *testing.T) {
	store, core := setup(t)
	dir := t.TempDir()
	t.Chdir(dir)
	var out bytes.Buffer
	in := "/lang zh\n/onboard tiktok-uk\n1\n0\n1\n1\n1\nGB123456789\n2\n1\n/export\n/export tiktok-uk\n"
	if err := console.New(core, store, "u1", strings.NewReader(in), &out).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, line := range strings.Split(out.String(), "\n") {
		if p, ok := strings.CutPrefix(line, "📎 "); ok {
			paths = append(paths, p)
		}
	}
	if len(paths) != 2 || paths[0] == paths[1] {
		t.Fatalf("want two files saved, got %q:\n%s", paths, out.String())
	}
	for _, p := range paths {
		if filepath.Dir(p) != dir || !strings.HasPrefix(filepath.Base(p), "checklist-tiktok-uk-") || filepath.Ext(p) != ".xlsx" {
			t.Errorf("saved as %s, want checklist-tiktok-uk-*.xlsx in %s", p, dir)
		}
		f, err := excelize.OpenFile(p)
		if err != nil {
			t.Fatalf("%s does not open: %v", p, err)
		}
		rows, err := f.GetRows("tiktok-uk")
		f.Close()
		if err != nil || len(rows) < 2 || rows[0][0] != "编号" || !strings.ContainsAny(rows[1][1], "开店资料仓储物流税务与登记产品资质认证") {
			t.Errorf("%s: rows %q (%v)", p, rows, err)
		}
	}
}
