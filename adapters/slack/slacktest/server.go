// Package slacktest is a test Slack Web API: it speaks the real protocol
// (POST /<method> with form or JSON parameters, the {"ok":...} answer,
// 429 with or without Retry-After, errors like channel_not_found) and
// serves a Socket Mode websocket, so tests drive the real slack-go client
// and the real adapter. It also signs requests the way Slack does.
package slacktest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	slackapi "github.com/slack-go/slack"

	"github.com/onboardbot/onboardbot/adapters/platformtest"
)

// The credentials and identities the server knows.
const (
	BotToken      = "xoxb-test-bot-token"
	AppToken      = "xapp-test-app-token"
	SigningSecret = "7e57516a1e5ec7e70123456789abcdef" // hexadecimal, as Slack's are
	BotUserID     = "UBOT"
	BotID         = "BBOT"
	TeamID        = "T0TEST"
)

// DMChannel is the direct-message channel between the bot and user, as
// conversations.open answers it.
func DMChannel(user string) string { return "D" + user }

// Sent is one message the bot posted (or, in Updates, an edit).
type Sent struct {
	Channel  string
	ThreadTS string
	TS       string
	Text     string // as sent: escaped
	Blocks   slackapi.Blocks
	At       time.Time
	Edits    int // chat.update calls on the message
}

// Plain is the message's text with Slack's escaping undone.
func (s Sent) Plain() string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s.Text)
}

// Buttons returns the action_id and label of every button.
func (s Sent) Buttons() (ids, labels []string) {
	for _, b := range s.Blocks.BlockSet {
		ab, ok := b.(*slackapi.ActionBlock)
		if !ok || ab.Elements == nil {
			continue
		}
		for _, e := range ab.Elements.ElementSet {
			if btn, ok := e.(*slackapi.ButtonBlockElement); ok {
				ids, labels = append(ids, btn.ActionID), append(labels, btn.Text.Text)
			}
		}
	}
	return ids, labels
}

// Sections returns the text of every section block.
func (s Sent) Sections() []string {
	var out []string
	for _, b := range s.Blocks.BlockSet {
		if sb, ok := b.(*slackapi.SectionBlock); ok && sb.Text != nil {
			out = append(out, sb.Text.Text)
		}
	}
	return out
}

// Upload is a file the bot uploaded and shared: files.getUploadURLExternal,
// the bytes posted to the URL it gave, then files.completeUploadExternal.
type Upload struct {
	FileID         string
	Name           string
	Title          string
	Length         int // what getUploadURLExternal was told
	Data           []byte
	Channel        string
	ThreadTS       string
	InitialComment string
	At             time.Time
}

// MaxFile is the largest file Slack takes, in bytes.
const MaxFile = 1 << 30

// Ephemeral is a message only one user sees.
type Ephemeral struct {
	Channel, User, Text string
}

// Call is one API request the server received, with its parameters.
type Call = platformtest.Call

// Failure is how a chat.postMessage to a channel fails: a status (429 with
// RetryAfter seconds in Retry-After, or without it when 0; or another
// HTTP status), or an API error such as "channel_not_found". Skip lets
// that many posts through first.
type Failure struct {
	Skip       int
	Status     int
	RetryAfter int
	Error      string
}

// Ack is a Socket Mode acknowledgement the client sent.
type Ack struct {
	EnvelopeID string
	Payload    json.RawMessage
	At         time.Time
}

// Server is the test Slack.
type Server struct {
	*httptest.Server

	mu         sync.Mutex
	sent       []Sent
	updates    []Sent
	ephemerals []Ephemeral
	calls      platformtest.CallLog
	fail       map[string][]Failure
	gone       map[string]string
	locales    map[string]string
	zones      map[string]string
	names      map[string][2]string // display name, real name
	userErrs   map[string]string
	delays     map[string]time.Duration
	redelay    chan struct{} // closed when the delays change
	seq        int
	changes    platformtest.Changes
	uploads    map[string]*Upload // by file id, from getUploadURLExternal on
	shared     []Upload           // completed, in order

	ws       *wsConn
	acks     []Ack
	envelope int
	closing  chan struct{}
}

type wsConn struct {
	mu   sync.Mutex // gorilla/websocket allows one writer at a time
	conn *websocket.Conn
}

// New starts a server.
func New() *Server {
	s := &Server{fail: map[string][]Failure{}, gone: map[string]string{}, locales: map[string]string{}, zones: map[string]string{},
		names:    map[string][2]string{},
		userErrs: map[string]string{}, delays: map[string]time.Duration{}, redelay: make(chan struct{}),
		closing: make(chan struct{}), uploads: map[string]*Upload{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Close drops the websocket and stops the server.
func (s *Server) Close() {
	s.mu.Lock()
	platformtest.CloseOnce(s.closing)
	ws := s.ws
	s.mu.Unlock()
	if ws != nil {
		_ = ws.conn.Close()
	}
	s.Server.Close()
}

// FailNext makes the next chat.postMessage (or files.completeUploadExternal)
// calls to channel fail, one per failure.
func (s *Server) FailNext(channel string, f ...Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail[channel] = append(s.fail[channel], f...)
}

// Gone makes every chat.postMessage to channel answer the API error code.
func (s *Server) Gone(channel, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gone[channel] = code
}

// SetLocale sets the locale users.info answers for user (default en-US).
func (s *Server) SetLocale(user, locale string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.locales[user] = locale
}

// SetTZ sets the time zone users.info answers for user (default none).
func (s *Server) SetTZ(user, tz string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.zones[user] = tz
}

// SetName sets the profile's display name and real name users.info answers
// for user (default neither: the user is known by the handle "seller").
func (s *Server) SetName(user, displayName, realName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.names[user] = [2]string{displayName, realName}
}

// FailUser makes users.info for user answer the API error code.
func (s *Server) FailUser(user, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.userErrs[user] = code
}

// Delay makes every call of method wait d before it is answered, as a slow
// Slack does (zero: answered at once). Calls already waiting are answered at
// once when the delays change; a wait also ends when the client hangs up.
func (s *Server) Delay(method string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delays[method] = d
	close(s.redelay)
	s.redelay = make(chan struct{})
}

// wait holds a call of method for its delay.
func (s *Server) wait(r *http.Request, method string) {
	s.mu.Lock()
	d, changed := s.delays[method], s.redelay
	s.mu.Unlock()
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-changed:
	case <-r.Context().Done():
	case <-s.closing:
	}
}

// Count returns how many messages were posted in all.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sent)
}

// Sent returns every message posted so far.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// SentTo returns the messages posted to one channel.
func (s *Server) SentTo(channel string) []Sent {
	var out []Sent
	for _, m := range s.Sent() {
		if m.Channel == channel {
			out = append(out, m)
		}
	}
	return out
}

// Updates returns every chat.update so far.
func (s *Server) Updates() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.updates...)
}

// Uploads returns the files shared to channel (every channel if empty),
// in the order their uploads were completed.
func (s *Server) Uploads(channel string) []Upload {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.DeleteFunc(slices.Clone(s.shared), func(u Upload) bool { return channel != "" && u.Channel != channel })
}

// Ephemerals returns every chat.postEphemeral so far.
func (s *Server) Ephemerals() []Ephemeral {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Ephemeral(nil), s.ephemerals...)
}

// Calls returns the requests for one method (all methods if empty).
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls.Of(method)
}

// Acks returns the Socket Mode acknowledgements received so far.
func (s *Server) Acks() []Ack {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Ack(nil), s.acks...)
}

// AckOf returns the acknowledgement of an envelope.
func (s *Server) AckOf(envelopeID string) (Ack, bool) {
	for _, a := range s.Acks() {
		if a.EnvelopeID == envelopeID {
			return a, true
		}
	}
	return Ack{}, false
}

// Wait blocks until cond holds or timeout passes; it reports whether cond
// held. cond may call the server's methods (see platformtest.Changes).
func (s *Server) Wait(timeout time.Duration, cond func() bool) bool {
	return s.changes.Wait(timeout, cond)
}

// Push sends a Socket Mode envelope of a type ("events_api", "interactive",
// "slash_commands") over the websocket, waiting up to timeout for the
// client to connect, and returns its envelope id.
func (s *Server) Push(typ string, payload any, timeout time.Duration) (string, error) {
	if !s.Wait(timeout, func() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.ws != nil }) {
		return "", fmt.Errorf("no Socket Mode client connected")
	}
	s.mu.Lock()
	s.envelope++
	id := fmt.Sprintf("env-%d", s.envelope)
	ws := s.ws
	s.mu.Unlock()
	msg := map[string]any{
		"envelope_id":              id,
		"type":                     typ,
		"payload":                  payload,
		"accepts_response_payload": typ != "events_api",
		"retry_attempt":            0,
		"retry_reason":             "",
	}
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if err := ws.conn.WriteJSON(msg); err != nil {
		return "", err
	}
	return id, nil
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// socket serves the Socket Mode websocket: hello, then envelopes pushed by
// the test, pings, and acknowledgements read back.
func (s *Server) socket(w http.ResponseWriter, r *http.Request) {
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	ws := &wsConn{conn: conn}
	ws.mu.Lock()
	err = conn.WriteJSON(map[string]any{"type": "hello", "num_connections": 1,
		"connection_info": map[string]string{"app_id": "A0TEST"}})
	ws.mu.Unlock()
	if err != nil {
		conn.Close()
		return
	}
	s.mu.Lock()
	s.ws = ws
	s.changes.Signal()
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { // the client hangs up when Slack sends no ping for a while
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-s.closing:
				return
			case <-t.C:
				_ = conn.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(time.Second))
			}
		}
	}()
	defer func() {
		close(done)
		conn.Close()
		s.mu.Lock()
		if s.ws == ws {
			s.ws = nil
		}
		s.changes.Signal()
		s.mu.Unlock()
	}()
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			return
		}
		var ack struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if json.Unmarshal(data, &ack) != nil || ack.EnvelopeID == "" {
			continue
		}
		s.mu.Lock()
		s.acks = append(s.acks, Ack{EnvelopeID: ack.EnvelopeID, Payload: ack.Payload, At: time.Now()})
		s.changes.Signal()
		s.mu.Unlock()
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, "/")
	if method == "ws" {
		s.socket(w, r)
		return
	}
	if r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	if id, ok := strings.CutPrefix(method, "upload/"); ok {
		s.receive(w, r, id)
		return
	}
	params, err := parseParams(r)
	if err != nil {
		answer(w, map[string]any{"ok": false, "error": "invalid_form_data"})
		return
	}
	token := params["token"]
	if auth, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		token = auth
	}
	delete(params, "token")
	s.mu.Lock()
	s.calls = append(s.calls, Call{Method: method, Params: params, At: time.Now()})
	s.changes.Signal()
	s.mu.Unlock()
	s.wait(r, method)

	want := BotToken
	if method == "apps.connections.open" {
		want = AppToken
	}
	if token != want {
		answer(w, map[string]any{"ok": false, "error": "invalid_auth"})
		return
	}
	switch method {
	case "auth.test":
		answer(w, map[string]any{"ok": true, "url": "https://test.slack.com/", "team": "Test", "user": "onboardbot",
			"team_id": TeamID, "user_id": BotUserID, "bot_id": BotID})
	case "chat.postMessage":
		s.postMessage(w, params)
	case "chat.update":
		s.update(w, params)
	case "chat.postEphemeral":
		s.mu.Lock()
		s.ephemerals = append(s.ephemerals, Ephemeral{Channel: params["channel"], User: params["user"], Text: params["text"]})
		s.seq++
		ts := s.tsLocked()
		s.changes.Signal()
		s.mu.Unlock()
		answer(w, map[string]any{"ok": true, "message_ts": ts})
	case "users.info":
		s.mu.Lock()
		code, locale, tz := s.userErrs[params["user"]], s.locales[params["user"]], s.zones[params["user"]]
		names, named := s.names[params["user"]]
		s.mu.Unlock()
		if code != "" {
			answer(w, map[string]any{"ok": false, "error": code})
			return
		}
		if locale == "" {
			locale = "en-US"
		}
		user := map[string]any{"id": params["user"], "name": "seller", "team_id": TeamID}
		if tz != "" {
			user["tz"] = tz
		}
		if named {
			user["real_name"] = names[1]
			user["profile"] = map[string]any{"display_name": names[0], "real_name": names[1]}
		}
		if params["include_locale"] == "true" {
			user["locale"] = locale
		}
		answer(w, map[string]any{"ok": true, "user": user})
	case "conversations.open":
		users := params["users"]
		if users == "" || strings.Contains(users, ",") {
			answer(w, map[string]any{"ok": false, "error": "not_enough_users"})
			return
		}
		answer(w, map[string]any{"ok": true, "channel": map[string]any{"id": DMChannel(users)}})
	case "files.getUploadURLExternal":
		s.uploadURL(w, params)
	case "files.completeUploadExternal":
		s.completeUpload(w, params)
	case "apps.connections.open":
		answer(w, map[string]any{"ok": true, "url": "ws" + strings.TrimPrefix(s.URL, "http") + "/ws"})
	default:
		answer(w, map[string]any{"ok": false, "error": "unknown_method"})
	}
}

// uploadURL answers files.getUploadURLExternal: a file id and the URL to
// post its bytes to (on this server, as Slack's is on its own file host).
func (s *Server) uploadURL(w http.ResponseWriter, p map[string]string) {
	length, err := strconv.Atoi(p["length"])
	switch {
	case p["filename"] == "" || err != nil || length <= 0:
		answer(w, map[string]any{"ok": false, "error": "invalid_arguments"})
		return
	case length > MaxFile:
		answer(w, map[string]any{"ok": false, "error": "file_too_large"})
		return
	}
	s.mu.Lock()
	s.seq++
	id := fmt.Sprintf("F%08d", s.seq)
	s.uploads[id] = &Upload{FileID: id, Name: p["filename"], Length: length}
	s.mu.Unlock()
	answer(w, map[string]any{"ok": true, "upload_url": s.URL + "/upload/" + id, "file_id": id})
}

// receive takes the bytes of a file posted to its upload URL, raw or as a
// multipart form's file, and answers as Slack's file host does: 200 and
// "OK - <bytes>", or 404 for a URL it did not give.
func (s *Server) receive(w http.ResponseWriter, r *http.Request, id string) {
	var data []byte
	var err error
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "multipart/form-data" {
		var f io.ReadCloser
		if f, _, err = r.FormFile("file"); err == nil {
			data, err = io.ReadAll(f)
			f.Close()
		}
	} else {
		data, err = io.ReadAll(r.Body)
	}
	if err != nil {
		http.Error(w, "bad upload", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	u := s.uploads[id]
	if u != nil {
		u.Data = data
	}
	s.mu.Unlock()
	if u == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprintf(w, "OK - %d", len(data))
}

// completeUpload answers files.completeUploadExternal: each file must have
// been given an upload URL and its bytes posted there, as many as
// announced; it is shared to channel_id (a thread with thread_ts), failing
// as chat.postMessage to that channel would (see FailNext and Gone).
func (s *Server) completeUpload(w http.ResponseWriter, p map[string]string) {
	var files []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal([]byte(p["files"]), &files); err != nil || len(files) == 0 {
		answer(w, map[string]any{"ok": false, "error": "invalid_arguments"})
		return
	}
	channel := p["channel_id"]
	s.mu.Lock()
	if f, ok := s.failure(channel); ok {
		s.mu.Unlock()
		failWith(w, f)
		return
	}
	var out []map[string]any
	for _, f := range files {
		u := s.uploads[f.ID]
		if u == nil || u.Data == nil || len(u.Data) != u.Length {
			s.mu.Unlock()
			answer(w, map[string]any{"ok": false, "error": "file_not_found"})
			return
		}
		out = append(out, map[string]any{"id": f.ID, "title": f.Title})
	}
	for _, f := range files {
		u := s.uploads[f.ID]
		delete(s.uploads, f.ID) // completed once
		u.Title, u.Channel, u.ThreadTS, u.InitialComment, u.At = f.Title, channel, p["thread_ts"], p["initial_comment"], time.Now()
		s.shared = append(s.shared, *u)
	}
	s.changes.Signal()
	s.mu.Unlock()
	answer(w, map[string]any{"ok": true, "files": out})
}

func (s *Server) tsLocked() string { return fmt.Sprintf("%d.%06d", 1700000000+s.seq, s.seq) }

func (s *Server) postMessage(w http.ResponseWriter, p map[string]string) {
	channel := p["channel"]
	blocks, problem := checkMessage(p)
	s.mu.Lock()
	if f, ok := s.failure(channel); ok {
		s.mu.Unlock()
		failWith(w, f)
		return
	}
	if problem != "" {
		s.mu.Unlock()
		answer(w, map[string]any{"ok": false, "error": problem})
		return
	}
	s.seq++
	m := Sent{Channel: channel, ThreadTS: p["thread_ts"], TS: s.tsLocked(), Text: p["text"], Blocks: blocks, At: time.Now()}
	s.sent = append(s.sent, m)
	s.changes.Signal()
	s.mu.Unlock()
	answer(w, map[string]any{"ok": true, "channel": channel, "ts": m.TS, "message": map[string]any{"text": m.Text, "ts": m.TS}})
}

// failure takes the failure the next post to channel answers with, if a
// test asked for one (see FailNext and Gone). s.mu is held.
func (s *Server) failure(channel string) (Failure, bool) {
	if code := s.gone[channel]; code != "" {
		return Failure{Error: code}, true
	}
	q := s.fail[channel]
	if len(q) == 0 {
		return Failure{}, false
	}
	if q[0].Skip > 0 {
		q[0].Skip--
		return Failure{}, false
	}
	s.fail[channel] = q[1:]
	return q[0], true
}

// failWith answers a call with the failure a test asked for.
func failWith(w http.ResponseWriter, f Failure) {
	switch {
	case f.Status == http.StatusTooManyRequests:
		if f.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.Status)
		_, _ = io.WriteString(w, `{"ok":false,"error":"ratelimited"}`)
	case f.Status != 0:
		w.WriteHeader(f.Status)
		_, _ = io.WriteString(w, "<html>server error</html>")
	default:
		answer(w, map[string]any{"ok": false, "error": f.Error})
	}
}

func (s *Server) update(w http.ResponseWriter, p map[string]string) {
	blocks, problem := checkMessage(p)
	if problem != "" {
		answer(w, map[string]any{"ok": false, "error": problem})
		return
	}
	if p["ts"] == "" {
		answer(w, map[string]any{"ok": false, "error": "message_not_found"})
		return
	}
	s.mu.Lock()
	s.updates = append(s.updates, Sent{Channel: p["channel"], TS: p["ts"], Text: p["text"], Blocks: blocks, At: time.Now()})
	for i := range s.sent { // the message as it now shows
		if m := &s.sent[i]; m.Channel == p["channel"] && m.TS == p["ts"] {
			m.Text, m.Blocks = p["text"], blocks
			m.Edits++
		}
	}
	s.changes.Signal()
	s.mu.Unlock()
	answer(w, map[string]any{"ok": true, "channel": p["channel"], "ts": p["ts"], "text": p["text"]})
}

// checkMessage applies Slack's limits to a message's text and blocks, and
// names the API error a real workspace would answer.
func checkMessage(p map[string]string) (slackapi.Blocks, string) {
	var blocks slackapi.Blocks
	if raw := p["blocks"]; raw != "" {
		if err := json.Unmarshal([]byte(raw), &blocks); err != nil {
			return blocks, "invalid_blocks_format"
		}
	}
	if p["channel"] == "" {
		return blocks, "channel_not_found"
	}
	if p["text"] == "" && len(blocks.BlockSet) == 0 {
		return blocks, "no_text"
	}
	if utf8.RuneCountInString(p["text"]) > 40000 {
		return blocks, "msg_too_long"
	}
	if len(blocks.BlockSet) > 50 {
		return blocks, "invalid_blocks"
	}
	ids := map[string]bool{}
	for _, b := range blocks.BlockSet {
		switch b := b.(type) {
		case *slackapi.SectionBlock:
			if b.Text == nil || b.Text.Text == "" || utf8.RuneCountInString(b.Text.Text) > 3000 {
				return blocks, "invalid_blocks"
			}
		case *slackapi.HeaderBlock:
			if b.Text == nil || b.Text.Type != slackapi.PlainTextType || b.Text.Text == "" || utf8.RuneCountInString(b.Text.Text) > 150 {
				return blocks, "invalid_blocks"
			}
		case *slackapi.ContextBlock:
			if len(b.ContextElements.Elements) == 0 || len(b.ContextElements.Elements) > 10 {
				return blocks, "invalid_blocks"
			}
			for _, e := range b.ContextElements.Elements {
				if t, ok := e.(*slackapi.TextBlockObject); !ok || t.Text == "" || utf8.RuneCountInString(t.Text) > 2000 {
					return blocks, "invalid_blocks"
				}
			}
		case *slackapi.DividerBlock:
		case *slackapi.ActionBlock:
			if b.Elements == nil || len(b.Elements.ElementSet) == 0 || len(b.Elements.ElementSet) > 25 {
				return blocks, "invalid_blocks"
			}
			for _, e := range b.Elements.ElementSet {
				btn, ok := e.(*slackapi.ButtonBlockElement)
				if !ok || btn.Text == nil || btn.Text.Text == "" || utf8.RuneCountInString(btn.Text.Text) > 75 ||
					btn.ActionID == "" || len(btn.ActionID) > 255 || ids[btn.ActionID] || len(btn.Value) > 2000 {
					return blocks, "invalid_blocks"
				}
				ids[btn.ActionID] = true
			}
		}
	}
	return blocks, ""
}

// parseParams reads a request's parameters from a form or a JSON body.
func parseParams(r *http.Request) (map[string]string, error) {
	out := map[string]string{}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		if err := platformtest.JSONParams(body, out); err != nil {
			return nil, err
		}
	default:
		if err := r.ParseForm(); err != nil {
			return nil, err
		}
		for k, v := range r.Form {
			out[k] = v[0]
		}
	}
	return out, nil
}

func answer(w http.ResponseWriter, body map[string]any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

// Sign adds Slack's v0 signature of body, made at the given time, to h.
func Sign(h http.Header, body []byte, secret string, at time.Time) {
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:", ts)
	mac.Write(body)
	h.Set("X-Slack-Request-Timestamp", ts)
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
}

var seq struct {
	mu sync.Mutex
	n  int
}

func next() int {
	seq.mu.Lock()
	defer seq.mu.Unlock()
	seq.n++
	return seq.n
}

// EventID returns a fresh event_id.
func EventID() string { return fmt.Sprintf("Ev%08d", next()) }

// Callback wraps an inner event in the Events API envelope.
func Callback(eventID string, event map[string]any) map[string]any {
	return map[string]any{
		"token": "legacy-verification-token", "team_id": TeamID, "api_app_id": "A0TEST",
		"type": "event_callback", "event_id": eventID, "event_time": time.Now().Unix(),
		"authorizations": []map[string]any{{"team_id": TeamID, "user_id": BotUserID, "is_bot": true}},
		"event":          event,
	}
}

func ts() string { return fmt.Sprintf("%d.%06d", time.Now().Unix(), next()) }

// DM is a message event: user wrote text in their DM with the bot.
func DM(user, text string) map[string]any {
	t := ts()
	return map[string]any{"type": "message", "channel": DMChannel(user), "channel_type": "im",
		"user": user, "text": text, "ts": t, "event_ts": t, "client_msg_id": fmt.Sprint(next())}
}

// Mention is an app_mention event: user mentioned the bot in channel.
func Mention(user, channel, text string) map[string]any {
	t := ts()
	return map[string]any{"type": "app_mention", "channel": channel, "user": user,
		"text": "<@" + BotUserID + "> " + text, "ts": t, "event_ts": t}
}

// Click is a block_actions interaction payload: user pressed the button
// with actionID under message m.
func Click(user string, m Sent, actionID string) map[string]any {
	at := ts()
	return map[string]any{
		"type":       "block_actions",
		"user":       map[string]any{"id": user, "username": "seller", "team_id": TeamID},
		"api_app_id": "A0TEST",
		"token":      "legacy-verification-token",
		"trigger_id": fmt.Sprintf("%d.%d.trigger%d", time.Now().Unix(), next(), next()),
		"team":       map[string]any{"id": TeamID},
		"container":  map[string]any{"type": "message", "message_ts": m.TS, "channel_id": m.Channel, "is_ephemeral": false},
		"channel":    map[string]any{"id": m.Channel, "name": "directmessage"},
		"message":    map[string]any{"type": "message", "ts": m.TS, "text": m.Text, "user": BotUserID, "bot_id": BotID},
		"actions": []map[string]any{{
			"type": "button", "action_id": actionID, "block_id": "b" + fmt.Sprint(next()), "value": actionID,
			"text": map[string]any{"type": "plain_text", "text": "label"}, "action_ts": at,
		}},
		"state": map[string]any{"values": map[string]any{}},
	}
}

// Slash is a slash command's fields: user typed command text in channel.
func Slash(user, channel, command, text string) map[string]string {
	return map[string]string{
		"token": "legacy-verification-token", "team_id": TeamID, "team_domain": "test",
		"channel_id": channel, "channel_name": "general", "user_id": user, "user_name": "seller",
		"command": command, "text": text, "api_app_id": "A0TEST",
		"response_url": "https://hooks.slack.invalid/commands/1",
		"trigger_id":   fmt.Sprintf("%d.%d.slash%d", time.Now().Unix(), next(), next()),
	}
}

// SharedFile is a file a user shares in a message, as a file_share
// message event lists it.
type SharedFile struct {
	ID, Name, MIME string
	Size           int
}

// Permalink is where Slack shows a shared file.
func (f SharedFile) Permalink() string {
	return "https://test.slack.com/files/" + f.ID + "/" + f.Name
}

// FileShare is a message event: user shared files in their DM with the
// bot, with text.
func FileShare(user, text string, files ...SharedFile) map[string]any {
	ev := DM(user, text)
	ev["subtype"] = "file_share"
	var list []map[string]any
	for _, f := range files {
		list = append(list, map[string]any{"id": f.ID, "name": f.Name, "title": f.Name, "mimetype": f.MIME,
			"filetype": strings.TrimPrefix(filepath.Ext(f.Name), "."), "size": f.Size, "user": user,
			"permalink": f.Permalink(), "url_private": "https://files.slack.com/files-pri/" + TeamID + "-" + f.ID + "/" + f.Name})
	}
	ev["files"] = list
	return ev
}
