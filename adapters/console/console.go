// Package console lets a seller talk to the bot in a terminal: lines in from
// an io.Reader, replies out to an io.Writer, choices shown numbered. It works
// the same with piped input, so it doubles as a scripting and test harness.
package console

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"time"

	"github.com/onboardbot/onboardbot/bot"
)

// Platform is the platform name console sellers are stored under.
const Platform = "console"

// Handler is the part of the core the console needs.
type Handler interface {
	Handle(ctx context.Context, in bot.Inbound) ([]bot.Reply, error)
}

// Outbox is the part of the store the console needs: replies queued but not
// shown before the last exit are shown on the next start.
type Outbox interface {
	Pending(ctx context.Context, platform, chatID string) ([]bot.Reply, error)
	MarkSent(ctx context.Context, ids []int64, at time.Time) error
}

// Adapter is one terminal conversation.
type Adapter struct {
	last    *bot.Reply // the last message with buttons, for a typed letter
	handler Handler
	outbox  Outbox
	user    string
	name    string // how the seller's colleagues see them
	in      io.Reader
	out     io.Writer
	prompt  bool
	lang    string
	now     func() time.Time
	dir     string // where files are written
}

// Option configures an Adapter.
type Option func(*Adapter)

// WithPrompt prints a "> " prompt before each line, for an interactive terminal.
func WithPrompt(on bool) Option { return func(a *Adapter) { a.prompt = on } }

// WithLangHint sets the language hint for a new seller (for example $LANG).
func WithLangHint(lang string) Option { return func(a *Adapter) { a.lang = lang } }

// WithClock sets the clock used to record deliveries.
func WithClock(now func() time.Time) Option { return func(a *Adapter) { a.now = now } }

// WithDir sets the folder files (an export) are written to; the default
// is the current folder.
func WithDir(dir string) Option { return func(a *Adapter) { a.dir = dir } }

// WithName sets the name the seller's colleagues see them by (in /team,
// and in the lines they get of what the seller did); the default is the
// OS user's (OSUserName).
func WithName(name string) Option { return func(a *Adapter) { a.name = name } }

// OSUserName is the name of the user running the program: their full name,
// else their login name, else "terminal".
func OSUserName() string {
	u, err := user.Current()
	if err != nil {
		return UserName(nil)
	}
	return UserName(u)
}

// UserName is an OS user's name as colleagues would know it: the full name
// (the part of the password file's comment before its first comma, where
// the rest is an office and phone numbers), else the login name, else
// "terminal".
func UserName(u *user.User) string {
	if u == nil {
		return "terminal"
	}
	full, _, _ := strings.Cut(u.Name, ",")
	for _, n := range []string{full, u.Username} {
		if n = strings.TrimSpace(n); n != "" {
			return n
		}
	}
	return "terminal"
}

// New returns an adapter for the seller user, reading in and writing out.
func New(h Handler, o Outbox, user string, in io.Reader, out io.Writer, opts ...Option) *Adapter {
	a := &Adapter{handler: h, outbox: o, user: user, in: in, out: out, now: time.Now, dir: "."}
	a.name = OSUserName()
	for _, opt := range opts {
		opt(a)
	}
	return a
}

// Run shows what was left unshown, greets the seller (or shows where they
// left off), then handles lines until the input ends, /quit, or ctx is done.
func (a *Adapter) Run(ctx context.Context) error {
	err := a.run(ctx)
	if ctx.Err() != nil {
		return nil // interrupted: what was handled is committed, the rest was never read
	}
	return err
}

func (a *Adapter) run(ctx context.Context) error {
	if err := a.flush(ctx); err != nil {
		return err
	}
	if err := a.handle(ctx, "/start"); err != nil {
		return err
	}
	lines := make(chan string)
	readErr := make(chan error, 1)
	go func() {
		readErr <- readLines(a.in, lines, ctx.Done())
	}()
	for {
		if a.prompt {
			fmt.Fprint(a.out, "> ")
		}
		select {
		case <-ctx.Done():
			return nil
		case line, ok := <-lines:
			if !ok {
				if err := <-readErr; err != nil {
					return fmt.Errorf("read input: %w", err)
				}
				if a.prompt {
					fmt.Fprintln(a.out)
				}
				return nil
			}
			if cmd := strings.ToLower(strings.TrimSpace(line)); cmd == "/quit" || cmd == "quit" || cmd == "/exit" || cmd == "exit" || cmd == "退出" {
				if strings.HasPrefix(a.lang, "zh") {
					fmt.Fprintln(a.out, "再见！进度已保存，下次运行 chat 会接着来。")
				} else {
					fmt.Fprintln(a.out, "Bye! Your progress is saved; run the chat again to continue.")
				}
				return nil
			}
			if err := a.handle(ctx, line); err != nil {
				return err
			}
		}
	}
}

// maxLine is how much of one input line is kept: enough for the core to see
// that it is over its limit and say so.
const maxLine = bot.MaxTextBytes + 1

// readLines sends each line of r on lines, cut to maxLine bytes, and closes
// lines at the end of input.
func readLines(r io.Reader, lines chan<- string, done <-chan struct{}) error {
	defer close(lines)
	br := bufio.NewReader(r)
	for {
		var line []byte
		for {
			chunk, err := br.ReadSlice('\n')
			if len(line) < maxLine {
				line = append(line, chunk[:min(len(chunk), maxLine-len(line))]...)
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if err != nil && !errors.Is(err, io.EOF) {
				return err
			}
			if errors.Is(err, io.EOF) && len(line) == 0 {
				return nil
			}
			break
		}
		text := strings.TrimRight(string(line), "\r\n")
		select {
		case lines <- text:
		case <-done:
			return nil
		}
	}
}

func (a *Adapter) handle(ctx context.Context, text string) error {
	in := bot.Inbound{Platform: Platform, UserID: a.user, ChatID: a.user, Text: text, LangHint: a.lang, Name: a.name}
	// A letter presses the button it stands for in the last message.
	if k, ok := letterIndex(text); ok && a.last != nil {
		for i, c := range a.last.Choices {
			if !lettered(c) {
				continue
			}
			if k == 0 {
				in.Text, in.Button = "", &bot.Button{Data: bot.ButtonID(a.last.ID, i), InChat: func(c string) bool { return c == a.user }}
				break
			}
			k--
		}
	}
	replies, err := a.handler.Handle(ctx, in)
	if err != nil {
		return err
	}
	return a.show(ctx, replies)
}

// lettered reports whether a choice is shown with a letter (a button that
// runs a step: back, the checklist, done) rather than a number (an answer,
// which a typed number gives anyway).
func lettered(c bot.Choice) bool {
	return c.Ref.Kind == bot.RefCommand || c.Ref.Kind == bot.RefSubmit
}

// letterIndex reads "a" as 0, "b" as 1...
func letterIndex(s string) (int, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) != 1 || s[0] < 'a' || s[0] > 'z' {
		return 0, false
	}
	return int(s[0] - 'a'), true
}

// flush shows replies that were committed but never shown, for example
// because the last run was killed between the two.
func (a *Adapter) flush(ctx context.Context) error {
	pending, err := a.outbox.Pending(ctx, Platform, a.user)
	if err != nil {
		return err
	}
	return a.show(ctx, pending)
}

func (a *Adapter) show(ctx context.Context, replies []bot.Reply) error {
	ids := make([]int64, 0, len(replies))
	for _, r := range replies {
		fmt.Fprintln(a.out, Render(r))
		if r.File != nil {
			if err := a.save(r.File); err != nil {
				return err
			}
		}
		ids = append(ids, r.ID)
		if len(r.Choices) > 0 {
			a.last = &r
		}
	}
	return a.outbox.MarkSent(ctx, ids, a.now())
}

// Render formats a reply for a terminal: the text, then the answers
// numbered (type the number) and the other buttons lettered (type the
// letter).
func Render(r bot.Reply) string {
	var b strings.Builder
	b.WriteString(r.Text)
	n, letter := 0, 'a'
	for _, c := range r.Choices {
		if lettered(c) && letter <= 'z' {
			fmt.Fprintf(&b, "\n  %c) %s", letter, c.Label)
			letter++
			continue
		}
		n++
		fmt.Fprintf(&b, "\n  %d) %s", n, c.Label)
	}
	b.WriteString("\n")
	return b.String()
}

// save writes a file a reply carries to the adapter's folder, under its
// name (with -2, -3... when that is taken: an earlier export is never
// overwritten), and prints where it is. A file only the platform holds
// (none does here) is named with its link.
func (a *Adapter) save(f *bot.File) error {
	if len(f.Data) == 0 {
		fmt.Fprintf(a.out, "📎 %s %s\n", f.Name, f.Link)
		return nil
	}
	name := filepath.Base(f.Name)
	ext := filepath.Ext(name)
	for i := 2; ; i++ {
		path := filepath.Join(a.dir, name)
		file, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) && i < 1000 {
			name = fmt.Sprintf("%s-%d%s", strings.TrimSuffix(filepath.Base(f.Name), ext), i, ext)
			continue
		}
		if err != nil {
			return fmt.Errorf("save %s: %w", f.Name, err)
		}
		_, err = file.Write(f.Data)
		if cerr := file.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("save %s: %w", path, err)
		}
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
		fmt.Fprintf(a.out, "📎 %s\n", path)
		return nil
	}
}
