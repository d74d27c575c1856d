// Package tgtest is a test Telegram Bot API server: it speaks the real
// protocol (POST /bot<token>/<method>, multipart or JSON parameters, the
// {"ok":...} envelope, 429 with retry_after, 403 for blocked users), so
// tests drive the real go-telegram/bot client and the real adapter.
package tgtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/go-telegram/bot/models"

	"github.com/onboardbot/onboardbot/adapters/platformtest"
)

// Token is the bot token the server accepts, of the shape BotFather gives.
const Token = "123456:AAH-test_token-for-the-tgtest-serve"

// Username is the bot's username.
const Username = "onboard_test_bot"

// Sent is one message the bot sent.
type Sent struct {
	ChatID    int64
	MessageID int
	// Text is the message as Telegram shows it; HTML is what was sent when
	// it was sent as HTML.
	Text string
	HTML string
	// Edits counts the times the bot edited the message.
	Edits    int
	Keyboard *models.InlineKeyboardMarkup
	At       time.Time
	// File is the document or photo sent (sendDocument, sendPhoto); Text
	// and HTML are then its caption.
	File *File
}

// File is a file the server holds: one the bot uploaded, or one a test
// put there as if a user had sent it (AddFile).
type File struct {
	ID       string // file_id, what a bot sends to send it again
	UniqueID string // file_unique_id
	Name     string
	MIME     string
	Data     []byte
	Photo    bool
}

// Telegram's limits on files.
const (
	MaxUpload  = 50 << 20 // bytes a bot may upload
	MaxCaption = 1024     // characters of a caption
)

// Plain returns the message as Telegram shows it (its Text), as
// slacktest.Sent.Plain does, for platformtest's readers.
func (s Sent) Plain() string { return s.Text }

// Buttons returns the callback data and label of every inline button.
func (s Sent) Buttons() (data, labels []string) {
	if s.Keyboard == nil {
		return nil, nil
	}
	for _, row := range s.Keyboard.InlineKeyboard {
		for _, b := range row {
			data, labels = append(data, b.CallbackData), append(labels, b.Text)
		}
	}
	return data, labels
}

// Call is one API request the server received, with its parameters.
type Call = platformtest.Call

// Server is the test Bot API.
type Server struct {
	*httptest.Server

	mu        sync.Mutex
	updates   []*models.Update
	nextID    int64
	confirmed int64 // every update below this id was confirmed by an offset
	sent      []Sent
	byChat    map[int64][]int // indexes into sent
	calls     platformtest.CallLog
	nextMsg   int
	blocked   map[int64]bool
	fail      map[int64][]Failure
	limit     int         // sendMessage calls allowed per second in all (0: no limit)
	recent    []time.Time // accepted sendMessage calls in the last second
	limited   int         // 429s answered for going over the limit
	changes   platformtest.Changes
	closing   chan struct{}
	slow      slowness
	files     map[string]*File // by file_id
}

// slowness is how long calls wait before the server answers them.
type slowness struct {
	d       time.Duration
	methods []string      // none: every method but getUpdates
	end     chan struct{} // closed when the slowness is changed
}

// Failure is an error the next sendMessage to a chat answers with.
type Failure struct {
	Code       int
	RetryAfter int
}

// New starts a server.
func New() *Server {
	s := &Server{nextID: 1000, blocked: map[int64]bool{}, fail: map[int64][]Failure{}, byChat: map[int64][]int{},
		closing: make(chan struct{}), files: map[string]*File{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Close ends hanging long polls, then stops the server.
func (s *Server) Close() {
	s.mu.Lock()
	platformtest.CloseOnce(s.closing)
	s.mu.Unlock()
	s.Server.Close()
}

// AddUpdate queues an update for getUpdates, giving it the next update_id
// unless it has one, and returns the id.
func (s *Server) AddUpdate(u *models.Update) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.ID == 0 {
		s.nextID++
		u.ID = s.nextID
	}
	s.updates = append(s.updates, u)
	s.changes.Signal()
	return u.ID
}

// Confirmed returns the offset the client last asked for: every update
// below it is confirmed, gone for good.
func (s *Server) Confirmed() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.confirmed
}

// Block makes sendMessage to chat answer 403, as for a user who blocked the bot.
func (s *Server) Block(chat int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocked[chat] = true
}

// FailNext makes the next sendMessage calls to chat fail, one per failure.
func (s *Server) FailNext(chat int64, f ...Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail[chat] = append(s.fail[chat], f...)
}

// Limit makes sendMessage answer 429 (retry_after 1) to calls beyond n in
// any one second, as Telegram does to a bot that sends too fast.
func (s *Server) Limit(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limit = n
}

// Slow makes the server wait d before it answers each call to the named
// methods (every method but getUpdates when none is named), as an
// overloaded Bot API does. Calls are recorded when they arrive. Slow(0)
// ends it, and the calls still waiting are answered at once.
func (s *Server) Slow(d time.Duration, methods ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.slow.end != nil {
		close(s.slow.end)
	}
	s.slow = slowness{d: d, methods: methods, end: make(chan struct{})}
}

// delay waits as Slow asked for a call to method; it reports false if the
// client went away meanwhile.
func (s *Server) delay(r *http.Request, method string) bool {
	s.mu.Lock()
	sl := s.slow
	s.mu.Unlock()
	if sl.d <= 0 || (len(sl.methods) == 0 && method == "getUpdates") ||
		(len(sl.methods) > 0 && !slices.Contains(sl.methods, method)) {
		return true
	}
	t := time.NewTimer(sl.d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-sl.end:
	case <-s.closing:
	case <-r.Context().Done():
		return false
	}
	return true
}

// Limited returns how many sendMessage calls were refused for going over the limit.
func (s *Server) Limited() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limited
}

// Sent returns every message sent so far.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// SentTo returns the messages sent to one chat.
func (s *Server) SentTo(chat int64) []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Sent
	for _, i := range s.byChat[chat] {
		out = append(out, s.sent[i])
	}
	return out
}

// Count returns how many messages were sent in all.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sent)
}

// CountTo returns how many messages one chat received.
func (s *Server) CountTo(chat int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.byChat[chat])
}

// Calls returns the requests for one method (all methods if empty).
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls.Of(method)
}

// Wait blocks until cond holds or timeout passes; it reports whether cond
// held. cond may call the server's methods (see platformtest.Changes).
func (s *Server) Wait(timeout time.Duration, cond func() bool) bool {
	return s.changes.Wait(timeout, cond)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	token, method, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	if token != Token {
		reply(w, nil, 401, "Unauthorized", 0)
		return
	}
	params, uploads, err := parseParams(r)
	if err != nil {
		reply(w, nil, 400, "Bad Request: "+err.Error(), 0)
		return
	}
	// Read to the end, so that a client that goes away while the call
	// waits (see Slow) ends its context.
	_, _ = io.Copy(io.Discard, r.Body)
	s.mu.Lock()
	s.calls = append(s.calls, Call{Method: method, Params: params, At: time.Now()})
	s.changes.Signal()
	s.mu.Unlock()
	if !s.delay(r, method) {
		return
	}

	switch method {
	case "getMe":
		reply(w, models.User{ID: 123456, IsBot: true, FirstName: "Onboard", Username: Username}, 0, "", 0)
	case "getUpdates":
		s.getUpdates(w, r, params)
	case "sendMessage":
		s.sendMessage(w, params)
	case "editMessageText":
		s.editMessageText(w, params)
	case "sendDocument":
		s.sendFile(w, params, uploads, "document")
	case "sendPhoto":
		s.sendFile(w, params, uploads, "photo")
	case "answerCallbackQuery", "setMyCommands", "deleteWebhook":
		reply(w, true, 0, "", 0)
	default:
		reply(w, nil, 404, "Not Found: method "+method, 0)
	}
}

func (s *Server) getUpdates(w http.ResponseWriter, r *http.Request, p map[string]string) {
	offset, _ := strconv.ParseInt(p["offset"], 10, 64)
	timeout, _ := strconv.Atoi(p["timeout"])
	deadline := time.After(time.Duration(timeout) * time.Second)
	for {
		s.mu.Lock()
		if offset > s.confirmed {
			s.confirmed = offset
			kept := s.updates[:0]
			for _, u := range s.updates {
				if u.ID >= offset {
					kept = append(kept, u)
				}
			}
			s.updates = kept
		}
		out := append([]*models.Update(nil), s.updates...)
		ch := s.changes.C()
		s.mu.Unlock()
		if len(out) > 0 || timeout == 0 {
			reply(w, out, 0, "", 0)
			return
		}
		select {
		case <-ch:
		case <-deadline:
			reply(w, []*models.Update{}, 0, "", 0)
			return
		case <-s.closing:
			reply(w, []*models.Update{}, 0, "", 0)
			return
		case <-r.Context().Done():
			return
		}
	}
}

func (s *Server) sendMessage(w http.ResponseWriter, p map[string]string) {
	chat, err := strconv.ParseInt(p["chat_id"], 10, 64)
	if err != nil {
		reply(w, nil, 400, "Bad Request: chat not found", 0)
		return
	}
	text, html, kb, problem := content(p)
	if problem != "" {
		reply(w, nil, 400, problem, 0)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.admit(w, chat) {
		return
	}
	m := s.record(Sent{ChatID: chat, Text: text, HTML: html, Keyboard: kb})
	reply(w, models.Message{ID: m.MessageID, Chat: models.Chat{ID: chat, Type: models.ChatTypePrivate}, Text: text, Date: int(m.At.Unix())}, 0, "", 0)
}

// admit answers, as Telegram would, a message to a chat that blocked the
// bot, a failure the test asked for, or a call over the rate limit, and
// reports whether the message may be sent. s.mu is held.
func (s *Server) admit(w http.ResponseWriter, chat int64) bool {
	if s.blocked[chat] {
		reply(w, nil, 403, "Forbidden: bot was blocked by the user", 0)
		return false
	}
	if f := s.fail[chat]; len(f) > 0 {
		s.fail[chat] = f[1:]
		desc := "Internal Server Error"
		if f[0].Code == 429 {
			desc = "Too Many Requests: retry after " + strconv.Itoa(f[0].RetryAfter)
		}
		reply(w, nil, f[0].Code, desc, f[0].RetryAfter)
		return false
	}
	if s.limit > 0 {
		now := time.Now()
		for len(s.recent) > 0 && now.Sub(s.recent[0]) >= time.Second {
			s.recent = s.recent[1:]
		}
		if len(s.recent) >= s.limit {
			s.limited++
			reply(w, nil, 429, "Too Many Requests: retry after 1", 1)
			return false
		}
		s.recent = append(s.recent, now)
	}
	return true
}

// record keeps a message as sent, giving it the next id. s.mu is held.
func (s *Server) record(m Sent) Sent {
	s.nextMsg++
	m.MessageID, m.At = s.nextMsg, time.Now()
	s.byChat[m.ChatID] = append(s.byChat[m.ChatID], len(s.sent))
	s.sent = append(s.sent, m)
	s.changes.Signal()
	return m
}

// sendFile sends a document or a photo (field is "document" or "photo"),
// as Telegram does: uploaded in the multipart form (at most MaxUpload
// bytes), or named by the file_id of a file the server holds, which must
// be of the same kind; a caption of at most MaxCaption characters, parsed
// as HTML when parse_mode says so.
func (s *Server) sendFile(w http.ResponseWriter, p map[string]string, uploads map[string]*multipart.FileHeader, field string) {
	chat, err := strconv.ParseInt(p["chat_id"], 10, 64)
	if err != nil {
		reply(w, nil, 400, "Bad Request: chat not found", 0)
		return
	}
	caption, html := p["caption"], ""
	if p["parse_mode"] == "HTML" {
		html = caption
		if caption, err = parseHTML(caption); err != nil {
			reply(w, nil, 400, "Bad Request: can't parse entities: "+err.Error(), 0)
			return
		}
	}
	if len(utf16.Encode([]rune(caption))) > MaxCaption {
		reply(w, nil, 400, "Bad Request: message caption is too long", 0)
		return
	}
	var kb *models.InlineKeyboardMarkup
	if raw := p["reply_markup"]; raw != "" {
		kb = &models.InlineKeyboardMarkup{}
		if err := json.Unmarshal([]byte(raw), kb); err != nil {
			reply(w, nil, 400, "Bad Request: can't parse reply keyboard markup JSON object", 0)
			return
		}
	}
	var upload []byte
	var name string
	if fh := uploads[field]; fh != nil {
		if fh.Size > MaxUpload {
			reply(w, nil, 413, "Request Entity Too Large", 0)
			return
		}
		f, err := fh.Open()
		if err == nil {
			upload, err = io.ReadAll(f)
			f.Close()
		}
		if err != nil {
			reply(w, nil, 400, "Bad Request: can't read the file", 0)
			return
		}
		name = fh.Filename
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var file *File
	switch id := p[field]; {
	case upload != nil:
		file = s.addFile(name, mimeOf(name), upload, field == "photo")
	case id == "":
		reply(w, nil, 400, "Bad Request: there is no "+field+" in the request", 0)
		return
	case s.files[id] == nil:
		reply(w, nil, 400, "Bad Request: wrong file identifier/HTTP URL specified", 0)
		return
	case s.files[id].Photo != (field == "photo"):
		reply(w, nil, 400, "Bad Request: wrong file identifier/HTTP URL specified: can't use file of another type as "+field, 0)
		return
	default:
		file = s.files[id]
	}
	if !s.admit(w, chat) {
		return
	}
	m := s.record(Sent{ChatID: chat, Text: caption, HTML: html, Keyboard: kb, File: file})
	msg := models.Message{ID: m.MessageID, Chat: models.Chat{ID: chat, Type: models.ChatTypePrivate}, Caption: caption, Date: int(m.At.Unix())}
	if file.Photo {
		msg.Photo = []models.PhotoSize{{FileID: file.ID, FileUniqueID: file.UniqueID, FileSize: len(file.Data)}}
	} else {
		msg.Document = &models.Document{FileID: file.ID, FileUniqueID: file.UniqueID, FileName: file.Name, MimeType: file.MIME, FileSize: int64(len(file.Data))}
	}
	reply(w, msg, 0, "", 0)
}

// AddFile puts a file on the server as if a user had sent it, and returns
// it with its file_id.
func (s *Server) AddFile(name, mime string, data []byte, photo bool) File {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.addFile(name, mime, data, photo)
}

func (s *Server) addFile(name, mime string, data []byte, photo bool) *File {
	n := len(s.files) + 1
	f := &File{ID: fmt.Sprintf("BQACAgIAAxkB%06d", n), UniqueID: fmt.Sprintf("AgAD%04d", n), Name: name, MIME: mime, Data: data, Photo: photo}
	s.files[f.ID] = f
	return f
}

// mimeOf is the media type Telegram gives a document, from its name.
func mimeOf(name string) string {
	if t := mime.TypeByExtension(filepath.Ext(name)); t != "" {
		t, _, _ = strings.Cut(t, ";")
		return t
	}
	return "application/octet-stream"
}

// content reads a message's text, as Telegram shows it (HTML parsed when
// parse_mode is HTML) and its keyboard, or says why Telegram refuses them.
func content(p map[string]string) (text, html string, kb *models.InlineKeyboardMarkup, problem string) {
	text = p["text"]
	if p["parse_mode"] == "HTML" {
		html = text
		plain, err := parseHTML(text)
		if err != nil {
			return "", "", nil, "Bad Request: can't parse entities: " + err.Error()
		}
		text = plain
	}
	if n := len(utf16.Encode([]rune(text))); n == 0 || n > 4096 {
		return "", "", nil, fmt.Sprintf("Bad Request: message text length %d", n)
	}
	if raw := p["reply_markup"]; raw != "" {
		kb = &models.InlineKeyboardMarkup{}
		if err := json.Unmarshal([]byte(raw), kb); err != nil {
			return "", "", nil, "Bad Request: can't parse reply keyboard markup JSON object"
		}
		for _, row := range kb.InlineKeyboard {
			for _, b := range row {
				if n := len(b.CallbackData); n < 1 || n > 64 {
					return "", "", nil, "Bad Request: BUTTON_DATA_INVALID"
				}
			}
		}
	}
	return text, html, kb, ""
}

// parseHTML reads Telegram's HTML as it does: the tags it knows, closed in
// order, and the four entities; it returns the text shown.
func parseHTML(s string) (string, error) {
	var out strings.Builder
	var open []string
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				return "", fmt.Errorf("unclosed start tag at byte offset %d", i)
			}
			tag := s[i+1 : i+end]
			i += end + 1
			if closing, ok := strings.CutPrefix(tag, "/"); ok {
				if len(open) == 0 || open[len(open)-1] != closing {
					return "", fmt.Errorf("unmatched end tag %q", closing)
				}
				open = open[:len(open)-1]
				continue
			}
			name, _, _ := strings.Cut(tag, " ")
			switch name {
			case "b", "i", "u", "s", "code", "pre", "a", "blockquote":
				open = append(open, name)
			default:
				return "", fmt.Errorf("unsupported start tag %q", name)
			}
		case '&':
			end := strings.IndexByte(s[i:], ';')
			if end < 0 {
				return "", fmt.Errorf("unclosed entity at byte offset %d", i)
			}
			ent := s[i : i+end+1]
			if num, ok := strings.CutPrefix(ent[1:len(ent)-1], "#"); ok {
				// Numeric entities are supported, decimal or hex.
				base := 10
				if hex, ok := strings.CutPrefix(strings.ToLower(num), "x"); ok {
					num, base = hex, 16
				}
				code, err := strconv.ParseInt(num, base, 32)
				if err != nil {
					return "", fmt.Errorf("unsupported entity %q", ent)
				}
				out.WriteRune(rune(code))
				i += end + 1
				continue
			}
			switch ent {
			case "&lt;":
				out.WriteByte('<')
			case "&gt;":
				out.WriteByte('>')
			case "&amp;":
				out.WriteByte('&')
			case "&quot;":
				out.WriteByte('"')
			default:
				return "", fmt.Errorf("unsupported entity %q", s[i:i+end+1])
			}
			i += end + 1
		default:
			out.WriteByte(s[i])
			i++
		}
	}
	if len(open) > 0 {
		return "", fmt.Errorf("unclosed tag %q", open[len(open)-1])
	}
	return out.String(), nil
}

// editMessageText changes a message the bot sent, as Telegram does: the
// same content again is refused as "not modified".
func (s *Server) editMessageText(w http.ResponseWriter, p map[string]string) {
	chat, _ := strconv.ParseInt(p["chat_id"], 10, 64)
	id, _ := strconv.Atoi(p["message_id"])
	text, html, kb, problem := content(p)
	if problem != "" {
		reply(w, nil, 400, problem, 0)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, i := range s.byChat[chat] {
		m := &s.sent[i]
		if m.MessageID != id {
			continue
		}
		if m.Text == text && m.HTML == html && keyboardJSON(m.Keyboard) == keyboardJSON(kb) {
			reply(w, nil, 400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message", 0)
			return
		}
		m.Text, m.HTML, m.Keyboard = text, html, kb
		m.Edits++
		s.changes.Signal()
		reply(w, models.Message{ID: id, Chat: models.Chat{ID: chat, Type: models.ChatTypePrivate}, Text: text, Date: int(time.Now().Unix())}, 0, "", 0)
		return
	}
	// A message this server did not send (a test that edits by hand).
	reply(w, models.Message{ID: id, Chat: models.Chat{ID: chat, Type: models.ChatTypePrivate}, Text: text, Date: int(time.Now().Unix())}, 0, "", 0)
}

func keyboardJSON(kb *models.InlineKeyboardMarkup) string {
	if kb == nil {
		return ""
	}
	b, _ := json.Marshal(kb)
	return string(b)
}

// parseParams reads a request's parameters from a multipart form (the
// client library) or a JSON body, and the files uploaded in a form.
func parseParams(r *http.Request) (map[string]string, map[string]*multipart.FileHeader, error) {
	out := map[string]string{}
	files := map[string]*multipart.FileHeader{}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			if errors.Is(err, io.EOF) || strings.HasSuffix(err.Error(), "EOF") {
				return out, files, nil // a method called without parameters
			}
			return nil, nil, err
		}
		for k, v := range r.MultipartForm.Value {
			out[k] = v[0]
		}
		for k, v := range r.MultipartForm.File {
			files[k] = v[0]
		}
	case "application/json":
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, nil, err
		}
		if err := platformtest.JSONParams(body, out); err != nil {
			return nil, nil, err
		}
	}
	return out, files, nil
}

func reply(w http.ResponseWriter, result any, code int, desc string, retryAfter int) {
	w.Header().Set("Content-Type", "application/json")
	body := map[string]any{"ok": code == 0}
	if code == 0 {
		body["result"] = result
	} else {
		w.WriteHeader(code)
		body["error_code"], body["description"] = code, desc
		if retryAfter > 0 {
			body["parameters"] = map[string]int{"retry_after": retryAfter}
		}
	}
	_ = json.NewEncoder(w).Encode(body)
}

// Text returns a private text message update from user.
func Text(user int64, lang, text string) *models.Update {
	return &models.Update{Message: &models.Message{
		ID:   int(time.Now().UnixNano() % 1e9),
		Date: int(time.Now().Unix()),
		From: &models.User{ID: user, FirstName: "Seller", LanguageCode: lang},
		Chat: models.Chat{ID: user, Type: models.ChatTypePrivate},
		Text: text,
	}}
}

// Click returns a callback query update: user pressed the button with data
// under message m.
func Click(user int64, m Sent, data string) *models.Update {
	return &models.Update{CallbackQuery: &models.CallbackQuery{
		ID:   "cb" + strconv.FormatInt(time.Now().UnixNano(), 36),
		From: models.User{ID: user, FirstName: "Seller"},
		Message: models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeMessage, Message: &models.Message{
			ID: m.MessageID, Chat: models.Chat{ID: m.ChatID, Type: models.ChatTypePrivate}, Text: m.Text, ReplyMarkup: m.Keyboard,
			Date: int(m.At.Unix()),
		}},
		Data: data,
	}}
}

// Document returns a private message from user carrying a document the
// server holds (see AddFile), with a caption.
func Document(user int64, lang, caption string, f File) *models.Update {
	u := Text(user, lang, "")
	u.Message.Caption = caption
	if f.Photo {
		u.Message.Photo = []models.PhotoSize{
			{FileID: f.ID + "-small", FileUniqueID: f.UniqueID + "-small", Width: 90, Height: 67, FileSize: 1500},
			{FileID: f.ID, FileUniqueID: f.UniqueID, Width: 1280, Height: 960, FileSize: len(f.Data)},
		}
		return u
	}
	u.Message.Document = &models.Document{FileID: f.ID, FileUniqueID: f.UniqueID, FileName: f.Name, MimeType: f.MIME, FileSize: int64(len(f.Data))}
	return u
}

// ReplyTo makes a message update a reply to a message the bot sent, as
// Telegram delivers it: the message replied to comes whole, with its
// keyboard.
func ReplyTo(u *models.Update, m Sent) *models.Update {
	u.Message.ReplyToMessage = &models.Message{ID: m.MessageID, Chat: models.Chat{ID: m.ChatID, Type: models.ChatTypePrivate},
		From: &models.User{ID: 123456, IsBot: true, FirstName: "Onboard", Username: Username}, Text: m.Text, ReplyMarkup: m.Keyboard, Date: int(m.At.Unix())}
	return u
}
