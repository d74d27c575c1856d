package flows

import (
	"strconv"
	"strings"
	"time"
)

// Finding is what one answer means: a warning, or the reason onboarding stops.
type Finding struct {
	Question *Question
	Answer   Text // the answer as the seller sees it
	Outcome  Outcome
	Reason   Text
	Remedy   Text
}

// Step is where a seller stands in a market.
type Step struct {
	Stage Stage
	// Question is the question to answer now; nil once the questions are done
	// or onboarding has stopped.
	Question *Question
	// Verdict explains why the seller is not eligible (Stage is StageIneligible).
	Verdict *Finding
	// Warnings are the answers so far that need attention but do not stop onboarding.
	Warnings []Finding
	// Asked is how many questions the seller has answered on the way here.
	Asked int
}

// Current works out where a seller stands from the rules and their answers.
// Answers to questions that no longer apply are ignored.
func Current(m *Market, s State, now time.Time) Step {
	answers := s.choices()
	var step Step
	for i := range m.Questions {
		q := &m.Questions[i]
		if !q.When.holds(answers, nil) {
			continue
		}
		a, ok := s.answer(q.ID)
		if !ok {
			step.Stage, step.Question = q.Stage, q
			return step
		}
		step.Asked++
		f := evaluate(q, a, now)
		switch f.Outcome {
		case OutcomeWarn:
			step.Warnings = append(step.Warnings, f)
		case OutcomeStop:
			step.Stage, step.Verdict = StageIneligible, &f
			return step
		}
	}
	if len(m.Categories) > 0 {
		if _, ok := s.answer(CategoryQuestionID); !ok {
			q := m.categoryQuestion()
			step.Stage, step.Question = StageCategories, &q
			return step
		}
		step.Asked++
	}
	step.Stage = StageComplete
	for _, e := range checklist(m, s, now) {
		if e.Open() {
			step.Stage = StageChecklist
			break
		}
	}
	return step
}

// evaluate says what an answer to q means.
func evaluate(q *Question, a Answer, now time.Time) Finding {
	f := Finding{Question: q, Outcome: OutcomeOK, Answer: Text{ZH: a.Text, EN: a.Text}}
	switch q.kind() {
	case KindChoice, KindMulti:
		var zh, en []string
		for _, id := range a.Values {
			c, ok := q.Choice(id)
			if !ok {
				continue
			}
			zh, en = append(zh, c.Label.ZH), append(en, c.Label.EN)
			if q.kind() == KindChoice && c.Outcome != "" {
				f.Outcome, f.Reason, f.Remedy = c.Outcome, c.Reason, c.Remedy
			}
		}
		f.Answer = Text{ZH: strings.Join(zh, "、"), EN: strings.Join(en, ", ")}
	case KindNumber:
		n, err := strconv.ParseFloat(a.Text, 64)
		if err != nil {
			break
		}
		for _, c := range q.Checks {
			if (c.Min == nil || n >= *c.Min) && (c.Max == nil || n <= *c.Max) {
				f.Outcome, f.Reason, f.Remedy = c.Outcome, c.Reason, c.Remedy
				break
			}
		}
	case KindDate:
		d, err := ParseDate(a.Text)
		if err != nil {
			break
		}
		for _, c := range q.Checks {
			if c.WithinDays != nil && d.Before(day(now).AddDate(0, 0, *c.WithinDays)) {
				f.Outcome, f.Reason, f.Remedy = c.Outcome, c.Reason, c.Remedy
				break
			}
		}
	}
	return f
}

// day truncates t to midnight UTC, the way dates are compared.
func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ErrNoQuestion is returned by Apply when there is no question to answer.
var ErrNoQuestion = &Reject{Message: Text{
	ZH: "现在没有需要回答的问题。",
	EN: "There is no question waiting for an answer.",
}}

// Apply answers the current question with the seller's input. On a Reject
// the returned state is the old one.
func Apply(m *Market, s State, input string, now time.Time) (State, *Reject) {
	step := Current(m, s, now)
	if step.Question == nil {
		return s, ErrNoQuestion
	}
	a, rej := Parse(step.Question, input)
	if rej != nil {
		return s, rej
	}
	a.At = now
	next := s.Clone()
	next.Answers = append(next.Answers, a)
	return next, nil
}

// Back undoes the seller's last answer. It reports false when there is
// nothing to undo.
func Back(s State) (State, bool) {
	if len(s.Answers) == 0 {
		return s, false
	}
	next := s.Clone()
	next.Answers = next.Answers[:len(next.Answers)-1]
	return next, true
}
