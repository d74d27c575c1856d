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

// A share of the rate slows the pacer to that part of it, a share of zero
// holds every sender until a share is set again, and a context ends the wait.
func TestShare(t *testing.T) {
	count := func(p *Pacer, d time.Duration) int {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		n := 0
		for i := 0; ; i++ {
			if p.Wait(ctx, string(rune('a'+i%26))+string(rune('a'+i/26%26)), false) != nil {
				return n
			}
			n++
		}
	}
	p := New(200, 1000)
	full := count(p, 300*time.Millisecond)
	p.Share(0.25)
	quarter := count(p, 300*time.Millisecond)
	if quarter*2 > full {
		t.Errorf("a quarter share sent %d in the time the whole rate sent %d", quarter, full)
	}
	p.Share(0)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	if err := p.Wait(ctx, "held", false); err == nil {
		t.Error("a paused pacer let a message go")
	}
	cancel()
	released := make(chan error, 1)
	go func() { released <- p.Wait(context.Background(), "later", false) }()
	time.Sleep(50 * time.Millisecond)
	select {
	case err := <-released:
		t.Fatalf("a paused pacer let a message go: %v", err)
	default:
	}
	p.Share(1)
	select {
	case err := <-released:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a share set again did not release the waiting sender")
	}
}

// A chat that just used its burst must wait about its pace; another chat
// may send at once.
func TestChatWait(t *testing.T) {
	p := New(1000, 1)
	if w := p.ChatWait("a"); w != 0 {
		t.Fatalf("a new chat waits %s", w)
	}
	for range 2 { // the burst of two
		if err := p.Wait(context.Background(), "a", false); err != nil {
			t.Fatal(err)
		}
	}
	if w := p.ChatWait("a"); w < 500*time.Millisecond || w > time.Second {
		t.Errorf("after its burst, a chat at 1 a second waits %s", w)
	}
	if w := p.ChatWait("b"); w != 0 {
		t.Errorf("another chat waits %s", w)
	}
}
