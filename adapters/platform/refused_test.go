package platform_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/adapters/platform"
)

// A flood of refused requests writes one line per interval, and every
// refusal is counted.
func TestRefusalsAreThrottledAndCounted(t *testing.T) {
	var logs bytes.Buffer
	counted := 0
	r := platform.NewRefusals(slog.New(slog.NewTextHandler(&logs, nil)), time.Hour, func(string) { counted++ })
	for range 1000 {
		r.Refused("bad_secret", "webhook refused", "remote", "192.0.2.1:1")
	}
	if lines := strings.Count(logs.String(), "\n"); lines != 1 {
		t.Errorf("%d log lines for 1000 refusals:\n%s", lines, logs.String())
	}
	if counted != 1000 {
		t.Errorf("counted %d of 1000", counted)
	}
}
