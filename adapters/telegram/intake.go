package telegram

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/onboardbot/onboardbot/bot"
)

// MaxBody bounds a webhook request body.
const MaxBody = 1 << 20

// WebhookHandler receives updates at POST /telegram/webhook. It checks the
// secret in constant time, handles the update and commits it, and only then
// answers 200; a failed commit answers 500 so Telegram delivers again.
func (a *Adapter) WebhookHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
		if a.cfg.WebhookSecret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(a.cfg.WebhookSecret)) != 1 {
			a.refusals.Refused("secret", "telegram webhook: wrong or missing secret token", "remote", r.RemoteAddr)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
		if err != nil {
			http.Error(w, "body too large or unreadable", http.StatusRequestEntityTooLarge)
			return
		}
		var u models.Update
		if err := json.Unmarshal(body, &u); err != nil || u.ID == 0 {
			a.log.Warn("telegram webhook: malformed update", "err", err)
			http.Error(w, "malformed update", http.StatusBadRequest)
			return
		}
		// The update is handled to the end even if Telegram hangs up: what
		// was started is committed.
		if err := a.HandleUpdate(context.WithoutCancel(r.Context()), &u); err != nil {
			a.log.Error("telegram webhook: handle update", "update", u.ID, "err", err)
			http.Error(w, "try again", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// Poll receives updates by long polling until ctx is done. It asks for the
// next offset (which confirms the batch to Telegram) only after every update
// of the batch was committed; a batch that failed is fetched again, and what
// of it was already committed is recognised and skipped.
func (a *Adapter) Poll(ctx context.Context) error {
	// getUpdates refuses to work while a webhook is set.
	if _, err := a.api.DeleteWebhook(ctx, &tg.DeleteWebhookParams{}); err != nil && ctx.Err() == nil {
		return fmt.Errorf("telegram: deleteWebhook before polling: %w", err)
	}
	var offset int64
	backoff := time.Second
	for ctx.Err() == nil {
		updates, err := a.getUpdates(ctx, offset)
		if err == nil {
			err = a.handleBatch(context.WithoutCancel(ctx), updates)
		}
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			a.log.Error("telegram polling", "err", err, "retry_in", backoff)
			if !sleep(ctx, backoff) {
				break
			}
			backoff = min(backoff*2, 30*time.Second)
			continue
		}
		backoff = time.Second
		for _, u := range updates {
			offset = max(offset, u.ID+1)
		}
	}
	return nil
}

// getUpdates is one long-polling request. The client library's own polling
// loop confirms updates before they are handled, so this one is ours.
func (a *Adapter) getUpdates(ctx context.Context, offset int64) ([]*models.Update, error) {
	params, _ := json.Marshal(map[string]any{
		"offset":  offset,
		"timeout": int(a.cfg.PollTimeout / time.Second),
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.cfg.ServerURL+"/bot"+a.cfg.Token+"/getUpdates", bytes.NewReader(params))
	if err != nil {
		return nil, errors.New("getUpdates: cannot build request") // the error would carry the token
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.cfg.HTTPClient.Do(req)
	if err != nil {
		var uerr interface{ Unwrap() error }
		if errors.As(err, &uerr) {
			err = uerr.Unwrap() // drop the URL, which holds the token
		}
		return nil, fmt.Errorf("getUpdates: %w", err)
	}
	defer resp.Body.Close()
	var out struct {
		OK          bool             `json:"ok"`
		Result      []*models.Update `json:"result"`
		ErrorCode   int              `json:"error_code"`
		Description string           `json:"description"`
		Parameters  map[string]any   `json:"parameters"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&out); err != nil {
		return nil, fmt.Errorf("getUpdates: decode answer (HTTP %d): %w", resp.StatusCode, err)
	}
	if !out.OK {
		return nil, fmt.Errorf("getUpdates: %d %s", out.ErrorCode, out.Description)
	}
	return out.Result, nil
}

// handleBatch handles a batch of updates: one chat's updates in order,
// different chats in parallel. It returns the first error.
func (a *Adapter) handleBatch(ctx context.Context, updates []*models.Update) error {
	byChat := map[int64][]*models.Update{}
	var order []int64
	for _, u := range updates {
		c := chatOf(u)
		if _, ok := byChat[c]; !ok {
			order = append(order, c)
		}
		byChat[c] = append(byChat[c], u)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(order))
	for i, c := range order {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, u := range byChat[c] {
				if err := a.HandleUpdate(ctx, u); err != nil {
					errs[i] = fmt.Errorf("update %d: %w", u.ID, err)
					return // later updates of this chat wait for the retry, in order
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// chatOf is the chat an update belongs to, for ordering.
func chatOf(u *models.Update) int64 {
	switch {
	case u.Message != nil:
		return u.Message.Chat.ID
	case u.CallbackQuery != nil:
		return u.CallbackQuery.From.ID
	case u.EditedMessage != nil:
		return u.EditedMessage.Chat.ID
	}
	return 0
}

// HandleUpdate handles one update and commits it. Updates of one chat are
// handled one at a time.
func (a *Adapter) HandleUpdate(ctx context.Context, u *models.Update) error {
	defer a.lock(chatOf(u))()
	updateID := strconv.FormatInt(u.ID, 10)
	switch {
	case u.Message != nil && u.Message.From != nil:
		return a.message(ctx, updateID, u.Message)
	case u.CallbackQuery != nil:
		return a.callback(ctx, updateID, u.CallbackQuery)
	default:
		// Edited messages, channel posts, membership changes...: recorded,
		// so they are not delivered again, and not answered.
		return a.core.Skip(ctx, Platform, updateID)
	}
}

func (a *Adapter) message(ctx context.Context, updateID string, m *models.Message) error {
	in := bot.Inbound{
		Platform: Platform,
		UserID:   id(m.From.ID),
		ChatID:   id(m.Chat.ID),
		UpdateID: updateID,
		Text:     m.Text,
		LangHint: m.From.LanguageCode,
		Name:     strings.TrimSpace(m.From.FirstName + " " + m.From.LastName),
	}
	group := m.Chat.Type == models.ChatTypeGroup || m.Chat.Type == models.ChatTypeSupergroup
	switch {
	case anonymous(m):
		// Every anonymous admin, in every group, has the same sender: taken
		// as a seller, they would all share one onboarding.
		if err := a.core.Skip(ctx, Platform, updateID); err != nil {
			return err
		}
		if group && a.addressedToMe(m.Text) {
			a.groupNotice(m, a.anonymousHint())
		}
		return nil
	case m.Chat.Type == models.ChatTypePrivate:
		// A private chat's id is its user's id; taking the sender's own id
		// means a forged update cannot write into someone else's chat.
		in.ChatID = id(m.From.ID)
		if in.Attachment = attachment(m); in.Attachment != nil {
			in.Text = m.Caption
		}
		in.Unsupported = in.Text == "" && in.Attachment == nil
	case group && a.addressedToMe(m.Text):
		// Onboarding is private: the answer goes to the seller's own chat.
		in.ChatID = id(m.From.ID)
	default:
		return a.core.Skip(ctx, Platform, updateID)
	}
	replies, err := a.core.Handle(ctx, in)
	if err != nil {
		return err
	}
	if group && len(replies) > 0 {
		a.groupNotice(m, a.answeredPrivately())
	}
	return nil
}

// groupAnonymousBot is the sender Telegram puts on the messages of a
// group's anonymous admins (@GroupAnonymousBot).
const groupAnonymousBot = 1087968824

// anonymous reports whether a message hides who sent it: an anonymous
// admin's, or one sent on behalf of a channel or of the group itself.
func anonymous(m *models.Message) bool {
	return m.SenderChat != nil || m.From.ID == groupAnonymousBot
}

// addressedToMe reports whether a group message is a command for this bot
// (/status@thisbot). Commands for every bot (/status) are left to the
// bot the group means.
func (a *Adapter) addressedToMe(text string) bool {
	if !strings.HasPrefix(text, "/") {
		return false
	}
	cmd, _, _ := strings.Cut(strings.Fields(text)[0], " ")
	_, to, ok := strings.Cut(cmd, "@")
	return ok && strings.EqualFold(to, a.username)
}

// answeredPrivately tells a group that the answer went to a private chat.
func (a *Adapter) answeredPrivately() string {
	return "📩 I have answered you in a private chat with @" + a.username + " (open it and press Start if you see nothing).\n" +
		"📩 已私信回复你；如果没收到，请先打开与 @" + a.username + " 的对话并点击 Start。"
}

// anonymousHint tells an anonymous admin, or someone writing as a channel,
// to write from their own account.
func (a *Adapter) anonymousHint() string {
	return "🔒 I cannot tell who writes as an anonymous admin or as a channel, so I cannot keep your progress. Please write to @" + a.username + " from your own account, in a private chat.\n" +
		"🔒 以匿名管理员或频道身份发言时，我无法识别你是谁，也就无法保存进度。请用你自己的账号私聊 @" + a.username + "。"
}

// groupNotice posts text in a group, in reply to m. It is a courtesy: the
// seller's own reply is in the outbox. Notices to one group keep to the
// per-chat rate and to Telegram's limit for groups.
func (a *Adapter) groupNotice(m *models.Message, text string) {
	chat := id(m.Chat.ID)
	a.courtesies.add(chat, courtesy{what: "group notice", call: func(ctx context.Context) error {
		if err := a.groups.Wait(ctx, chat, false); err != nil {
			return err
		}
		if err := a.pace.Wait(ctx, chat, false); err != nil {
			return err
		}
		_, err := a.api.SendMessage(ctx, &tg.SendMessageParams{ChatID: m.Chat.ID, Text: text,
			ReplyParameters: &models.ReplyParameters{MessageID: m.ID, AllowSendingWithoutReply: true}})
		return err
	}})
}

// callback handles a button click. callback_data is "c:<outbox id>:<choice
// index>", resolved against the stored message, so buttons work after a
// restart and no answer text travels in the 64-byte field.
func (a *Adapter) callback(ctx context.Context, updateID string, q *models.CallbackQuery) error {
	in := bot.Inbound{
		Platform: Platform,
		UserID:   id(q.From.ID),
		ChatID:   id(q.From.ID),
		UpdateID: updateID,
		LangHint: q.From.LanguageCode,
		Name:     strings.TrimSpace(q.From.FirstName + " " + q.From.LastName),
	}
	// Buttons only come in private chats, whose id is the user's: the
	// button must belong to a message in the clicker's own chat.
	msg := q.Message.Message
	chat := in.ChatID
	in.Button = &bot.Button{Data: q.Data, InChat: func(c string) bool { return c == chat }}
	if msg != nil {
		in.Button.Message = strconv.Itoa(msg.ID)
	}
	replies, err := a.core.Handle(ctx, in)
	if err != nil {
		return err
	}
	// The acknowledgement (Telegram shows a spinner until it comes) and the
	// edit are courtesies after the commit. They have a lane and a rate of
	// their own per seller rather than the seller's chat's: they are not new
	// messages, so they must not hold back the reply the seller waits for,
	// and one seller's clicks still take no more than the per-chat rate.
	notice := ""
	if len(replies) > 0 {
		notice = replies[0].Notice
	}
	lane := "click:" + in.UserID
	calls := []courtesy{{what: "answerCallbackQuery", call: func(ctx context.Context) error {
		if err := a.pace.Wait(ctx, lane, false); err != nil {
			return err
		}
		_, err := a.api.AnswerCallbackQuery(ctx, &tg.AnswerCallbackQueryParams{CallbackQueryID: q.ID, Text: notice})
		return err
	}}}
	if len(replies) > 0 && replies[0].Clicked != nil && msg != nil {
		edited := truncate(msg.Text+"\n\n✅ "+replies[0].Clicked.Label, maxText)
		calls = append(calls, courtesy{what: "edit answered question", call: func(ctx context.Context) error {
			if err := a.pace.Wait(ctx, lane, false); err != nil {
				return err
			}
			_, err := a.api.EditMessageText(ctx, &tg.EditMessageTextParams{ChatID: msg.Chat.ID, MessageID: msg.ID, Text: edited})
			return err
		}})
	}
	a.courtesies.add(lane, calls...)
	return nil
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// attachment is the document or photo a message carries (the largest size
// of a photo), nil if none. A reply to one of the bot's messages names it
// by the data of its first button, which the core resolves.
func attachment(m *models.Message) *bot.Attachment {
	var a *bot.Attachment
	switch {
	case m.Document != nil:
		d := m.Document
		a = &bot.Attachment{Ref: d.FileID, UniqueID: d.FileUniqueID, Name: d.FileName, MIME: d.MimeType, Size: d.FileSize}
	case len(m.Photo) > 0:
		p := m.Photo[0]
		for _, q := range m.Photo[1:] {
			if q.Width*q.Height > p.Width*p.Height {
				p = q
			}
		}
		a = &bot.Attachment{Ref: p.FileID, UniqueID: p.FileUniqueID, Name: "photo-" + p.FileUniqueID + ".jpg", MIME: "image/jpeg", Size: int64(p.FileSize), Photo: true}
	default:
		return nil
	}
	if r := m.ReplyToMessage; r != nil && r.ReplyMarkup != nil {
		for _, row := range r.ReplyMarkup.InlineKeyboard {
			for _, b := range row {
				if a.ReplyTo == "" && b.CallbackData != "" {
					a.ReplyTo = b.CallbackData
				}
			}
		}
	}
	return a
}
