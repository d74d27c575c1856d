package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// RunSocketMode receives events, clicks and slash commands over Socket Mode
// (Config.AppToken) until ctx is done, through the same code as the HTTP
// handlers, without signatures (the connection is the app's own). Every
// envelope is acknowledged after it was committed; an event whose commit
// failed is left unacknowledged, so Slack delivers it again, and a
// redelivery changes nothing. One user's envelopes are handled in order,
// different users' at once, so a user whose update waits on a slow Slack
// holds up no one else (as over HTTP, where each request has its own
// goroutine).
func (a *Adapter) RunSocketMode(ctx context.Context) error {
	if a.cfg.AppToken == "" {
		return errors.New("slack: Socket Mode needs an app-level token (SLACK_APP_TOKEN)")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	smc := socketmode.New(a.api, socketmode.OptionLog(logOutput{a.log}))
	runErr := make(chan error, 1)
	go func() { runErr <- smc.RunContext(ctx) }()

	q := userQueues{handle: func(evt socketmode.Event) {
		if ctx.Err() != nil {
			return // not acknowledged: Slack delivers it again to the next process
		}
		a.envelope(ctx, smc, evt)
	}}
	defer q.wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-runErr:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("slack: socket mode: %w", err)
		case evt := <-smc.Events:
			q.add(userOf(evt), evt)
		}
	}
}

// userQueues handles envelopes one user at a time, in the order they came:
// a goroutine per user with envelopes in hand, gone when they are done.
type userQueues struct {
	handle func(socketmode.Event)
	wg     sync.WaitGroup

	mu      sync.Mutex
	waiting map[string][]socketmode.Event // users being handled -> their envelopes still to come
}

func (q *userQueues) add(user string, evt socketmode.Event) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if rest, busy := q.waiting[user]; busy {
		q.waiting[user] = append(rest, evt)
		return
	}
	if q.waiting == nil {
		q.waiting = map[string][]socketmode.Event{}
	}
	q.waiting[user] = nil
	q.wg.Go(func() {
		for {
			q.handle(evt)
			q.mu.Lock()
			rest := q.waiting[user]
			if len(rest) == 0 {
				delete(q.waiting, user)
				q.mu.Unlock()
				return
			}
			evt, q.waiting[user] = rest[0], rest[1:]
			q.mu.Unlock()
		}
	})
}

// envelope handles one Socket Mode event and acknowledges it.
func (a *Adapter) envelope(ctx context.Context, smc *socketmode.Client, evt socketmode.Event) {
	// What was started is committed even when shutdown begins.
	hctx := context.WithoutCancel(ctx)
	switch evt.Type {
	case socketmode.EventTypeEventsAPI:
		if evt.Request == nil {
			return
		}
		if res := a.event(hctx, evt.Request.Payload); res.status >= http.StatusInternalServerError {
			return
		}
		a.ack(ctx, smc, evt.Request.EnvelopeID, nil)
	case socketmode.EventTypeInteractive:
		ic, ok := evt.Data.(slackapi.InteractionCallback)
		if !ok || evt.Request == nil {
			return
		}
		if err := a.interaction(hctx, ic); err != nil {
			// Not acknowledged: Slack shows the user the click failed.
			a.log.Error("slack: handle interaction", "user", ic.User.ID, "err", err)
			return
		}
		a.ack(ctx, smc, evt.Request.EnvelopeID, nil)
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slackapi.SlashCommand)
		if !ok || evt.Request == nil {
			return
		}
		answer := slashAnswer{ResponseType: "ephemeral", Text: slashFailed}
		if cmd.UserID != "" {
			answer = a.slash(hctx, cmd)
		}
		a.ack(ctx, smc, evt.Request.EnvelopeID, answer)
	case socketmode.EventTypeErrorBadMessage:
		// The library could not parse the envelope (an event type it does
		// not know, or something new): what has an envelope id is answered.
		bad, ok := evt.Data.(*socketmode.ErrorBadMessage)
		if !ok {
			return
		}
		var req socketmode.Request
		if err := json.Unmarshal(bad.Message, &req); err != nil || req.EnvelopeID == "" {
			a.log.Warn("slack: socket mode: unreadable message", "err", bad.Cause)
			return
		}
		if req.Type == socketmode.RequestTypeEventsAPI {
			if res := a.event(hctx, req.Payload); res.status >= http.StatusInternalServerError {
				return
			}
		} else {
			a.log.Info("slack: socket mode: envelope not handled", "type", req.Type, "err", bad.Cause)
		}
		a.ack(ctx, smc, req.EnvelopeID, nil)
	case socketmode.EventTypeConnecting, socketmode.EventTypeConnected, socketmode.EventTypeHello:
		a.log.Debug("slack: socket mode", "state", string(evt.Type))
	case socketmode.EventTypeConnectionError, socketmode.EventTypeInvalidAuth, socketmode.EventTypeIncomingError, socketmode.EventTypeErrorWriteFailed:
		a.log.Warn("slack: socket mode", "state", string(evt.Type), "detail", fmt.Sprint(evt.Data))
	default:
		if evt.Request != nil && evt.Request.EnvelopeID != "" {
			a.log.Info("slack: socket mode: envelope not handled", "type", string(evt.Type))
			a.ack(ctx, smc, evt.Request.EnvelopeID, nil)
		}
	}
}

func (a *Adapter) ack(ctx context.Context, smc *socketmode.Client, envelopeID string, payload any) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := smc.AckCtx(ctx, envelopeID, payload); err != nil {
		a.log.Warn("slack: socket mode: ack", "envelope", envelopeID, "err", err)
	}
}

// userOf is the user an envelope is about, so one user's envelopes are
// handled in order.
func userOf(evt socketmode.Event) string {
	switch d := evt.Data.(type) {
	case slackevents.EventsAPIEvent:
		switch e := d.InnerEvent.Data.(type) {
		case *slackevents.MessageEvent:
			return e.User
		case *slackevents.AppMentionEvent:
			return e.User
		}
	case slackapi.InteractionCallback:
		return d.User.ID
	case slackapi.SlashCommand:
		return d.UserID
	}
	return ""
}
