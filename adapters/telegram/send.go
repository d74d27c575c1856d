package telegram

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/onboardbot/onboardbot/adapters/textcut"
	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/bot/outbox"
)

// maxText is Telegram's limit on one message, in UTF-16 code units.
const maxText = 4096

// Send delivers one outbox message: split at line boundaries when longer
// than Telegram allows, choices as an inline keyboard under the last part.
// It waits for the overall and per-chat rate limits (announcements after
// replies). A 429 is returned as *outbox.RetryAfterError and a blocked bot as
// outbox.ErrUnreachable; the parts of a split reply already delivered are not
// sent again on the retry. The ref is the last message's id.
func (a *Adapter) Send(ctx context.Context, r bot.Reply) (string, error) {
	chat, err := strconv.ParseInt(r.ChatID, 10, 64)
	if err != nil {
		return "", fmt.Errorf("%w: chat id %q is not a Telegram chat", outbox.ErrUnreachable, r.ChatID)
	}
	parts := render(r)
	if r.File != nil {
		return a.sendFile(ctx, chat, r, parts)
	}
	if r.Replaces != "" && len(parts) == 1 {
		if ref, ok, err := a.replace(ctx, chat, r, parts[0]); ok || err != nil {
			return ref, err
		}
	}
	return a.parts.Send(r.ID, len(parts), func(i int) (string, error) {
		if err := a.pace.Wait(ctx, r.ChatID, r.Kind == bot.KindAnnouncement); err != nil {
			return "", err
		}
		p := &tg.SendMessageParams{ChatID: chat, Text: parts[i], ParseMode: models.ParseModeHTML, LinkPreviewOptions: noPreview}
		if i == len(parts)-1 && len(r.Choices) > 0 {
			p.ReplyMarkup = keyboard(r)
		}
		m, err := a.api.SendMessage(ctx, p)
		if err != nil {
			return "", mapError(err)
		}
		return strconv.Itoa(m.ID), nil
	})
}

// Telegram's limits on a file a bot sends.
const (
	maxUpload  = 50 << 20 // bytes uploaded
	maxCaption = 1024     // characters of a caption
)

// sendFile sends a reply that carries a file: a document uploaded (an
// export) or sent again by its file_id (a seller's certificate; a photo
// as a photo), with the text as its caption and the choices under it.
// A text too long for a caption goes first, as messages of its own.
func (a *Adapter) sendFile(ctx context.Context, chat int64, r bot.Reply, parts []string) (string, error) {
	f := r.File
	if len(f.Data) > maxUpload {
		return "", fmt.Errorf("%w: %s is %d bytes, over the %d a bot may send", outbox.ErrPermanent, f.Name, len(f.Data), maxUpload)
	}
	caption := ""
	if len(parts) == 1 && length(parts[0]) <= maxCaption {
		caption, parts = parts[0], nil
	}
	return a.parts.Send(r.ID, len(parts)+1, func(i int) (string, error) {
		if err := a.pace.Wait(ctx, r.ChatID, r.Kind == bot.KindAnnouncement); err != nil {
			return "", err
		}
		var markup models.ReplyMarkup
		if i == len(parts) && len(r.Choices) > 0 {
			markup = keyboard(r) // under the file, the last message
		}
		var m *models.Message
		var err error
		switch {
		case i < len(parts):
			m, err = a.api.SendMessage(ctx, &tg.SendMessageParams{ChatID: chat, Text: parts[i], ParseMode: models.ParseModeHTML, LinkPreviewOptions: noPreview})
		case f.Photo && len(f.Data) == 0:
			m, err = a.api.SendPhoto(ctx, &tg.SendPhotoParams{ChatID: chat, Photo: &models.InputFileString{Data: f.Ref},
				Caption: caption, ParseMode: models.ParseModeHTML, ReplyMarkup: markup})
		default:
			var doc models.InputFile = &models.InputFileString{Data: f.Ref}
			if len(f.Data) > 0 {
				doc = &models.InputFileUpload{Filename: f.Name, Data: bytes.NewReader(f.Data)}
			}
			m, err = a.api.SendDocument(ctx, &tg.SendDocumentParams{ChatID: chat, Document: doc,
				Caption: caption, ParseMode: models.ParseModeHTML, ReplyMarkup: markup})
		}
		if err != nil {
			return "", mapError(err)
		}
		return strconv.Itoa(m.ID), nil
	})
}

// noPreview keeps Telegram from showing a link's page under a message: a
// source URL would take half a phone screen.
var noPreview = &models.LinkPreviewOptions{IsDisabled: &[]bool{true}[0]}

// replace edits the message r takes the place of (a question showing what
// is ticked). It reports false when that message cannot be edited (gone,
// too old): then r is sent as a new message.
func (a *Adapter) replace(ctx context.Context, chat int64, r bot.Reply, text string) (string, bool, error) {
	msg, err := strconv.Atoi(r.Replaces)
	if err != nil {
		return "", false, nil
	}
	if err := a.pace.Wait(ctx, r.ChatID, false); err != nil {
		return "", false, err
	}
	_, err = a.api.EditMessageText(ctx, &tg.EditMessageTextParams{ChatID: chat, MessageID: msg, Text: text,
		ParseMode: models.ParseModeHTML, LinkPreviewOptions: noPreview, ReplyMarkup: keyboard(r)})
	switch {
	case err == nil, errors.Is(err, tg.ErrorBadRequest) && strings.Contains(err.Error(), "not modified"):
		return r.Replaces, true, nil
	case errors.Is(err, tg.ErrorBadRequest):
		return "", false, nil
	}
	return "", false, mapError(err)
}

// Edit replaces the text of a message the bot sent (and drops its keyboard).
func (a *Adapter) Edit(ctx context.Context, chatID, ref, text string) error {
	chat, err1 := strconv.ParseInt(chatID, 10, 64)
	msg, err2 := strconv.Atoi(ref)
	if err1 != nil || err2 != nil {
		return fmt.Errorf("telegram: cannot edit message %q in chat %q", ref, chatID)
	}
	if err := a.pace.Wait(ctx, chatID, false); err != nil {
		return err
	}
	_, err := a.api.EditMessageText(ctx, &tg.EditMessageTextParams{ChatID: chat, MessageID: msg, Text: truncate(text, maxText)})
	return mapError(err)
}

// keyboard renders a reply's choices: short labels share a row (three
// of up to 8 characters, two of up to 16), long ones have a row each, so a
// checklist's item numbers do not make a phone scroll. The callback data
// names the stored message and the choice's index (see callback).
func keyboard(r bot.Reply) *models.InlineKeyboardMarkup {
	var rows [][]models.InlineKeyboardButton
	perRow := func(label string) int {
		switch n := len([]rune(label)); {
		case n <= 8:
			return 3
		case n <= 16:
			return 2
		}
		return 1
	}
	fit := 0 // how many the current row may hold
	for i, c := range r.Choices {
		b := models.InlineKeyboardButton{Text: c.Label, CallbackData: bot.ButtonID(r.ID, i)}
		w := perRow(c.Label)
		if len(rows) > 0 && len(rows[len(rows)-1]) < min(fit, w) {
			rows[len(rows)-1] = append(rows[len(rows)-1], b)
			fit = min(fit, w)
			continue
		}
		rows = append(rows, []models.InlineKeyboardButton{b})
		fit = w
	}
	return &models.InlineKeyboardMarkup{InlineKeyboard: rows}
}

// mapError turns the client's errors into the dispatcher's.
func mapError(err error) error {
	var tooMany *tg.TooManyRequestsError
	switch {
	case errors.As(err, &tooMany):
		return &outbox.RetryAfterError{After: time.Duration(max(tooMany.RetryAfter, 1)) * time.Second, Err: err}
	case errors.Is(err, tg.ErrorForbidden):
		return fmt.Errorf("%w: %v", outbox.ErrUnreachable, err)
	case errors.Is(err, tg.ErrorBadRequest) && strings.Contains(strings.ToLower(err.Error()), "chat not found"):
		return fmt.Errorf("%w: %v", outbox.ErrUnreachable, err)
	case errors.Is(err, tg.ErrorBadRequest):
		// The message itself is refused (too long after splitting, bad
		// markup): sending it again cannot help.
		return fmt.Errorf("%w: %v", outbox.ErrPermanent, err)
	}
	// Network errors, timeouts, 5xx and the like: the dispatcher retries.
	return err
}

// units is how Telegram counts text: UTF-16 code units.
func units(r rune) int { return utf16.RuneLen(r) }

// Split cuts text into messages of at most limit UTF-16 units, at line ends
// where it can.
func Split(text string, limit int) []string { return textcut.Split(text, limit, units) }

// truncate shortens s to at most limit UTF-16 units.
func truncate(s string, limit int) string { return textcut.Truncate(s, limit, units) }
