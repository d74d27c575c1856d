package flows

import (
	"fmt"
	"regexp"
	"slices"
)

// Problem is one thing wrong in a rule set. Path locates it in the rule file
// in YAML path syntax ($.questions[2].choices[0].id), so the loader can turn
// it into a line number.
type Problem struct {
	Path string
	Msg  string
}

func (p Problem) String() string { return p.Path + ": " + p.Msg }

// maxPaths bounds the eligibility walk: a rule set with more distinct answer
// paths than this is too tangled to check, and to explain to a seller.
const maxPaths = 100000

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// Validate checks a market's rules: required fields, both languages of every
// seller-facing text, sources and dates, unique ids, references, and that
// every question and item can be reached by some seller.
func Validate(m *Market) []Problem {
	v := &validator{m: m}
	v.market()
	if len(v.problems) == 0 {
		// The walk assumes the references are sound.
		v.reachability()
	}
	return v.problems
}

type validator struct {
	m        *Market
	problems []Problem
}

func (v *validator) add(path, format string, args ...any) {
	v.problems = append(v.problems, Problem{Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) id(path, id string) {
	if !idPattern.MatchString(id) {
		v.add(path, "id %q must be 1-32 characters of a-z, 0-9 and '-'", id)
	}
}

func (v *validator) text(path string, t Text, required bool) {
	if !required && t.IsZero() {
		return
	}
	if t.ZH == "" {
		v.add(path, "missing the Chinese text (zh)")
	}
	if t.EN == "" {
		v.add(path, "missing the English text (en)")
	}
}

func (v *validator) date(path, s string) {
	if s == "" {
		v.add(path, "missing date (YYYY-MM-DD)")
		return
	}
	if _, err := ParseDate(s); err != nil {
		v.add(path, "date %q is not YYYY-MM-DD", s)
	}
}

func (v *validator) sourced(path string, s Sourced) {
	if s.Source == "" {
		v.add(path+".source", "missing source (a URL or document title)")
	}
	switch {
	case s.Effective == "" && s.Checked == "":
		v.add(path+".effective", "missing effective date (YYYY-MM-DD); if the source gives none, say when it was checked instead (checked: YYYY-MM-DD)")
	case s.Effective != "":
		v.date(path+".effective", s.Effective)
	}
	if s.Checked != "" {
		v.date(path+".checked", s.Checked)
	}
	if s.Confidence != "" && s.Confidence != "low" {
		v.add(path+".confidence", "confidence must be empty or \"low\", not %q", s.Confidence)
	}
}

func (v *validator) pattern(path, pattern string, expect Text, example string) {
	if pattern == "" {
		if example != "" {
			v.add(path+".example", "an example without a pattern")
		}
		return
	}
	re, err := regexp.Compile(`^(?:` + pattern + `)$`)
	if err != nil {
		v.add(path+".pattern", "invalid regular expression: %v", err)
		return
	}
	v.text(path+".expect", expect, true)
	switch {
	case example == "":
		v.add(path+".pattern", "a pattern needs an example that matches it (example: ...)")
	case !re.MatchString(example):
		v.add(path+".example", "example %q does not match the pattern", example)
	}
}

func (v *validator) market() {
	m := v.m
	v.id("$.id", m.ID)
	if m.Platform == "" {
		v.add("$.platform", "missing platform")
	}
	v.text("$.name", m.Name, true)
	v.text("$.region", m.Region, true)
	v.text("$.summary", m.Summary, true)
	if m.Version == "" {
		v.add("$.version", "missing version")
	}
	v.date("$.effective", m.Effective)
	if len(m.Questions) == 0 {
		v.add("$.questions", "a market needs at least one eligibility question")
	}

	questions := map[string]int{}
	sawLogistics := false
	for i := range m.Questions {
		q := &m.Questions[i]
		path := fmt.Sprintf("$.questions[%d]", i)
		v.id(path+".id", q.ID)
		if q.ID == CategoryQuestionID {
			v.add(path+".id", "%q is reserved for the category question", q.ID)
		}
		if j, dup := questions[q.ID]; dup {
			v.add(path+".id", "duplicate question id %q (first at questions[%d])", q.ID, j)
		}
		switch q.Stage {
		case StageEligibility:
			if sawLogistics {
				v.add(path+".stage", "eligibility questions must come before logistics questions")
			}
		case StageLogistics:
			sawLogistics = true
		default:
			v.add(path+".stage", "stage must be eligibility or logistics, not %q", q.Stage)
		}
		v.text(path+".text", q.Text, true)
		v.text(path+".help", q.Help, false)
		v.sourced(path, q.Sourced)
		v.condition(path+".when", q.When, questions)
		v.question(path, q)
		questions[q.ID] = i
	}

	categories := map[string]int{}
	for i, c := range m.Categories {
		path := fmt.Sprintf("$.categories[%d]", i)
		v.id(path+".id", c.ID)
		if j, dup := categories[c.ID]; dup {
			v.add(path+".id", "duplicate category id %q (first at categories[%d])", c.ID, j)
		}
		categories[c.ID] = i
		v.text(path+".name", c.Name, true)
	}

	items := map[string]int{}
	for i := range m.Items {
		it := &m.Items[i]
		path := fmt.Sprintf("$.items[%d]", i)
		v.id(path+".id", it.ID)
		if j, dup := items[it.ID]; dup {
			v.add(path+".id", "duplicate item id %q (first at items[%d])", it.ID, j)
		}
		items[it.ID] = i
		if !slices.Contains(Groups(), it.Group) {
			v.add(path+".group", "group must be one of %v, not %q", Groups(), it.Group)
		}
		v.text(path+".title", it.Title, true)
		v.text(path+".detail", it.Detail, true)
		v.sourced(path, it.Sourced)
		v.condition(path+".when", it.When, questions)
		if it.Evidence != nil {
			v.pattern(path+".evidence", it.Evidence.Pattern, it.Evidence.Expect, it.Evidence.Example)
		}
	}
}

func (v *validator) question(path string, q *Question) {
	switch q.kind() {
	case KindChoice:
		if len(q.Choices) < 2 {
			v.add(path+".choices", "a choice question needs at least two choices")
		}
		seen := map[string]bool{}
		for j, c := range q.Choices {
			cp := fmt.Sprintf("%s.choices[%d]", path, j)
			v.id(cp+".id", c.ID)
			if seen[c.ID] {
				v.add(cp+".id", "duplicate choice id %q", c.ID)
			}
			seen[c.ID] = true
			v.text(cp+".label", c.Label, true)
			v.outcome(cp, c.Outcome, c.Reason, c.Remedy)
		}
	case KindText, KindNumber, KindDate:
		if len(q.Choices) > 0 {
			v.add(path+".choices", "a %s question has no choices", q.Kind)
		}
		if q.Kind == KindText {
			v.pattern(path, q.Pattern, q.Expect, q.Example)
		} else if q.Pattern != "" {
			v.add(path+".pattern", "only text questions take a pattern")
		}
		if q.Kind == KindNumber && q.Min != nil && q.Max != nil && *q.Min > *q.Max {
			v.add(path+".min", "min %v is above max %v", *q.Min, *q.Max)
		}
		if q.Kind != KindNumber && (q.Min != nil || q.Max != nil) {
			v.add(path+".min", "only number questions take min and max")
		}
		for j, c := range q.Checks {
			cp := fmt.Sprintf("%s.checks[%d]", path, j)
			switch q.Kind {
			case KindNumber:
				if c.Min == nil && c.Max == nil {
					v.add(cp, "a number check needs min or max")
				}
				if c.WithinDays != nil {
					v.add(cp+".within_days", "within_days is for date questions")
				}
			case KindDate:
				if c.WithinDays == nil {
					v.add(cp, "a date check needs within_days")
				}
				if c.Min != nil || c.Max != nil {
					v.add(cp, "min and max are for number questions")
				}
			default:
				v.add(cp, "only number and date questions take checks")
			}
			if c.Outcome == "" || c.Outcome == OutcomeOK {
				v.add(cp+".outcome", "a check's outcome must be warn or stop")
			}
			v.outcome(cp, c.Outcome, c.Reason, c.Remedy)
		}
	default:
		v.add(path+".kind", "kind must be choice, text, number or date, not %q", q.Kind)
	}
}

func (v *validator) outcome(path string, o Outcome, reason, remedy Text) {
	switch o {
	case "", OutcomeOK:
	case OutcomeWarn:
		v.text(path+".reason", reason, true)
	case OutcomeStop:
		v.text(path+".reason", reason, true)
		v.text(path+".remedy", remedy, true)
	default:
		v.add(path+".outcome", "outcome must be ok, warn or stop, not %q", o)
	}
	if o == "" || o == OutcomeOK {
		v.text(path+".reason", reason, false)
	}
	v.text(path+".remedy", remedy, false)
}

// condition checks that a condition names earlier choice questions, their
// choices, and known categories.
func (v *validator) condition(path string, c *Condition, earlier map[string]int) {
	if c == nil {
		return
	}
	if len(c.Answers) == 0 && len(c.Categories) == 0 {
		v.add(path, "an empty condition: give answers or categories")
	}
	for qid, choices := range c.Answers {
		i, ok := earlier[qid]
		if !ok {
			v.add(path+".answers."+qid, "unknown question %q (a condition may only name questions asked before it)", qid)
			continue
		}
		q := &v.m.Questions[i]
		if q.kind() != KindChoice {
			v.add(path+".answers."+qid, "question %q is not a choice question", qid)
			continue
		}
		if len(choices) == 0 {
			v.add(path+".answers."+qid, "no choices listed")
		}
		for _, cid := range choices {
			if _, ok := q.Choice(cid); !ok {
				v.add(path+".answers."+qid, "question %q has no choice %q", qid, cid)
			}
		}
	}
	for j, cat := range c.Categories {
		if _, ok := v.m.Category(cat); !ok {
			v.add(fmt.Sprintf("%s.categories[%d]", path, j), "unknown category %q", cat)
		}
	}
}

// reachability walks every answer path and reports questions no seller can
// reach, items no eligible seller can get, and rule sets nobody passes.
func (v *validator) reachability() {
	m := v.m
	askedQ := map[string]bool{}
	itemSeen := map[string]bool{}
	eligible := 0
	n := 0
	Walk(m, func(p Path) bool {
		n++
		for _, s := range p.Steps {
			askedQ[s.Question] = true
		}
		if p.Verdict == nil {
			eligible++
			// Build the answers once per path, and skip items already seen:
			// building them for every item of every path made a rule file
			// with 15 yes/no questions and 300 items take a minute to load
			// (a FuzzLoadRules seed).
			answers := p.answers()
			for i := range m.Items {
				if !itemSeen[m.Items[i].ID] && m.Items[i].When.holdsForSome(answers) {
					itemSeen[m.Items[i].ID] = true
				}
			}
		}
		return n < maxPaths
	})
	if n >= maxPaths {
		v.add("$.questions", "more than %d answer paths: split the questions or simplify the conditions", maxPaths)
		return
	}
	if eligible == 0 {
		v.add("$.questions", "every answer path ends in \"stop\": no seller can ever be eligible")
	}
	for i := range m.Questions {
		q := &m.Questions[i]
		if !askedQ[q.ID] {
			v.add(fmt.Sprintf("$.questions[%d]", i), "question %q is unreachable: no answer path asks it", q.ID)
		}
	}
	for i := range m.Items {
		if !itemSeen[m.Items[i].ID] {
			v.add(fmt.Sprintf("$.items[%d]", i), "item %q is unreachable: no eligible seller's answers satisfy its condition", m.Items[i].ID)
		}
	}
}
