package flows

import (
	"maps"
	"slices"
	"time"
)

// Answer is one answer a seller gave.
type Answer struct {
	Question string    `json:"q"`
	Values   []string  `json:"v,omitempty"` // choice ids, for choice and multi questions
	Text     string    `json:"t,omitempty"` // normalised text, number or date otherwise
	At       time.Time `json:"at"`
}

// ItemStatus is the state of one checklist item.
type ItemStatus string

// Item states. An item with no recorded state is to do.
const (
	ItemTodo ItemStatus = "todo"
	ItemDone ItemStatus = "done"
	ItemNA   ItemStatus = "na"
)

// ItemState is what a seller recorded for a checklist item.
type ItemState struct {
	Status ItemStatus `json:"s"`
	Number string     `json:"n,omitempty"` // certificate or registration number
	Expiry string     `json:"e,omitempty"` // YYYY-MM-DD
	At     time.Time  `json:"at"`
}

// State is a seller's progress in one market: the answers in the order given
// and the checklist items they have marked.
type State struct {
	Answers []Answer             `json:"answers"`
	Items   map[string]ItemState `json:"items,omitempty"`
	// Picked are the choices ticked so far on the open multi-choice
	// question by button, before the seller says they are done; they are
	// not an answer yet.
	Picked []string `json:"picked,omitempty"`
}

// Clone returns a deep copy, so callers can keep the old state.
func (s State) Clone() State {
	c := State{Answers: slices.Clone(s.Answers), Items: maps.Clone(s.Items), Picked: slices.Clone(s.Picked)}
	for i := range c.Answers {
		c.Answers[i].Values = slices.Clone(c.Answers[i].Values)
	}
	return c
}

// answer returns the seller's answer to question id.
func (s State) answer(id string) (Answer, bool) {
	for _, a := range s.Answers {
		if a.Question == id {
			return a, true
		}
	}
	return Answer{}, false
}

// choices maps each answered choice question to the chosen choice ids.
func (s State) choices() map[string][]string {
	out := make(map[string][]string, len(s.Answers))
	for _, a := range s.Answers {
		if len(a.Values) > 0 {
			out[a.Question] = a.Values
		}
	}
	return out
}

// Categories returns the categories the seller picked.
func (s State) Categories() []string {
	a, _ := s.answer(CategoryQuestionID)
	return a.Values
}

// holds reports whether the condition holds for these answers and
// categories. A nil condition always holds.
func (c *Condition) holds(answers map[string][]string, categories []string) bool {
	if c == nil {
		return true
	}
	for qid, want := range c.Answers {
		if !anyIn(answers[qid], want) {
			return false
		}
	}
	return len(c.Categories) == 0 || anyIn(categories, c.Categories)
}

// holdsForSome reports whether the condition holds for these answers and
// some choice of categories (a seller may pick any).
func (c *Condition) holdsForSome(answers map[string][]string) bool {
	if c == nil {
		return true
	}
	return c.holds(answers, c.Categories)
}

func anyIn(have, want []string) bool {
	for _, h := range have {
		if slices.Contains(want, h) {
			return true
		}
	}
	return false
}
