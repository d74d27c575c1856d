package platformtest

import (
	"sync/atomic"
	"testing"
	"time"
)

// A waiter wakes on a change, long before its timeout, and reports false
// when the condition never holds.
func TestWaitWakesOnChange(t *testing.T) {
	var c Changes
	var n atomic.Int64
	go func() {
		time.Sleep(20 * time.Millisecond)
		n.Store(1)
		c.Signal()
	}()
	began := time.Now()
	if !c.Wait(5*time.Second, func() bool { return n.Load() == 1 }) {
		t.Fatal("the condition held but Wait reported false")
	}
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("Wait took %s", took)
	}
	if c.Wait(30*time.Millisecond, func() bool { return false }) {
		t.Error("Wait reported true for a condition that never held")
	}
}
