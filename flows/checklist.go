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
	// Expired means the recorded certificate's expiry date has passed.
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
			if d, err := ParseDate(e.State.Expiry); err == nil && d.Before(day(now)) {
				e.Expired = true
			}
		}
		out = append(out, e)
	}
	return out
}

// Mark records a checklist item's status. For done, evidence may hold a
// certificate number and an expiry date (YYYY-MM-DD), in any order.
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
		for _, ev := range evidence {
			if d, ok := parseLooseDate(ev); ok {
				if d.Before(day(now)) {
					return s, reject("有效期 %s 已经过了,请先续期。", "The expiry date %s has already passed: renew it first.", d.Format(DateLayout))
				}
				st.Expiry = d.Format(DateLayout)
				continue
			}
			if st.Number != "" {
				return s, reject("请只给一个证书编号和一个有效期,例如 /done %s ABC123 2027-03-31。",
					"Give one certificate number and one expiry date, for example /done %s ABC123 2027-03-31.", itemID)
			}
			st.Number = ev
		}
		if st.Number != "" && it.Evidence != nil && it.Evidence.Pattern != "" {
			re := patternRe(it.Evidence.re, it.Evidence.Pattern)
			if !re.MatchString(st.Number) && !re.MatchString(strings.ToUpper(st.Number)) {
				return s, reject("编号“%s”格式不对。需要:%s", "The number %q is not in the expected form. Expected: %s",
					st.Number, it.Evidence.Expect)
			}
		}
		if utf8.RuneCountInString(st.Number) > MaxAnswerRunes {
			return s, reject("编号太长了。", "That number is too long.")
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
