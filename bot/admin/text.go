package admin

// An announcement's text: reading both languages, and its limits.

import (
	"strings"
	"unicode/utf8"

	"github.com/onboardbot/onboardbot/flows"
)

// MaxAnnouncementRunes bounds an announcement's text in each language, so
// it fits one message on every platform with its header.
const MaxAnnouncementRunes = 3000

// ParseAnnouncementText reads the admin's text: lines starting "zh:" and
// "en:" give each language; text without them goes to everyone as written.
// The second result, when set, says what is wrong.
func ParseAnnouncementText(input string) (flows.Text, flows.Text) {
	var t flows.Text
	var cur *string
	tagged := false
	for _, line := range strings.Split(input, "\n") {
		if lang, rest, ok := cutLangTag(line); ok {
			cur, tagged, line = &t.EN, true, rest
			if lang == flows.ZH {
				cur = &t.ZH
			}
		}
		if cur != nil {
			*cur += line + "\n"
		}
	}
	if !tagged {
		t = flows.Text{ZH: input, EN: input}
	}
	t.ZH, t.EN = strings.TrimSpace(t.ZH), strings.TrimSpace(t.EN)
	return t, textProblem(t)
}

// cutLangTag recognises "zh:", "en:" and their full-width-colon forms.
func cutLangTag(line string) (flows.Lang, string, bool) {
	l := strings.TrimSpace(line)
	for _, tag := range []string{"zh:", "zh\uff1a", "ZH:", "en:", "en\uff1a", "EN:"} {
		if rest, ok := strings.CutPrefix(l, tag); ok {
			return flows.ParseLang(tag), strings.TrimSpace(rest), true
		}
	}
	return "", "", false
}

// textProblem says what is wrong with an announcement's text, if anything.
func textProblem(t flows.Text) flows.Text {
	switch {
	case t.ZH == "" && t.EN == "":
		return flows.Text{ZH: "公告内容是空的。", EN: "The announcement text is empty."}
	case utf8.RuneCountInString(t.ZH) > MaxAnnouncementRunes || utf8.RuneCountInString(t.EN) > MaxAnnouncementRunes:
		return flows.Textf(flows.Text{ZH: "公告太长了：每种语言最多 %d 个字，请缩短。", EN: "The announcement is too long: at most %d characters per language. Please shorten it."}, MaxAnnouncementRunes)
	}
	return flows.Text{}
}
