package telegram

import (
	"html"
	"strings"

	"github.com/onboardbot/onboardbot/bot"
)

// render turns a reply into the HTML of one or more Telegram messages: a
// header in bold, notes (sources, hints) in italics, every text escaped,
// so that nothing a seller or admin wrote is read as markup. A reply is
// split between blocks, never inside one, unless a block alone is too
// long; then it is cut at line ends like plain text.
func render(r bot.Reply) []string {
	blocks := r.Blocks
	if len(blocks) == 0 {
		blocks = []bot.Block{{Kind: bot.BlockText, Text: r.Text}}
	}
	var msgs []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			msgs = append(msgs, cur.String())
			cur.Reset()
		}
	}
	add := func(piece, sep string) {
		if cur.Len() == 0 {
			sep = ""
		}
		if length(cur.String()+sep+piece) > maxText {
			flush()
			sep = ""
		}
		cur.WriteString(sep + piece)
	}
	for _, b := range blocks {
		if b.Kind == bot.BlockDivider {
			add("——————", "\n\n")
			continue
		}
		// Telegram counts the text it shows, not the markup: a block too
		// long for one message is cut at line ends as plain text would be.
		for i, chunk := range Split(b.Text, maxText) {
			sep := "\n\n"
			if i > 0 {
				sep = "\n"
			}
			add(wrap(b.Kind, escape(chunk)), sep)
		}
	}
	flush()
	if len(msgs) == 0 {
		msgs = []string{""}
	}
	return msgs
}

// escape is what Telegram's HTML needs escaped, and nothing else (its
// docs: <, > and & must be replaced in text).
var escape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace

func wrap(kind bot.BlockKind, escaped string) string {
	switch kind {
	case bot.BlockHeader:
		return "<b>" + escaped + "</b>"
	case bot.BlockNote:
		return "<i>" + escaped + "</i>"
	}
	return escaped
}

// length counts as Telegram does, in UTF-16 units of the text shown.
func length(htmlText string) int {
	n := 0
	for _, r := range html.UnescapeString(stripTags(htmlText)) {
		n += units(r)
	}
	return n
}

func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>' && in:
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}
