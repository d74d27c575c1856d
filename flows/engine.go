package flows

import (
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxAnswerRunes bounds a free-text answer.
const MaxAnswerRunes = 200

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
}

// Clone returns a deep copy, so callers can keep the old state.
func (s State) Clone() State {
	c := State{Answers: slices.Clone(s.Answers), Items: maps.Clone(s.Items)}
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

// Reject is a seller input the engine cannot accept. Message says what was
// expected, in both languages; the state is unchanged.
type Reject struct {
	Message Text
}

func (r *Reject) Error() string { return r.Message.EN }

func reject(zh, en string, args ...any) *Reject {
	return &Reject{Message: Textf(Text{ZH: zh, EN: en}, args...)}
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

// Sellers separate choices with ASCII or full-width commas and semicolons, or 、.
var listSep = regexp.MustCompile(`[,;\s\x{3001}\x{ff0c}\x{ff1b}]+`)

// Parse reads input as an answer to q, or says what was expected.
func Parse(q *Question, input string) (Answer, *Reject) {
	in := strings.TrimSpace(input)
	if in == "" {
		return Answer{}, expected(q)
	}
	if utf8.RuneCountInString(in) > MaxAnswerRunes {
		return Answer{}, reject("回答太长了(最多 %d 个字)。", "That answer is too long (at most %d characters).", MaxAnswerRunes)
	}
	a := Answer{Question: q.ID}
	switch q.kind() {
	case KindChoice:
		c, ok := q.match(in)
		if !ok {
			return Answer{}, expected(q)
		}
		a.Values = []string{c}
	case KindMulti:
		if c, ok := q.match(in); ok {
			a.Values = []string{c}
			break
		}
		for _, tok := range listSep.Split(in, -1) {
			if tok == "" {
				continue
			}
			c, ok := q.match(tok)
			if !ok {
				r := expected(q)
				r.Message = Text{
					ZH: fmt.Sprintf("“%s”不是选项之一。", tok) + r.Message.ZH,
					EN: fmt.Sprintf("%q is not one of the options. ", tok) + r.Message.EN,
				}
				return Answer{}, r
			}
			if !slices.Contains(a.Values, c) {
				a.Values = append(a.Values, c)
			}
		}
		if len(a.Values) == 0 {
			return Answer{}, expected(q)
		}
	case KindText:
		if q.Pattern != "" {
			re := patternRe(q.re, q.Pattern)
			if !re.MatchString(in) {
				// Sellers paste numbers with spaces and in lower case.
				in = strings.ToUpper(strings.Join(strings.Fields(in), ""))
				if !re.MatchString(in) {
					return Answer{}, expected(q)
				}
			}
		}
		a.Text = in
	case KindNumber:
		// Plain decimals only, thousands separators in their place: "1,3"
		// is not 13, and hex or exponent forms are not what a seller means.
		if !decimal.MatchString(in) {
			return Answer{}, expected(q)
		}
		n, err := strconv.ParseFloat(strings.ReplaceAll(in, ",", ""), 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) ||
			(q.Min != nil && n < *q.Min) || (q.Max != nil && n > *q.Max) {
			return Answer{}, expected(q)
		}
		if n == 0 {
			// "-0" parses as negative zero, which would be stored and shown
			// back to the seller as "-0" (found by FuzzParse).
			n = 0
		}
		a.Text = strconv.FormatFloat(n, 'f', -1, 64)
	case KindDate:
		d, ok := parseLooseDate(in)
		if !ok {
			return Answer{}, expected(q)
		}
		a.Text = d.Format(DateLayout)
	}
	return a, nil
}

// match finds the choice that input names: its number, its id, or its label
// in either language.
func (q *Question) match(input string) (string, bool) {
	if n, err := strconv.Atoi(input); err == nil {
		if n >= 1 && n <= len(q.Choices) {
			return q.Choices[n-1].ID, true
		}
		return "", false
	}
	in := fold(input)
	for _, c := range q.Choices {
		if strings.EqualFold(input, c.ID) || strings.EqualFold(in, fold(c.Label.EN)) || in == fold(c.Label.ZH) {
			return c.ID, true
		}
	}
	return "", false
}

// fold makes a label comparable whichever keyboard typed it: full-width
// forms (（，：) become their ASCII twins, and spaces are dropped.
func fold(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case r == ' ' || r == '\u3000':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// expected builds the re-prompt that says what q takes.
func expected(q *Question) *Reject {
	switch q.kind() {
	case KindChoice:
		return reject("请回复选项的编号(1-%d)或选项名称。", "Please reply with the number of an option (1-%d) or its name.", len(q.Choices))
	case KindMulti:
		return reject("请回复一个或多个选项编号(1-%d),用逗号或空格分开,例如 1,3。",
			"Please reply with one or more option numbers (1-%d), separated by commas or spaces, for example 1,3.", len(q.Choices))
	case KindNumber:
		switch {
		case q.Min != nil && q.Max != nil:
			return reject("请输入一个 %v 到 %v 之间的数字。", "Please enter a number from %v to %v.", *q.Min, *q.Max)
		case q.Min != nil:
			return reject("请输入一个不小于 %v 的数字。", "Please enter a number of at least %v.", *q.Min)
		case q.Max != nil:
			return reject("请输入一个不大于 %v 的数字。", "Please enter a number of at most %v.", *q.Max)
		}
		return reject("请输入一个数字,例如 3。", "Please enter a number, for example 3.")
	case KindDate:
		return reject("请输入日期,格式为 年-月-日,例如 2027-03-31。", "Please enter a date as year-month-day, for example 2027-03-31.")
	}
	if q.Pattern != "" {
		return reject("格式不对。需要:%s", "That is not in the expected form. Expected: %s", q.Expect)
	}
	return reject("请输入文字回答。", "Please type your answer.")
}

var decimal = regexp.MustCompile(`^[-+]?(\d{1,3}(,\d{3})+|\d{1,15})(\.\d{1,6})?$`)

var looseDate = regexp.MustCompile(`^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$`)

// parseLooseDate reads 2027-03-31, 2027/3/31, 2027.03.31 or 2027年3月31日.
func parseLooseDate(s string) (time.Time, bool) {
	m := looseDate.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, false
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	d, _ := strconv.Atoi(m[3])
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	// time.Date normalises 2027-02-30 to March: reject instead.
	if t.Year() != y || int(t.Month()) != mo || t.Day() != d {
		return time.Time{}, false
	}
	return t, true
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
