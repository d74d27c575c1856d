package slack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf16"

	slackapi "github.com/slack-go/slack"

	"github.com/onboardbot/onboardbot/adapters/textcut"
	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/bot/outbox"
)

// Slack's limits on one message.
const (
	maxSection     = 3000  // characters of a section block's text
	maxMessageText = 40000 // characters of a message's text
	maxBlocks      = 50    // blocks in a message
	maxButtons     = 25    // elements in an actions block
	maxButtonText  = 75    // characters of a button's label
	maxHeader      = 150   // characters of a header block
	maxContext     = 2000  // characters of a context block's text
)

// The adapter is the dispatcher's sender, and edits admins' progress messages.
var (
	_ outbox.Sender = (*Adapter)(nil)
	_ bot.Editor    = (*Adapter)(nil)
)

// unreachable are the chat.postMessage errors that mean the seller cannot
// be written to until they write again.
var unreachable = map[string]bool{
	"channel_not_found":       true,
	"is_archived":             true,
	"not_in_channel":          true,
	"cannot_dm_bot":           true,
	"messages_tab_disabled":   true,
	"account_inactive":        true,
	"user_disabled":           true,
	"user_not_found":          true,
	"user_not_visible":        true,
	"team_access_not_granted": true,
	"restricted_action":       true,
	"ekm_access_denied":       true,
}

// Send delivers one outbox message to a channel, or to a thread when the
// chat is "<channel>/<thread_ts>": Block Kit sections with the choices as
// buttons under the last one, split into several messages when longer than
// Slack allows. It waits for the overall and per-channel rate limits
// (announcements after replies). A 429 is returned as *outbox.RetryAfterError
// and a gone recipient as outbox.ErrUnreachable; the messages of a split reply
// already delivered are not sent again on the retry. The ref is the last
// message's ts.
func (a *Adapter) Send(ctx context.Context, r bot.Reply) (string, error) {
	channel, thread := splitChat(r.ChatID)
	if channel == "" {
		return "", fmt.Errorf("%w: chat id %q is not a Slack channel", outbox.ErrUnreachable, r.ChatID)
	}
	msgs := render(a.hints.reply(r))
	if r.File != nil {
		return a.sendFile(ctx, channel, thread, r, msgs)
	}
	if r.Replaces != "" && len(msgs) == 1 {
		if ref, ok, err := a.replace(ctx, channel, r, msgs[0]); ok || err != nil {
			return ref, err
		}
	}
	return a.parts.Send(r.ID, len(msgs), func(i int) (string, error) {
		return a.post(ctx, channel, thread, r, msgs[i], false)
	})
}

// maxFile is the largest file Slack takes.
const maxFile = 1 << 30

// sendFile sends a reply that carries a file. Bytes are uploaded the way
// Slack asks now (files.getUploadURLExternal, the bytes posted to the URL
// it gives, files.completeUploadExternal sharing the file to the channel),
// with a short text without buttons as the file's comment; a longer text,
// or one with buttons, goes first as messages of its own. A file Slack
// already holds (a seller's certificate) cannot be shared again by the
// bot: its link goes in the message, and Slack shows the file under it.
func (a *Adapter) sendFile(ctx context.Context, channel, thread string, r bot.Reply, msgs []message) (string, error) {
	f := r.File
	if len(f.Data) == 0 {
		return a.parts.Send(r.ID, len(msgs), func(i int) (string, error) {
			m := msgs[i]
			if i == len(msgs)-1 && f.Link != "" {
				m.blocks = append([]slackapi.Block{slackapi.NewSectionBlock(
					slackapi.NewTextBlockObject(slackapi.MarkdownType, "<"+f.Link+"|"+escape(f.Name)+">", false, false), nil, nil)}, m.blocks...)
			}
			return a.post(ctx, channel, thread, r, m, true)
		})
	}
	if len(f.Data) > maxFile {
		return "", fmt.Errorf("%w: %s is %d bytes, over the %d Slack takes", outbox.ErrPermanent, f.Name, len(f.Data), maxFile)
	}
	comment := ""
	if len(msgs) == 1 && len(r.Choices) == 0 && escLen(msgs[0].raw) <= maxSection {
		comment, msgs = msgs[0].text, nil
	}
	return a.parts.Send(r.ID, len(msgs)+1, func(i int) (string, error) {
		if i < len(msgs) {
			return a.post(ctx, channel, thread, r, msgs[i], false)
		}
		if err := a.pace.Wait(ctx, channel, r.Kind == bot.KindAnnouncement); err != nil {
			return "", err
		}
		sum, err := a.api.UploadFileContext(ctx, slackapi.UploadFileParameters{
			Reader: bytes.NewReader(f.Data), FileSize: len(f.Data), Filename: f.Name, Title: f.Name,
			Channel: channel, ThreadTimestamp: thread, InitialComment: comment,
		})
		if err != nil {
			return "", a.mapError(fmt.Errorf("upload %s: %w", f.Name, err), thread == "")
		}
		return sum.ID, nil
	})
}

// post sends one rendered message; unfurl lets Slack show what its links
// point to (a file).
func (a *Adapter) post(ctx context.Context, channel, thread string, r bot.Reply, m message, unfurl bool) (string, error) {
	if err := a.pace.Wait(ctx, channel, r.Kind == bot.KindAnnouncement); err != nil {
		return "", err
	}
	opts := []slackapi.MsgOption{slackapi.MsgOptionText(m.text, false), slackapi.MsgOptionBlocks(m.blocks...)}
	if !unfurl {
		opts = append(opts, slackapi.MsgOptionDisableLinkUnfurl(), slackapi.MsgOptionDisableMediaUnfurl())
	}
	if thread != "" {
		opts = append(opts, slackapi.MsgOptionTS(thread))
	}
	_, ts, err := a.api.PostMessageContext(ctx, channel, opts...)
	if err != nil {
		return "", a.mapError(fmt.Errorf("chat.postMessage: %w", err), thread == "")
	}
	return ts, nil
}

// replace updates the message r takes the place of (a question showing
// what is ticked). It reports false when that message cannot be updated:
// then r is sent as a new message.
func (a *Adapter) replace(ctx context.Context, channel string, r bot.Reply, m message) (string, bool, error) {
	if err := a.pace.Wait(ctx, channel, false); err != nil {
		return "", false, err
	}
	_, _, _, err := a.api.UpdateMessageContext(ctx, channel, r.Replaces,
		slackapi.MsgOptionText(m.text, false), slackapi.MsgOptionBlocks(m.blocks...))
	var answer slackapi.SlackErrorResponse
	switch {
	case err == nil:
		return r.Replaces, true, nil
	case errors.As(err, &answer) && !transient[answer.Err]:
		return "", false, nil // message_not_found, cant_update_message...
	}
	return "", false, a.mapError(fmt.Errorf("chat.update: %w", err), false)
}

// Edit replaces a message the bot sent (an admin's progress message) with
// text, without buttons.
func (a *Adapter) Edit(ctx context.Context, chatID, ref, text string) error {
	channel, _ := splitChat(chatID)
	if channel == "" || ref == "" {
		return fmt.Errorf("slack: cannot edit message %q in chat %q", ref, chatID)
	}
	if err := a.pace.Wait(ctx, channel, false); err != nil {
		return err
	}
	m := single(text)
	_, _, _, err := a.api.UpdateMessageContext(ctx, channel, ref,
		slackapi.MsgOptionText(m.text, false), slackapi.MsgOptionBlocks(m.blocks...))
	if err != nil {
		return a.mapError(fmt.Errorf("chat.update: %w", err), false)
	}
	return nil
}

// mapError turns the client's errors into the dispatcher's. Only a direct
// message's failure makes the seller unreachable: a thread in a channel the
// bot left says nothing about their DM.
func (a *Adapter) mapError(err error, direct bool) error {
	var limited *slackapi.RateLimitedError
	var status slackapi.StatusCodeError
	var answer slackapi.SlackErrorResponse
	switch {
	case errors.As(err, &limited):
		return &outbox.RetryAfterError{After: max(limited.RetryAfter, time.Second), Err: err}
	case errors.As(err, &status) && status.Code == 429:
		return &outbox.RetryAfterError{After: a.cfg.RetryAfter, Err: err}
	case errors.As(err, &answer) && (answer.Err == "ratelimited" || answer.Err == "rate_limited"):
		return &outbox.RetryAfterError{After: a.cfg.RetryAfter, Err: err}
	case errors.As(err, &answer) && unreachable[answer.Err] && direct:
		return fmt.Errorf("%w: %w", outbox.ErrUnreachable, err)
	case errors.As(err, &answer) && unreachable[answer.Err]:
		return fmt.Errorf("%w: %w", outbox.ErrPermanent, err) // the thread is gone, the seller is not
	case errors.As(err, &answer) && !transient[answer.Err]:
		// Slack refused the message itself (msg_too_long, invalid_blocks...):
		// sending it again cannot help.
		return fmt.Errorf("%w: %w", outbox.ErrPermanent, err)
	}
	// Network errors, timeouts, HTTP 5xx and Slack's own transient errors:
	// the dispatcher retries.
	return err
}

// transient are Slack's error answers that a later try can get past.
var transient = map[string]bool{
	"internal_error":      true,
	"fatal_error":         true,
	"service_unavailable": true,
	"request_timeout":     true,
	"team_added_to_org":   true,
	"ratelimited":         true,
	"rate_limited":        true,
}

// splitChat parses a chat id: a channel, or "<channel>/<thread_ts>".
func splitChat(chatID string) (channel, thread string) {
	channel, thread, _ = strings.Cut(chatID, "/")
	return channel, thread
}

// message is one Slack message of a rendered reply.
type message struct {
	raw    string // the text as the core wrote it
	text   string // escaped for Slack: the notification text
	blocks []slackapi.Block
}

// render turns a reply into Slack messages: each block of the reply as
// its Block Kit kind (a header, sections, context in grey for sources and
// hints, dividers), split into as many messages as Slack's limits need,
// and the choices as buttons under the last. A button's action_id and
// value are "c:<outbox id>:<choice index>" (see resolve).
func render(r bot.Reply) []message {
	blocks := r.Blocks
	if len(blocks) == 0 {
		text := r.Text
		if strings.TrimSpace(text) == "" {
			text = "…"
		}
		blocks = []bot.Block{{Kind: bot.BlockText, Text: text}}
	}
	actions := actionBlocks(r)
	room := maxBlocks - len(actions)
	var msgs []message
	var cur message
	curLen := 0
	add := func(raw string, block slackapi.Block, sep string) {
		n := escLen(raw) + 2
		if len(cur.blocks) > 0 && (len(cur.blocks) >= room || curLen+n > maxMessageText) {
			msgs = append(msgs, cur)
			cur, curLen = message{}, 0
		}
		if cur.raw != "" {
			cur.raw += sep
		}
		cur.raw += raw
		cur.blocks = append(cur.blocks, block)
		curLen += n
	}
	for _, b := range blocks {
		switch {
		case b.Kind == bot.BlockDivider:
			add("", slackapi.NewDividerBlock(), "\n\n")
		case b.Kind == bot.BlockHeader && escLen(b.Text) <= maxHeader:
			add(b.Text, slackapi.NewHeaderBlock(slackapi.NewTextBlockObject(slackapi.PlainTextType, b.Text, true, false)), "\n\n")
		case b.Kind == bot.BlockNote:
			for i, c := range split(b.Text, maxContext) {
				add(c, slackapi.NewContextBlock("", slackapi.NewTextBlockObject(slackapi.PlainTextType, c, false, false)), sep(i))
			}
		default:
			for i, c := range split(b.Text, maxSection) {
				add(c, slackapi.NewSectionBlock(slackapi.NewTextBlockObject(slackapi.PlainTextType, c, false, false), nil, nil), sep(i))
			}
		}
	}
	msgs = append(msgs, cur)
	for i := range msgs {
		msgs[i].text = escape(truncate(msgs[i].raw, maxMessageText-100))
	}
	last := &msgs[len(msgs)-1]
	last.blocks = append(last.blocks, actions...)
	return msgs
}

// sep is what stands between the i-th piece of a block and the one before:
// a line end inside a block, a blank line between blocks.
func sep(i int) string {
	if i > 0 {
		return "\n"
	}
	return "\n\n"
}

// single renders text as one message without buttons, shortened if it
// would not fit.
func single(text string) message {
	if escLen(text) > maxMessageText-100 {
		text = truncate(text, maxMessageText-100)
	}
	return sections(split(text, maxSection))
}

// sections makes a message of text chunks, one section block each.
//
// The sections are plain_text, which Slack shows as written: what the core
// writes is plain text with a seller's own words in it (an answer, a
// certificate number, an admin's announcement), and the bot formats none of
// it. In mrkdwn, *, _, ~ and ` would format those words, and Slack offers no
// escape for them: its formatting reference says only &, < and > are
// escaped (as &amp; &lt; &gt;), and that no other entity is decoded, so
// &#x2a; would show as those six characters; zero-width characters are no
// escape either (a zero-width space beside a marker is the known way to make
// Slack format in the middle of a word); and look-alike characters (∗ for *)
// would change what a seller copies out of the message, a certificate
// number for one. plain_text takes the text raw, as button labels do. The
// notification text beside the blocks stays escaped, as Slack asks of a
// message's top-level text.
func sections(chunks []string) message {
	m := message{raw: strings.Join(chunks, "\n")}
	m.text = escape(m.raw)
	for _, c := range chunks {
		m.blocks = append(m.blocks, slackapi.NewSectionBlock(
			slackapi.NewTextBlockObject(slackapi.PlainTextType, c, false, false), nil, nil))
	}
	return m
}

// actionBlocks renders a reply's choices as buttons, at most maxButtons to
// an actions block.
func actionBlocks(r bot.Reply) []slackapi.Block {
	var blocks []slackapi.Block
	var row []slackapi.BlockElement
	for i, c := range r.Choices {
		id := bot.ButtonID(r.ID, i)
		label := truncate(c.Label, maxButtonText)
		if strings.TrimSpace(label) == "" {
			label = fmt.Sprint(i + 1)
		}
		row = append(row, slackapi.NewButtonBlockElement(id, id, slackapi.NewTextBlockObject(slackapi.PlainTextType, label, true, false)))
		if len(row) == maxButtons || i == len(r.Choices)-1 {
			blocks = append(blocks, slackapi.NewActionBlock("", row...))
			row = nil
		}
	}
	return blocks
}

// escaper escapes the three characters Slack's text formatting reserves,
// for the top-level text of a message (its notification) and of a notice.
var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func escape(s string) string { return escaper.Replace(s) }

// runeLen is a rune's length once escaped, in UTF-16 units (what Slack's
// character limits count, at worst). Sections go unescaped, so for them it
// counts more than Slack does, never less.
func runeLen(r rune) int {
	switch r {
	case '&':
		return 5
	case '<', '>':
		return 4
	}
	return utf16.RuneLen(r)
}

func escLen(s string) int { return textcut.Len(s, runeLen) }

// split cuts text into parts whose escaped length is at most limit, at line
// boundaries where it can.
func split(text string, limit int) []string { return textcut.Split(text, limit, runeLen) }

// truncate shortens s to at most limit escaped units.
func truncate(s string, limit int) string { return textcut.Truncate(s, limit, runeLen) }
