package apiclient

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Many concurrent senders reuse their connections instead of dialling
// again for every request, as the default client does past 2.
func TestConnectionsAreReused(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c := New(5 * time.Second)
	const senders, rounds = 20, 10
	for range rounds {
		var wg sync.WaitGroup
		for range senders {
			wg.Go(func() {
				resp, err := c.Get(srv.URL)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
			})
		}
		wg.Wait()
	}
	// Now and then a request dials while another connection is being put
	// back, so a few more than one per sender may open; the default client
	// opens one for almost every request past its 2 (about 180 here).
	if got := conns.Load(); got > 2*senders {
		t.Errorf("%d connections for %d concurrent senders over %d rounds, want at most %d", got, senders, rounds, 2*senders)
	}
}
