package pace

import (
	"context"
	"sync"
	"testing"
	"time"
)

// TestRepliesGoAheadOfAnnouncements saturates a slow pacer with
// announcements, then asks for a reply slot: the reply must get one of the
// next two slots, not wait behind the announcements.
func TestRepliesGoAheadOfAnnouncements(t *testing.T) {
	p := New(20, 1000) // a slot every 50 ms
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var grants []string
	busy := make(chan struct{}) // closed once announcements used up the burst and queue up
	var once sync.Once
	grant := func(who string) {
		mu.Lock()
		grants = append(grants, who)
		if len(grants) >= 5 {
			once.Do(func() { close(busy) })
		}
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if p.Wait(ctx, string(rune('a'+i)), true) == nil {
					grant("announcement")
				}
			}
		}()
	}
	select {
	case <-busy:
	case <-time.After(10 * time.Second):
		t.Fatal("the announcements never got going")
	}
	mu.Lock()
	before := len(grants)
	mu.Unlock()
	if err := p.Wait(ctx, "seller", false); err != nil {
		t.Fatal(err)
	}
	grant("reply")
	cancel()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	pos := -1
	for i, g := range grants[before:] {
		if g == "reply" {
			pos = i
			break
		}
	}
	if pos < 0 || pos > 1 {
		t.Errorf("the reply got slot %d after asking (want 0 or 1): %v", pos, grants[before:])
	}
}

func TestWaitStopsWithTheContext(t *testing.T) {
	p := New(0.001, 1000) // one slot in 1000 s
	ctx, cancel := context.WithCancel(context.Background())
	_ = p.Wait(ctx, "x", true) // takes the only token
	cancel()
	if err := p.Wait(ctx, "x", true); err == nil {
		t.Error("a low-priority wait ignored its cancelled context")
	}
	if err := p.Wait(ctx, "y", false); err == nil {
		t.Error("a high-priority wait ignored its cancelled context")
	}
}
