package admin

// An announcement's text: reading both languages, and its limits.

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/onboardbot/onboardbot/flows"
)

// MaxAnnouncementRunes bounds an announcement's text in each language, so
// it fits one message on every platform with its header.
const MaxAnnouncementRunes = 3000

// ParseAnnouncementText reads the admin's text. "zh:" and "en:" (or
// "zh：", any case) give each language, anywhere but right after a Latin
// letter or digit, so both fit on one line where a terminal takes only
// one: "zh: 中文 en: English". Text before the first tag goes to both; text
// without tags goes to everyone as written. The second result, when set,
// says what is wrong.
func ParseAnnouncementText(input string) (flows.Text, flows.Text) {
	tags := langTags(input)
	if len(tags) == 0 {
		t := flows.Text{ZH: strings.TrimSpace(input), EN: strings.TrimSpace(input)}
		return t, textProblem(t)
	}
	var zh, en []string
	for i, tag := range tags {
		end := len(input)
		if i+1 < len(tags) {
			end = tags[i+1][0]
		}
		part := strings.TrimSpace(input[tag[1]:end])
		switch {
		case part == "":
		case strings.EqualFold(input[tag[2]:tag[3]], "zh"):
			zh = append(zh, part)
		default:
			en = append(en, part)
		}
	}
	lead := strings.TrimSpace(input[:tags[0][0]])
	join := func(parts []string) string {
		if len(parts) == 0 {
			return "" // those sellers get the other language
		}
		return strings.TrimSpace(lead + "\n" + strings.Join(parts, "\n"))
	}
	t := flows.Text{ZH: join(zh), EN: join(en)}
	if t.IsZero() {
		t = flows.Text{ZH: lead, EN: lead}
	}
	return t, textProblem(t)
}

// langTag is a language tag: "zh:" or "en:", either colon, any case.
var langTag = regexp.MustCompile(`(?i)(zh|en)[ \t]*[:\x{ff1a}]`)

// langTags finds the language tags that start the text or follow anything
// but a Latin letter or digit ("中文。en: English" has one, "Open: 9am"
// none), as FindAllStringSubmatchIndex does.
func langTags(input string) [][]int {
	var tags [][]int
	for _, tag := range langTag.FindAllStringSubmatchIndex(input, -1) {
		before, _ := utf8.DecodeLastRuneInString(input[:tag[0]])
		if tag[0] == 0 || !(before < utf8.RuneSelf && (unicode.IsLetter(before) || unicode.IsDigit(before) || before == '_')) {
			tags = append(tags, tag)
		}
	}
	return tags
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
