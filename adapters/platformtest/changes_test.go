package platformtest

import (
	"sync/atomic"
	"testing"
	"time"
)

// A waiter wakes on a change, not at its timeout (an hour: a Wait that
// slept through the change would run into the test's own timeout), and
// reports false when the condition never holds.
func TestWaitWakesOnChange(t *testing.T) {
	var c Changes
	var n atomic.Int64
	go func() {
		time.Sleep(20 * time.Millisecond)
		n.Store(1)
		c.Signal()
	}()
	if !c.Wait(time.Hour, func() bool { return n.Load() == 1 }) {
		t.Fatal("the condition held but Wait reported false")
	}
	if c.Wait(30*time.Millisecond, func() bool { return false }) {
		t.Error("Wait reported true for a condition that never held")
	}
}
