package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/onboardbot/onboardbot/bot"
)

// MaxBody bounds a request body from Slack.
const MaxBody = 1 << 20

// Texts of the slash command's immediate, ephemeral answer.
const (
	slashAck    = "📩 Replied in our DM / 已私信回复"
	slashFailed = "⚠️ Sorry, that did not go through. Please try again, or write to me in a direct message. / 抱歉,处理失败,请重试,或直接私信我。"
)

// EventsHandler receives the Events API at POST /slack/events. It checks
// the signature before anything else, answers url_verification, and answers
// an event 200 only after it was committed (500 when the commit failed, so
// Slack delivers again; a redelivery changes nothing, by event_id).
func (a *Adapter) EventsHandler() http.Handler {
	return a.signed(func(w http.ResponseWriter, r *http.Request, body []byte) {
		if n := r.Header.Get("X-Slack-Retry-Num"); n != "" {
			a.log.Info("slack: event redelivered", "retry", n, "reason", r.Header.Get("X-Slack-Retry-Reason"))
		}
		// The event is handled to the end even if Slack hangs up: what was
		// started is committed.
		res := a.event(context.WithoutCancel(r.Context()), body)
		if res.challenge != "" {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, res.challenge)
			return
		}
		if res.status != http.StatusOK {
			http.Error(w, http.StatusText(res.status), res.status)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// InteractiveHandler receives button clicks at POST /slack/interactive and
// answers 200 once the click was committed.
func (a *Adapter) InteractiveHandler() http.Handler {
	return a.signed(func(w http.ResponseWriter, r *http.Request, _ []byte) {
		ic, err := slackapi.InteractionCallbackParse(r)
		if err != nil {
			a.log.Warn("slack: malformed interaction", "err", err)
			http.Error(w, "malformed interaction payload", http.StatusBadRequest)
			return
		}
		if err := a.interaction(context.WithoutCancel(r.Context()), ic); err != nil {
			a.log.Error("slack: handle interaction", "user", ic.User.ID, "err", err)
			http.Error(w, "try again", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// CommandsHandler receives the /onboard slash command at POST
// /slack/commands. The reply goes to the user's DM through the outbox; the
// HTTP answer is a short ephemeral acknowledgement.
func (a *Adapter) CommandsHandler() http.Handler {
	return a.signed(func(w http.ResponseWriter, r *http.Request, _ []byte) {
		cmd, err := slackapi.SlashCommandParse(r)
		if err != nil || cmd.UserID == "" {
			a.log.Warn("slack: malformed slash command", "err", err)
			http.Error(w, "malformed slash command", http.StatusBadRequest)
			return
		}
		answer := a.slash(context.WithoutCancel(r.Context()), cmd)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(answer)
	})
}

// signed reads a request from Slack and checks its signature and age before
// next sees it; the body is restored for parsers that read r.Body.
func (a *Adapter) signed(next func(w http.ResponseWriter, r *http.Request, body []byte)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		sv, err := slackapi.NewSecretsVerifier(r.Header, a.cfg.SigningSecret)
		if err != nil {
			if errors.Is(err, slackapi.ErrInvalidConfiguration) {
				a.log.Error("slack: request refused: no signing secret configured (SLACK_SIGNING_SECRET)", "path", r.URL.Path)
			} else {
				a.refusals.Refused("headers", "slack: request refused", "path", r.URL.Path, "remote", r.RemoteAddr, "err", err)
			}
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
		if err != nil {
			http.Error(w, "body too large or unreadable", http.StatusRequestEntityTooLarge)
			return
		}
		_, _ = sv.Write(body)
		if err := sv.Ensure(); err != nil {
			a.refusals.Refused("signature", "slack: request refused", "path", r.URL.Path, "remote", r.RemoteAddr, "err", err)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next(w, r, body)
	})
}

// eventResult is what an Events API delivery comes to.
type eventResult struct {
	status    int
	challenge string // the answer to url_verification
}

// event handles one Events API payload, from HTTP or Socket Mode.
func (a *Adapter) event(ctx context.Context, raw []byte) eventResult {
	var outer struct {
		Type      string          `json:"type"`
		Challenge string          `json:"challenge"`
		EventID   string          `json:"event_id"`
		Event     json.RawMessage `json:"event"`
	}
	if err := json.Unmarshal(raw, &outer); err != nil || outer.Type == "" {
		a.log.Warn("slack: malformed event", "err", err)
		return eventResult{status: http.StatusBadRequest}
	}
	switch outer.Type {
	case slackevents.URLVerification:
		if outer.Challenge == "" {
			return eventResult{status: http.StatusBadRequest}
		}
		return eventResult{status: http.StatusOK, challenge: outer.Challenge}
	case slackevents.CallbackEvent:
	case slackevents.AppRateLimited:
		a.log.Warn("slack: Slack is dropping events for this app (app_rate_limited)")
		return eventResult{status: http.StatusOK}
	default:
		a.log.Info("slack: unknown Events API payload ignored", "type", outer.Type)
		return eventResult{status: http.StatusOK}
	}
	// One pass over the inner event reads its type and, for a message, what
	// the bot acts on: slackevents.MessageEvent's own decoder would read it
	// twice more, on every message a seller sends.
	var inner struct {
		Type            string `json:"type"`
		SubType         string `json:"subtype"`
		User            string `json:"user"`
		BotID           string `json:"bot_id"`
		Text            string `json:"text"`
		Channel         string `json:"channel"`
		ChannelType     string `json:"channel_type"`
		TimeStamp       string `json:"ts"`
		ThreadTimeStamp string `json:"thread_ts"`
		// Files shared with the message (subtype file_share).
		Files []slackapi.File `json:"files"`
	}
	if outer.EventID == "" || json.Unmarshal(outer.Event, &inner) != nil || inner.Type == "" {
		a.log.Warn("slack: malformed event callback")
		return eventResult{status: http.StatusBadRequest}
	}
	var handle func() error
	var perr error
	switch inner.Type {
	case string(slackevents.Message):
		e := slackevents.MessageEvent{Type: inner.Type, SubType: inner.SubType, User: inner.User, BotID: inner.BotID, Text: inner.Text,
			Channel: inner.Channel, ChannelType: inner.ChannelType, TimeStamp: inner.TimeStamp, ThreadTimeStamp: inner.ThreadTimeStamp}
		handle = func() error { return a.message(ctx, outer.EventID, &e, inner.Files) }
	case string(slackevents.AppMention):
		var e slackevents.AppMentionEvent
		perr = json.Unmarshal(outer.Event, &e)
		handle = func() error { return a.mention(ctx, outer.EventID, &e) }
	default:
		// Events the app did not ask for, or does not answer: recorded,
		// so a redelivery is recognised, and otherwise left alone.
		handle = func() error { return a.core.Skip(ctx, Platform, outer.EventID) }
	}
	if perr != nil {
		a.log.Warn("slack: malformed event", "type", inner.Type, "err", perr)
		return eventResult{status: http.StatusBadRequest}
	}
	err := handle()
	if err != nil {
		a.log.Error("slack: handle event", "event", outer.EventID, "type", inner.Type, "err", err)
		return eventResult{status: http.StatusInternalServerError}
	}
	return eventResult{status: http.StatusOK}
}

// message handles a message event, with the files shared with it: direct
// messages drive onboarding; the bot's own messages, other bots', edits and
// the like are recorded and not answered.
func (a *Adapter) message(ctx context.Context, eventID string, m *slackevents.MessageEvent, files []slackapi.File) error {
	switch {
	case m.BotID != "" || m.SubType == "bot_message" || m.User == "" || m.User == a.botUser:
		return a.core.Skip(ctx, Platform, eventID) // never talk to ourselves or to other bots
	case m.ChannelType != "im":
		return a.core.Skip(ctx, Platform, eventID)
	case m.SubType != "" && m.SubType != "file_share" && m.SubType != "thread_broadcast":
		return a.core.Skip(ctx, Platform, eventID) // message_changed, message_deleted, joins...
	}
	// A message in an im is from the user to the bot, in their DM with it:
	// kept, so that their clicks need no conversations.open.
	a.dms.put(m.User, m.Channel, dmTTL)
	who := a.userProfile(ctx, m.User) // before the lock: a slow Slack holds up this user only
	defer a.lock(m.User)()
	in := bot.Inbound{
		Platform:    Platform,
		UserID:      m.User,
		ChatID:      m.Channel,
		UpdateID:    eventID,
		Text:        a.plain(m.Text),
		LangHint:    who.lang,
		TZHint:      who.tz,
		Name:        who.name,
		Unsupported: strings.TrimSpace(m.Text) == "" && len(files) == 0,
	}
	// A message names one item: every file it shares is evidence for it.
	for i, f := range files {
		a := bot.Attachment{Ref: f.ID, UniqueID: f.ID, Name: f.Name, MIME: f.Mimetype, Size: int64(f.Size), Link: f.Permalink}
		if i == 0 {
			in.Attachment = &a
		} else {
			in.More = append(in.More, a)
		}
	}
	_, err := a.core.Handle(ctx, in)
	if err != nil {
		return err
	}
	return nil
}

// mention handles an @mention in a channel: the answer, in a thread under
// it, invites the seller to a direct message.
func (a *Adapter) mention(ctx context.Context, eventID string, m *slackevents.AppMentionEvent) error {
	if m.BotID != "" || m.User == "" || m.User == a.botUser || m.Edited != nil || isDM(m.Channel) || m.Channel == "" {
		// Mentions in a DM also arrive as message.im, which answers them.
		return a.core.Skip(ctx, Platform, eventID)
	}
	thread := m.ThreadTimeStamp
	if thread == "" {
		thread = m.TimeStamp
	}
	who := a.userProfile(ctx, m.User)
	defer a.lock(m.User)()
	in := bot.Inbound{
		Platform: Platform,
		UserID:   m.User,
		ChatID:   m.Channel + "/" + thread,
		UpdateID: eventID,
		Text:     a.plain(m.Text),
		LangHint: who.lang,
		TZHint:   who.tz,
		Name:     who.name,
		Public:   true,
	}
	_, err := a.core.Handle(ctx, in)
	if err != nil {
		return err
	}
	return nil
}

// interaction handles a button click: action_id "c:<outbox id>:<choice
// index>" is resolved against the stored message, so buttons work after a
// restart and only the bot's own messages count. The reply goes to the
// clicking user's own DM, found from their user id: nothing is sent to a
// channel the payload names, so a forged payload cannot send a seller's
// replies into someone else's conversation. After the commit the question
// is edited to show the answer, or a stale click gets an ephemeral notice;
// both are courtesies whose failure loses nothing.
func (a *Adapter) interaction(ctx context.Context, ic slackapi.InteractionCallback) error {
	if ic.Type != slackapi.InteractionTypeBlockActions || len(ic.ActionCallback.BlockActions) == 0 || ic.User.ID == "" {
		a.log.Info("slack: interaction ignored", "type", ic.Type)
		return nil
	}
	act := ic.ActionCallback.BlockActions[0]
	updateID := ic.TriggerID
	if updateID == "" {
		updateID = firstNonEmpty(act.ActionTs, ic.ActionTs)
	}
	if updateID == "" {
		// The id is what makes a second delivery of the click change
		// nothing. Slack always sends a trigger_id; a click with neither it
		// nor an action_ts could not be told from its own redelivery, and
		// each delivery would queue another reply (found by FuzzInteractions).
		a.log.Warn("slack: click without trigger_id or action_ts ignored", "user", ic.User.ID)
		return nil
	}
	user := ic.User.ID
	clickedIn := firstNonEmpty(ic.Container.ChannelID, ic.Channel.ID)
	msgTS := firstNonEmpty(ic.Container.MessageTs, ic.Message.Timestamp)
	who, dm, err := a.lookup(ctx, user, true)
	if err != nil {
		return err
	}
	defer a.lock(user)()
	in := bot.Inbound{
		Platform: Platform,
		UserID:   user,
		ChatID:   dm,
		UpdateID: updateID,
		LangHint: who.lang,
		TZHint:   who.tz,
		Name:     who.name,
		// A button counts only on a message the bot posted in the channel
		// clicked in, and that channel must be the clicker's own DM (the
		// bot posts buttons nowhere else).
		Button: &bot.Button{Data: act.ActionID, Message: msgTS, InChat: func(c string) bool {
			stored, _ := splitChat(c)
			return stored == dm && stored == clickedIn
		}},
	}
	replies, err := a.core.Handle(ctx, in)
	if err != nil {
		return err
	}
	if len(replies) == 0 {
		return nil // a click already handled
	}
	switch notice := replies[0].Notice; {
	case notice != "":
		a.courtesy(dm, "chat.postEphemeral", func(ctx context.Context) error {
			_, err := a.api.PostEphemeralContext(ctx, dm, user, slackapi.MsgOptionText(escape(notice), false))
			return err
		})
	case replies[0].Clicked != nil:
		clicked := replies[0].Clicked
		channel, _ := splitChat(clicked.Message.ChatID)
		ts := clicked.Message.Ref // the stored message's last part, which has the buttons
		if ts == "" {
			ts = msgTS // clicked before its sending was recorded: the payload's, in the channel checked above
		}
		if ts == "" {
			break
		}
		msgs := render(clicked.Message)
		m := single(msgs[len(msgs)-1].raw + "\n\n✅ " + clicked.Label)
		a.courtesy(channel, "chat.update", func(ctx context.Context) error {
			_, _, _, err := a.api.UpdateMessageContext(ctx, channel, ts,
				slackapi.MsgOptionText(m.text, false), slackapi.MsgOptionBlocks(m.blocks...))
			return err
		})
	}
	return nil
}

// courtesy runs a call that follows a commit in the background, so Slack
// gets its answer at once. It waits for the rate limiter like every message
// the bot sends; a call that gets no slot within courtesyTimeout, or fails,
// is logged and nothing more.
func (a *Adapter) courtesy(channel, what string, call func(ctx context.Context) error) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), courtesyTimeout)
		defer cancel()
		if err := a.pace.Wait(ctx, channel, false); err != nil {
			a.log.Warn("slack: "+what+" skipped: no slot within the rate limit", "err", err)
			return
		}
		if err := call(ctx); err != nil {
			a.log.Warn("slack: "+what, "err", err)
		}
	}()
}

// courtesyTimeout bounds a courtesy call, its wait for the rate limiter included.
const courtesyTimeout = 10 * time.Second

// slashAnswer is the immediate answer to a slash command.
type slashAnswer struct {
	ResponseType string `json:"response_type"`
	Text         string `json:"text"`
}

// slash runs the /onboard slash command: "/onboard status" is the status
// command, "/onboard tiktok-uk" onboards that market, "/onboard" alone
// starts. The reply goes to the user's DM through the outbox. Slack does
// not retry slash commands, so a failure is told to the user rather than
// answered with a 5xx.
func (a *Adapter) slash(ctx context.Context, cmd slackapi.SlashCommand) slashAnswer {
	who, dm, err := a.lookup(ctx, cmd.UserID, true)
	if err != nil {
		a.log.Error("slack: slash command: no DM channel", "user", cmd.UserID, "err", err)
		return slashAnswer{ResponseType: "ephemeral", Text: slashFailed}
	}
	defer a.lock(cmd.UserID)()
	in := bot.Inbound{
		Platform: Platform,
		UserID:   cmd.UserID,
		ChatID:   dm,
		UpdateID: cmd.TriggerID,
		Text:     a.slashText(cmd.Text),
		LangHint: who.lang,
		TZHint:   who.tz,
		Name:     who.name,
	}
	_, err = a.core.Handle(ctx, in)
	if err != nil {
		a.log.Error("slack: slash command", "user", cmd.UserID, "err", err)
		return slashAnswer{ResponseType: "ephemeral", Text: slashFailed}
	}
	return slashAnswer{ResponseType: "ephemeral", Text: slashAck}
}

// slashText turns the slash command's text into a command for the core:
// a first word that names a command runs it with the rest as arguments;
// anything else is the arguments of onboard; nothing at all is start.
func (a *Adapter) slashText(text string) string {
	text = strings.TrimSpace(a.plain(text))
	fields := strings.Fields(text)
	if len(fields) == 0 {
		return "/start"
	}
	first := strings.ToLower(strings.TrimPrefix(fields[0], "/"))
	for _, c := range a.core.Commands() {
		if first == c.Name || slices.Contains(c.Aliases, first) {
			return "/" + strings.Join(append([]string{first}, fields[1:]...), " ")
		}
	}
	return "/onboard " + text
}

// plain turns Slack's message formatting back into what the user typed:
// the bot's own mention goes, other mentions, channels and links become
// their text, and &amp; &lt; &gt; are decoded.
func (a *Adapter) plain(text string) string {
	var b strings.Builder
	for {
		open := strings.IndexByte(text, '<')
		if open < 0 {
			break
		}
		end := strings.IndexByte(text[open:], '>')
		if end < 0 {
			break
		}
		b.WriteString(text[:open])
		b.WriteString(a.token(text[open+1 : open+end]))
		text = text[open+end+1:]
	}
	b.WriteString(text)
	return unescaper.Replace(b.String())
}

// token renders one <...> token of Slack's formatting.
func (a *Adapter) token(t string) string {
	target, label, hasLabel := strings.Cut(t, "|")
	switch {
	case strings.HasPrefix(target, "@"):
		if id := target[1:]; id == a.botUser {
			return ""
		}
		if hasLabel {
			return "@" + label
		}
		return target
	case strings.HasPrefix(target, "#"):
		if hasLabel {
			return "#" + label
		}
		return target
	case strings.HasPrefix(target, "!"):
		if hasLabel {
			return label
		}
		return "@" + strings.TrimPrefix(target, "!")
	case hasLabel:
		return label
	}
	return strings.TrimPrefix(target, "mailto:")
}

var unescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// isDM reports whether a channel id is a direct message with the bot.
func isDM(channel string) bool { return strings.HasPrefix(channel, "D") }

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
