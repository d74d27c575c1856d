package flows

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Entry is one checklist item as it stands for a seller.
type Entry struct {
	Item  *Item
	State ItemState
	// Upcoming means the rule is not in force yet (its effective date is after now).
	Upcoming bool
	// Expired means the recorded certificate has expired: its expiry date
	// is today or before (UTC), the day it is no longer valid.
	Expired bool
}

// Open reports whether the item still needs work.
func (e Entry) Open() bool {
	return e.State.Status == ItemTodo || e.Expired
}

// Checklist lists the items that apply to a seller, in rule-file order,
// with what they recorded. It is empty until the seller has picked categories.
func Checklist(m *Market, s State, now time.Time) []Entry {
	// A seller who is not eligible (perhaps only since an answer's date
	// passed) has no checklist to work on.
	if stopped(m, s, now) {
		return nil
	}
	return checklist(m, s, now)
}

// stopped reports whether an answer stops onboarding, as Current would.
func stopped(m *Market, s State, now time.Time) bool {
	answers := s.choices()
	for i := range m.Questions {
		q := &m.Questions[i]
		if !q.When.holds(answers, nil) {
			continue
		}
		a, ok := s.answer(q.ID)
		if !ok {
			return false
		}
		if evaluate(q, a, now).Outcome == OutcomeStop {
			return true
		}
	}
	return false
}

// checklist lists the applicable items of a seller who is not stopped.
func checklist(m *Market, s State, now time.Time) []Entry {
	if len(m.Categories) > 0 {
		if _, ok := s.answer(CategoryQuestionID); !ok {
			return nil
		}
	}
	answers, cats := s.choices(), s.Categories()
	var out []Entry
	for i := range m.Items {
		it := &m.Items[i]
		if !it.When.holds(answers, cats) {
			continue
		}
		e := Entry{Item: it, State: s.Items[it.ID], Upcoming: it.Upcoming(now)}
		if e.State.Status == "" {
			e.State.Status = ItemTodo
		}
		if e.State.Status == ItemDone && e.State.Expiry != "" {
			e.Expired = Expired(e.State.Expiry, now)
		}
		out = append(out, e)
	}
	return out
}

// Mark records a checklist item's status. For done, evidence is what the
// seller typed after the item id, word by word: see readEvidence.
//
// Marking an item done again keeps the number and expiry recorded before,
// unless new ones are given: a new number replaces the number, a new expiry
// the expiry. A kept expiry that has passed is refused, not kept silently:
// the item would be "done" and still open. Marking an item to do or not
// applicable drops its evidence, so a reopened item starts clean; the
// caller tells the seller what was dropped (the history keeps it).
func Mark(m *Market, s State, itemID string, status ItemStatus, evidence []string, now time.Time) (State, *Reject) {
	it, ok := m.Item(itemID)
	if !ok {
		return s, reject("这个市场没有编号为“%s”的清单项。用 /checklist 查看编号。",
			"There is no checklist item %q in this market. /checklist shows the item ids.", itemID)
	}
	applies := false
	for _, e := range Checklist(m, s, now) {
		applies = applies || e.Item.ID == itemID
	}
	if !applies {
		return s, reject("清单项“%s”不适用于你目前的回答。", "Checklist item %q does not apply to your answers so far.", itemID)
	}
	st := ItemState{Status: status, At: now}
	if status == ItemDone {
		number, expiry, rej := readEvidence(it, evidence, now)
		if rej != nil {
			return s, rej
		}
		if old := s.Items[itemID]; old.Status == ItemDone {
			st.Number, st.Expiry = old.Number, old.Expiry
		}
		if number != "" {
			st.Number = number
		}
		if expiry != "" {
			st.Expiry = expiry
		}
		if expiry == "" && Expired(st.Expiry, now) {
			return s, reject("这一项记录的有效期 %s 已经过了。请写上续期后的有效期，例如 /done %s %s。",
				"The expiry recorded for this item, %s, has passed. Give the renewed one, for example /done %s %s.",
				st.Expiry, itemID, day(now).AddDate(1, 0, 0).Format(DateLayout))
		}
	}
	next := s.Clone()
	if next.Items == nil {
		next.Items = map[string]ItemState{}
	}
	if status == ItemTodo {
		delete(next.Items, itemID)
	} else {
		next.Items[itemID] = st
	}
	return next, nil
}

// Expired reports whether a certificate with this expiry date (YYYY-MM-DD)
// has expired at now: a certificate expires on its expiry date, so from
// that day (UTC) on. An empty or unreadable date never expires.
func Expired(expiry string, now time.Time) bool {
	d, err := ParseDate(expiry)
	return err == nil && !d.After(day(now))
}

// maxDateTokens is the most tokens a date may be typed in, with the words
// around it: 有效期 至 2027 年 6 月 30 日 前 。
const maxDateTokens = 10

// readEvidence reads what a seller typed after an item id. An expiry date
// is recognised wherever it stands, in any form readDate reads (2027-06-30,
// 2027/6/30, 2027年6月30日, 30.06.2027, June 30 2027, even typed with
// spaces), with the words that say it is the expiry (有效期至, 到期,
// 截止, 2027年6月30日前, expiry) and the punctuation after it (。，、；).
// Everything else, in order and as typed (words joined by single spaces,
// since real numbers have spaces in them: "DE 12345678", a WEEE number),
// is the certificate number, less a comma that set it off from the date
// (ID-1，2027-06-30). Something shaped like a date that is not one
// (2027-02-30), or that could be two days (06.07.2027), is refused rather
// than taken for part of the number, so the seller is told instead of
// finding it filed wrong.
func readEvidence(it *Item, words []string, now time.Time) (number, expiry string, rej *Reject) {
	toks := tokenize(validUntil(words))
	var rest []token
	for i := 0; i < len(toks); {
		n, r := dateAt(toks[i:])
		if n == 0 {
			rest = append(rest, toks[i])
			i++
			continue
		}
		switch {
		case r.form == noSuchDay:
			return "", "", reject("“%s”不是一个有效的日期。有效期请写成 年-月-日，例如 2027-06-30。",
				"%q is not a date in the calendar. Write the expiry as year-month-day, for example 2027-06-30.", r.text)
		case r.form == eitherWay:
			return "", "", r.eitherWayRefusal()
		case expiry != "":
			return "", "", reject("请只写一个有效期，例如 /done %s ABC123 2027-06-30。",
				"Give one expiry date, for example /done %s ABC123 2027-06-30.", it.ID)
		case r.date.Before(day(now)):
			return "", "", reject("有效期 %s 已经过了，请先续期。", "The expiry date %s has already passed: renew it first.", r.date.Format(DateLayout))
		case r.date.Equal(day(now)):
			return "", "", reject("有效期 %s 就是今天：证书今天到期，请先续期，再记录新的有效期。",
				"The expiry date %s is today: the certificate expires today. Renew it first, then record the new date.", r.date.Format(DateLayout))
		}
		expiry = r.date.Format(DateLayout)
		// The comma that set the number off from the date goes with it,
		// and what follows the date starts a word of its own.
		if k := len(rest) - 1; k >= 0 {
			rest[k].text = strings.TrimRightFunc(rest[k].text, isSeparator)
			if rest[k].text == "" {
				rest = rest[:k]
			}
		}
		i += n
		if i < len(toks) {
			toks[i].glued = false
		}
	}
	number = join(rest)
	if utf8.RuneCountInString(number) > MaxAnswerRunes {
		return "", "", reject("编号太长了。", "That number is too long.")
	}
	if number == "" || it.Evidence == nil || it.Evidence.Pattern == "" {
		return number, expiry, nil
	}
	// The number is checked as typed first, so a pattern that allows spaces
	// or lower case keeps them. Failing that, as the issuer prints it:
	// sellers type "DE 123 456 789" or "gb123456789", or paste full-width
	// digits, for DE\d{9} and GB\d{9}; the compact form is what is stored.
	re := patternRe(it.Evidence.re, it.Evidence.Pattern)
	switch c := compact(number); {
	case re.MatchString(number):
	case re.MatchString(c):
		number = c
	default:
		return "", "", reject("编号“%s”格式不对。需要：%s", "The number %q is not in the expected form. Expected: %s",
			number, it.Evidence.Expect)
	}
	return number, expiry, nil
}

// period is a validity period as a Chinese certificate prints it, two
// dates year first: 2023-06-30至2028-06-29, 2023年6月30日 至 2028年6月29日,
// 2023.06.30-2028.06.29.
// Groups: 1 what is before it, 2 the first date (3-5 its parts), 6 the
// last (7-9).
var period = regexp.MustCompile(`(^|[^\d])(` + yearFirst + `)\s*(?:至|到|~|～|—|–|-{1,2})\s*(` + yearFirst + `)`)

// validUntil replaces a validity period among the words with its last
// day, the expiry: the first date is when the certificate was issued, not
// part of its number and not an expiry the seller means. A period whose
// end is not after its start is left as typed. (With a period found, the
// words are read narrowed: a full-width number is stored in ASCII.)
func validUntil(words []string) []string {
	text := narrow(strings.Join(words, " "))
	m := period.FindStringSubmatchIndex(text)
	if m == nil {
		return words
	}
	from, to := readDate(text[m[4]:m[5]]), readDate(text[m[12]:m[13]])
	if from.form != validDate || to.form != validDate || !to.date.After(from.date) {
		return words
	}
	return strings.Fields(text[:m[3]] + " " + to.date.Format(DateLayout) + " " + text[m[1]:])
}

// token is a word the seller typed, or a piece of one: a word is cut after
// a comma, colon or semicolon (ID-1，2027-06-30) and before a word that
// introduces an expiry (BANK有效期2027-06-30), so a date can start there.
type token struct {
	text  string
	glued bool // it continues the word before it: no space between them
}

// leadWords introduce an expiry date, and a word is cut before them. 至
// is not one of them here: 2025-06-30至2027-06-29 is a period, not a
// number and an expiry.
var leadWords = []string{"有效期", "有效日期", "到期", "截止", "截至"}

// isSeparator reports whether r ends a clause or a list item: a comma,
// colon or semicolon, in ASCII or full width, 、 or 。.
func isSeparator(r rune) bool {
	return strings.ContainsRune(",;:，；：、。", r)
}

func tokenize(words []string) []token {
	var toks []token
	for _, w := range words {
		start, prev := 0, rune(0)
		for i, r := range w {
			if i > start && (isSeparator(prev) && !isSeparator(r) || !isSeparator(prev) && leadsDate(w[i:])) {
				toks = append(toks, token{text: w[start:i], glued: start > 0})
				start = i
			}
			prev = r
		}
		toks = append(toks, token{text: w[start:], glued: start > 0})
	}
	return toks
}

func leadsDate(s string) bool {
	for _, l := range leadWords {
		if strings.HasPrefix(s, l) {
			return true
		}
	}
	return false
}

// join puts tokens back together as typed: a space between words, none
// inside one.
func join(toks []token) string {
	var b strings.Builder
	for i, t := range toks {
		if i > 0 && !t.glued {
			b.WriteByte(' ')
		}
		b.WriteString(t.text)
	}
	return b.String()
}

// dateAt finds a date at the start of toks: the most tokens, up to
// maxDateTokens, that readDate reads as a date (valid or not), and what it
// read; n is 0 when no tokens there have the shape of a date.
func dateAt(toks []token) (n int, r dateRead) {
	for k := min(len(toks), maxDateTokens); k > 0; k-- {
		if r = readDate(join(toks[:k])); r.form != notDate {
			return k, r
		}
	}
	return 0, dateRead{}
}
