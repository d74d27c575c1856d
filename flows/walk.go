package flows

import "fmt"

// PathStep is one answer along an answer path. For a choice question Choice
// is the choice id; for other questions it names the check that matched
// ("check-N") or "any" for an answer no check matches.
type PathStep struct {
	Question string
	Choice   string
	Outcome  Outcome
}

// Path is one way through a market's questions: the answers in order and,
// when the last one stops onboarding, that step as the verdict.
type Path struct {
	Steps   []PathStep
	Verdict *PathStep
}

// answers maps each choice question on the path to its choice.
func (p Path) answers() map[string][]string {
	out := map[string][]string{}
	for _, s := range p.Steps {
		out[s.Question] = []string{s.Choice}
	}
	return out
}

// Walk calls fn with every distinct path through the market's questions,
// until fn returns false. Every path ends either in a verdict or with all
// applicable questions answered (the seller goes on to pick categories).
func Walk(m *Market, fn func(Path) bool) {
	w := walker{m: m, fn: fn}
	w.walk(0, nil)
}

type walker struct {
	m       *Market
	fn      func(Path) bool
	stopped bool
}

func (w *walker) walk(i int, steps []PathStep) {
	if w.stopped {
		return
	}
	answers := Path{Steps: steps}.answers()
	for i < len(w.m.Questions) && !w.m.Questions[i].When.holds(answers, nil) {
		i++
	}
	if i == len(w.m.Questions) {
		w.emit(Path{Steps: steps})
		return
	}
	q := &w.m.Questions[i]
	for _, b := range branches(q) {
		if w.stopped {
			return
		}
		next := append(steps[:len(steps):len(steps)], b)
		if b.Outcome == OutcomeStop {
			w.emit(Path{Steps: next, Verdict: &next[len(next)-1]})
			continue
		}
		w.walk(i+1, next)
	}
}

func (w *walker) emit(p Path) {
	if !w.fn(p) {
		w.stopped = true
	}
}

// branches lists the distinct meanings an answer to q can have.
func branches(q *Question) []PathStep {
	var out []PathStep
	if q.kind() == KindChoice {
		for _, c := range q.Choices {
			o := c.Outcome
			if o == "" {
				o = OutcomeOK
			}
			out = append(out, PathStep{Question: q.ID, Choice: c.ID, Outcome: o})
		}
		return out
	}
	for j, c := range q.Checks {
		out = append(out, PathStep{Question: q.ID, Choice: fmt.Sprintf("check-%d", j), Outcome: c.Outcome})
	}
	return append(out, PathStep{Question: q.ID, Choice: "any", Outcome: OutcomeOK})
}
