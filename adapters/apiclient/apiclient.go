// Package apiclient makes the HTTP client the adapters call platform APIs
// with.
package apiclient

import (
	"net/http"
	"time"
)

// Conns is how many connections to the platform are kept open: enough for
// every dispatcher worker (bot.Dispatcher's default 64 reply and 16
// announcement workers) to reuse its own.
const Conns = 100

// New returns a client whose requests time out after timeout and which keeps
// Conns idle connections per host. net/http's default keeps 2, so a
// dispatcher sending to many chats at once would open (and, against the real
// platform, TLS-handshake) a new connection for almost every message.
func New(timeout time.Duration) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = Conns
	t.MaxIdleConnsPerHost = Conns
	return &http.Client{Timeout: timeout, Transport: t}
}
