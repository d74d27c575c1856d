package outbox

import "sync"

// Hub routes the core's notifications to the dispatcher of the platform
// they concern, so a Telegram reply wakes only the Telegram dispatcher. It
// implements bot.Notifier.
type Hub struct {
	mu          sync.RWMutex
	dispatchers map[string]*Dispatcher
}

// NewHub returns a hub with no dispatchers: notifications for platforms
// without one are dropped (the dispatcher lists its outbox when it starts).
func NewHub() *Hub { return &Hub{dispatchers: map[string]*Dispatcher{}} }

// Add routes platform's notifications to d.
func (h *Hub) Add(platform string, d *Dispatcher) {
	h.mu.Lock()
	h.dispatchers[platform] = d
	h.mu.Unlock()
}

// Notify wakes the dispatcher of platform for these chats; with no chats
// it looks at that platform's whole outbox. An empty platform wakes every
// dispatcher to look at its whole outbox (an announcement, a rule change).
func (h *Hub) Notify(platform string, chats ...string) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if platform == "" {
		for _, d := range h.dispatchers {
			d.Notify()
		}
		return
	}
	if d := h.dispatchers[platform]; d != nil {
		d.Notify(chats...)
	}
}
