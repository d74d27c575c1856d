package outbox

import (
	"container/heap"
	"math/rand/v2"
	"sync"
	"time"
)

// faults is what a dispatcher remembers of failures between one send and
// the next, so that neither a platform outage nor a store that cannot
// write loses or repeats a message:
//   - unrecorded: messages the platform took whose record as sent failed
//     (a full disk). They are never sent again; the record is retried, and
//     nothing else is sent until the store writes again.
//   - failing: messages whose send failed for a transient reason (network,
//     timeout, 5xx), with when they first failed. They are retried with a
//     capped, jittered backoff for retryFor before they are set aside.
//   - waiting: chats whose next try is later (after a failure, or when
//     their pace lets them send again); their worker is released, so other
//     chats go on meanwhile.
//
// It lives in memory: after a restart every message is tried afresh, which
// can repeat only what was in flight at the crash.
type faults struct {
	mu         sync.Mutex
	unrecorded map[int64]sentRecord
	storeErr   string // why recording failed, while any message is unrecorded
	failing    map[int64]failure
	waiting    map[string]time.Time
	queue      waitQueue // the waiting chats by when they are due (see wait)
}

type sentRecord struct {
	ref string
	at  time.Time
}

type failure struct {
	since    time.Time
	attempts int
}

func newFaults() *faults {
	return &faults{unrecorded: map[int64]sentRecord{}, failing: map[int64]failure{}, waiting: map[string]time.Time{}}
}

// sentButUnrecorded remembers a message the platform took but the store
// did not record.
func (f *faults) sentButUnrecorded(id int64, ref string, at time.Time, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.unrecorded[id] = sentRecord{ref: ref, at: at}
	f.storeErr = err.Error()
}

// unrecordedRef reports whether the message was sent but not recorded.
func (f *faults) unrecordedRef(id int64) (sentRecord, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.unrecorded[id]
	return s, ok
}

func (f *faults) recorded(id int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.unrecorded, id)
	if len(f.unrecorded) == 0 {
		f.storeErr = ""
	}
}

// storeDown reports whether a record is still owed to the store.
func (f *faults) storeDown() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.unrecorded) > 0
}

func (f *faults) owed() map[int64]sentRecord {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[int64]sentRecord, len(f.unrecorded))
	for id, s := range f.unrecorded {
		out[id] = s
	}
	return out
}

// failed counts a transient failure of a message and returns its record.
func (f *faults) failed(id int64, now time.Time) failure {
	f.mu.Lock()
	defer f.mu.Unlock()
	fl, ok := f.failing[id]
	if !ok {
		fl.since = now
	}
	fl.attempts++
	f.failing[id] = fl
	return fl
}

func (f *faults) succeeded(id int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.failing, id)
}

// wait puts a chat off until a time: its next try after a failure, or
// when its pace lets it send again. The chats waiting are a queue ordered
// by that time (a heap, with an entry left behind when a chat's time
// changes skipped when it comes up), so that finding the chats due costs
// nothing for the many that are not.
func (f *faults) wait(chat string, until time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.waiting[chat] = until
	heap.Push(&f.queue, waitEntry{chat: chat, at: until})
}

// waitingUntil reports whether a chat waits for its next try at now.
func (f *faults) waitingUntil(chat string, now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.waiting[chat]
	return ok && now.Before(t)
}

// due lists the chats whose wait is over and forgets them.
func (f *faults) due(now time.Time) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for len(f.queue) > 0 && !now.Before(f.queue[0].at) {
		e := heap.Pop(&f.queue).(waitEntry)
		if t, ok := f.waiting[e.chat]; ok && t.Equal(e.at) {
			out = append(out, e.chat)
			delete(f.waiting, e.chat)
		}
	}
	return out
}

// next is when the first chat waiting is due; false when none waits.
func (f *faults) next() (time.Time, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for len(f.queue) > 0 {
		e := f.queue[0]
		if t, ok := f.waiting[e.chat]; ok && t.Equal(e.at) {
			return e.at, true
		}
		heap.Pop(&f.queue) // left behind: the chat's time changed, or it is due already
	}
	return time.Time{}, false
}

type waitEntry struct {
	chat string
	at   time.Time
}

// waitQueue is a min-heap of waiting chats by when they are due.
type waitQueue []waitEntry

func (q waitQueue) Len() int           { return len(q) }
func (q waitQueue) Less(i, j int) bool { return q[i].at.Before(q[j].at) }
func (q waitQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *waitQueue) Push(x any)        { *q = append(*q, x.(waitEntry)) }
func (q *waitQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// backoff is the wait before the next try of a message after attempts
// failures: doubled each time from first, capped, with a fifth of jitter
// either way so that chats failing together do not retry together.
func backoff(attempts int, first, limit time.Duration) time.Duration {
	d := first
	for i := 1; i < attempts && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	return d + time.Duration((rand.Float64()*0.4-0.2)*float64(d))
}

// Health is how delivery stands on one platform.
type Health struct {
	// StoreDown means a message the platform took could not be recorded
	// as sent: dispatching waits until the store writes again.
	StoreDown bool
	StoreErr  string
	// Unrecorded counts those messages.
	Unrecorded int
	// Retrying counts messages failing for a transient reason and waiting
	// for their next try; OldestFailure is when the longest-failing one
	// first failed (zero when none is).
	Retrying      int
	OldestFailure time.Time
}

// Health tells how delivery stands, for /readyz and /metrics.
func (d *Dispatcher) Health() Health {
	f := d.faults
	f.mu.Lock()
	defer f.mu.Unlock()
	h := Health{StoreDown: len(f.unrecorded) > 0, StoreErr: f.storeErr, Unrecorded: len(f.unrecorded), Retrying: len(f.failing)}
	for _, fl := range f.failing {
		if h.OldestFailure.IsZero() || fl.since.Before(h.OldestFailure) {
			h.OldestFailure = fl.since
		}
	}
	return h
}
