package flows

import (
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

// maxDateWords is the most words a date may be typed in: 2027 年 6 月 30 日.
const maxDateWords = 6

// readEvidence reads what a seller typed after an item id. An expiry date
// is recognised wherever it stands (2027-06-30, 2027/6/30, 2027年6月30日,
// even typed with spaces); everything else, in order and joined by single
// spaces, is the certificate number, since real ones have spaces in them
// ("DE 12345678", a WEEE number). Something shaped like a date that is not
// one (2027-02-30, 30.06.2027) is refused rather than taken for part of the
// number, so the seller is told instead of finding it filed wrong.
func readEvidence(it *Item, words []string, now time.Time) (number, expiry string, rej *Reject) {
	var rest []string
	for i := 0; i < len(words); {
		n, d, ok := dateAt(words[i:])
		if n == 0 {
			rest = append(rest, words[i])
			i++
			continue
		}
		switch {
		case !ok:
			return "", "", reject("“%s”不是一个有效的日期。有效期请写成 年-月-日，例如 2027-06-30。",
				"%q is not a date in the calendar. Write the expiry as year-month-day, for example 2027-06-30.", strings.Join(words[i:i+n], " "))
		case expiry != "":
			return "", "", reject("请只写一个有效期，例如 /done %s ABC123 2027-06-30。",
				"Give one expiry date, for example /done %s ABC123 2027-06-30.", it.ID)
		case d.Before(day(now)):
			return "", "", reject("有效期 %s 已经过了，请先续期。", "The expiry date %s has already passed: renew it first.", d.Format(DateLayout))
		case d.Equal(day(now)):
			return "", "", reject("有效期 %s 就是今天：证书今天到期，请先续期，再记录新的有效期。",
				"The expiry date %s is today: the certificate expires today. Renew it first, then record the new date.", d.Format(DateLayout))
		}
		expiry = d.Format(DateLayout)
		i += n
	}
	number = strings.Join(rest, " ")
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

// dateAt finds a date at the start of words: the most words, up to
// maxDateWords, that together have the shape of a date, and the date they
// name (ok is false when the shape holds but no such day exists, or the day
// comes first, as in 30.06.2027, which could be read two ways).
func dateAt(words []string) (n int, d time.Time, ok bool) {
	for k := min(len(words), maxDateWords); k > 0; k-- {
		s := narrow(strings.Join(words[:k], " "))
		if looseDate.MatchString(s) || dayFirst.MatchString(s) {
			d, ok = parseLooseDate(s)
			return k, d, ok
		}
	}
	return 0, time.Time{}, false
}
