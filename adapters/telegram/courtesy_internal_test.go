package telegram

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// A lane that hangs holds up neither another lane nor the caller; what
// piles up behind it beyond maxPending is dropped and logged, and a failed
// courtesy is logged.
func TestCourtesyLanes(t *testing.T) {
	logged := make(lines, 100)
	c := newCourtesies(slog.New(slog.NewTextHandler(logged, nil)))
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	finished := make(chan struct{}, 2*maxPending)
	hang := func(ctx context.Context) error {
		select {
		case started <- struct{}{}:
		default:
		}
		<-release
		finished <- struct{}{}
		return nil
	}
	c.add("group", courtesy{what: "notice", call: hang})
	<-started // running: the rest wait behind it
	for range maxPending + 5 {
		c.add("group", courtesy{what: "notice", call: hang})
	}
	acked := make(chan struct{})
	c.add("click:1", courtesy{what: "answerCallbackQuery", call: func(ctx context.Context) error {
		close(acked)
		return errors.New("query is too old")
	}})
	select {
	case <-acked:
	case <-time.After(10 * time.Second):
		t.Fatal("a hanging lane held up another lane")
	}

	close(release)
	for i := range 1 + maxPending { // the one running and the lane's bound
		select {
		case <-finished:
		case <-time.After(10 * time.Second):
			t.Fatalf("%d courtesies ran, want %d", i, 1+maxPending)
		}
	}
	if got := c.dropped.Load(); got != 5 {
		t.Errorf("%d dropped, want 5", got)
	}
	// The drop is logged at once, the failure just after its call returns.
	for _, want := range []string{"dropped_in_all=1", "query is too old"} {
		logged.await(t, want)
	}
}

// lines is a log that the lanes' goroutines write to, a line at a time.
type lines chan string

func (l lines) Write(p []byte) (int, error) {
	l <- string(p)
	return len(p), nil
}

// await reads the log until a line holds want.
func (l lines) await(t *testing.T, want string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case line := <-l:
			if strings.Contains(line, want) {
				return
			}
		case <-timeout:
			t.Fatalf("no log line holds %q", want)
		}
	}
}
