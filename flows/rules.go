// Package flows is the conversation model of onboarding: market rules as Go
// types, and the pure step machine that turns rules plus a seller's answers
// into the next question, an eligibility verdict and a checklist.
//
// Nothing here does I/O or reads a clock: callers pass the time in.
package flows

import (
	"fmt"
	"regexp"
	"time"
)

// Lang is a language a seller reads: Chinese or English.
type Lang string

// The languages every seller-facing text exists in.
const (
	ZH Lang = "zh"
	EN Lang = "en"
)

// ParseLang reads a language name or a platform language hint ("zh-CN",
// "zh_TW", "en-GB"). Anything that is not Chinese is English.
func ParseLang(s string) Lang {
	if len(s) >= 2 && (s[:2] == "zh" || s[:2] == "ZH" || s[:2] == "Zh") {
		return ZH
	}
	return EN
}

// Text is one seller-facing text in both languages.
type Text struct {
	ZH string `yaml:"zh" json:"zh"`
	EN string `yaml:"en" json:"en"`
}

// In returns the text in lang, falling back to the other language.
func (t Text) In(lang Lang) string {
	if lang == ZH && t.ZH != "" || t.EN == "" {
		return t.ZH
	}
	return t.EN
}

// IsZero reports whether neither language is set.
func (t Text) IsZero() bool { return t.ZH == "" && t.EN == "" }

// Textf formats both languages with the same arguments. An argument that
// is itself a Text is given in the language being formatted.
func Textf(t Text, args ...any) Text {
	return Text{ZH: sprintf(t.ZH, ZH, args), EN: sprintf(t.EN, EN, args)}
}

func sprintf(format string, lang Lang, args []any) string {
	in := make([]any, len(args))
	for i, a := range args {
		if t, ok := a.(Text); ok {
			a = t.In(lang)
		}
		in[i] = a
	}
	return fmt.Sprintf(format, in...)
}

// Stage is where a seller stands in one market's onboarding.
type Stage string

// The stages in order. Questions belong to StageEligibility or StageLogistics;
// the category question is StageCategories; after it the seller works through
// the checklist until every item is done or not applicable.
const (
	StageEligibility Stage = "eligibility"
	StageLogistics   Stage = "logistics"
	StageCategories  Stage = "categories"
	StageChecklist   Stage = "checklist"
	StageComplete    Stage = "complete"
	StageIneligible  Stage = "ineligible"
)

// Name is the stage's seller-facing name.
func (s Stage) Name() Text {
	switch s {
	case StageEligibility:
		return Text{ZH: "资质审核", EN: "eligibility"}
	case StageLogistics:
		return Text{ZH: "仓储物流", EN: "warehouse and logistics"}
	case StageCategories:
		return Text{ZH: "经营类目", EN: "product categories"}
	case StageChecklist:
		return Text{ZH: "资质证书清单", EN: "certification checklist"}
	case StageComplete:
		return Text{ZH: "已完成", EN: "complete"}
	case StageIneligible:
		return Text{ZH: "暂不符合入驻条件", EN: "not eligible yet"}
	}
	return Text{ZH: string(s), EN: string(s)}
}

// Kind is how a question is answered.
type Kind string

// Question kinds. A choice question is the default.
const (
	KindChoice Kind = "choice"
	KindText   Kind = "text"
	KindNumber Kind = "number"
	KindDate   Kind = "date"
	KindMulti  Kind = "multi" // several choices at once; used for the category question
)

// Outcome is what an answer means for eligibility.
type Outcome string

// Outcomes of an answer. OutcomeStop ends onboarding with a verdict that
// explains why and what would make the seller eligible.
const (
	OutcomeOK   Outcome = "ok"
	OutcomeWarn Outcome = "warn"
	OutcomeStop Outcome = "stop"
)

// Sourced is what every rule item carries: where the rule comes from, when it
// took effect, and whether the fact is unconfirmed.
type Sourced struct {
	Source string `yaml:"source"`
	// Effective is the date the rule took effect (YYYY-MM-DD). Where the
	// source gives no start date, leave it out and give Checked instead:
	// a made-up start date would tell sellers a rule is new when it is not.
	Effective string `yaml:"effective,omitempty"`
	// Checked is the date the source was read, for rules without a known
	// start date.
	Checked    string `yaml:"checked,omitempty"`
	Confidence string `yaml:"confidence,omitempty"` // "low" when unconfirmed
}

// LowConfidence reports whether the rule is marked unconfirmed.
func (s Sourced) LowConfidence() bool { return s.Confidence == "low" }

// Upcoming reports whether the rule takes effect after now.
func (s Sourced) Upcoming(now time.Time) bool {
	d, err := ParseDate(s.Effective)
	return err == nil && d.After(now)
}

// Market is one market's rule set, as written in data/markets/<id>.yaml.
type Market struct {
	ID        string `yaml:"id"`
	Platform  string `yaml:"platform"` // brand name, the same in both languages
	Name      Text   `yaml:"name"`
	Region    Text   `yaml:"region"`
	Version   string `yaml:"version"`
	Effective string `yaml:"effective"` // the date this version of the rules took effect
	Summary   Text   `yaml:"summary"`

	Questions  []Question `yaml:"questions"`
	Categories []Category `yaml:"categories"`
	Items      []Item     `yaml:"items"`

	// File is where the rules were loaded from; set by the loader.
	File string `yaml:"-"`
}

// Question is one eligibility or logistics question.
type Question struct {
	ID    string     `yaml:"id"`
	Stage Stage      `yaml:"stage"` // eligibility or logistics
	Kind  Kind       `yaml:"kind"`  // choice (default), text, number or date
	Text  Text       `yaml:"text"`
	Help  Text       `yaml:"help,omitempty"`
	When  *Condition `yaml:"when,omitempty"`

	// Choices of a choice question, each with what it means.
	Choices []Choice `yaml:"choices,omitempty"`

	// Pattern is a regular expression a text answer must match in full;
	// Expect says in words what is expected and is shown on a re-prompt.
	Pattern string `yaml:"pattern,omitempty"`
	Expect  Text   `yaml:"expect,omitempty"`
	// Example is an answer that matches Pattern; the loader checks it, so a
	// pattern that rejects every real answer cannot ship.
	Example string `yaml:"example,omitempty"`

	// Min and Max bound a number answer; an answer outside is re-prompted.
	Min *float64 `yaml:"min,omitempty"`
	Max *float64 `yaml:"max,omitempty"`

	// Checks give number and date answers a meaning; the first that matches wins.
	Checks []Check `yaml:"checks,omitempty"`

	Sourced `yaml:",inline"`

	re *regexp.Regexp // Pattern, compiled once by Prepare
}

// Choice is one answer to a choice question.
type Choice struct {
	ID      string  `yaml:"id"`
	Label   Text    `yaml:"label"`
	Outcome Outcome `yaml:"outcome,omitempty"` // ok (default), warn or stop
	Reason  Text    `yaml:"reason,omitempty"`  // why, for warn and stop
	Remedy  Text    `yaml:"remedy,omitempty"`  // the way to become eligible, for stop
}

// Check gives a number or date answer a meaning. For a number, it matches
// when Min <= value <= Max (either bound may be left out). For a date, it
// matches when the date is less than WithinDays days after today (a date
// in the past matches too), for example a licence about to expire.
type Check struct {
	Min        *float64 `yaml:"min,omitempty"`
	Max        *float64 `yaml:"max,omitempty"`
	WithinDays *int     `yaml:"within_days,omitempty"`
	Outcome    Outcome  `yaml:"outcome"`
	Reason     Text     `yaml:"reason"`
	Remedy     Text     `yaml:"remedy,omitempty"`
}

// Condition limits a question or an item to some sellers. All parts must
// hold; within a part, any listed value is enough.
type Condition struct {
	// Answers maps a question id to the choice ids that satisfy it.
	Answers map[string][]string `yaml:"answers,omitempty"`
	// Categories holds when the seller sells any of these categories.
	Categories []string `yaml:"categories,omitempty"`
}

// Category is a product category a seller can pick.
type Category struct {
	ID   string `yaml:"id"`
	Name Text   `yaml:"name"`
}

// Group is a checklist section.
type Group string

// Checklist groups, in the order the checklist shows them.
const (
	GroupAccount       Group = "account"
	GroupLogistics     Group = "logistics"
	GroupTax           Group = "tax"
	GroupCertification Group = "certification"
)

// Groups lists the checklist groups in display order.
func Groups() []Group {
	return []Group{GroupAccount, GroupLogistics, GroupTax, GroupCertification}
}

// Name is the group's seller-facing name.
func (g Group) Name() Text {
	switch g {
	case GroupAccount:
		return Text{ZH: "开店资料", EN: "Account and documents"}
	case GroupLogistics:
		return Text{ZH: "仓储物流", EN: "Warehouse and logistics"}
	case GroupTax:
		return Text{ZH: "税务与登记", EN: "Tax and registrations"}
	case GroupCertification:
		return Text{ZH: "产品资质认证", EN: "Product certification"}
	}
	return Text{ZH: string(g), EN: string(g)}
}

// Item is one checklist requirement: a certificate, a registration, a
// logistics rule. It applies to a seller when its condition holds.
type Item struct {
	ID       string     `yaml:"id"`
	Group    Group      `yaml:"group"`
	Title    Text       `yaml:"title"`
	Detail   Text       `yaml:"detail"`
	When     *Condition `yaml:"when,omitempty"`
	Evidence *Evidence  `yaml:"evidence,omitempty"`
	Sourced  `yaml:",inline"`
}

// Evidence is what a seller may record when marking an item done.
type Evidence struct {
	// Pattern is a regular expression a certificate or registration number
	// must match in full; Expect describes it for a re-prompt.
	Pattern string `yaml:"pattern,omitempty"`
	Expect  Text   `yaml:"expect,omitempty"`
	Example string `yaml:"example,omitempty"` // a number that matches Pattern
	// Expiry means the certificate has an expiry date worth recording.
	Expiry bool `yaml:"expiry,omitempty"`

	re *regexp.Regexp // Pattern, compiled once by Prepare
}

// anchored compiles a rule's pattern to match a whole answer.
func anchored(pattern string) (*regexp.Regexp, error) {
	return regexp.Compile(`^(?:` + pattern + `)$`)
}

// Prepare compiles a validated market's patterns once, so an answer is not
// checked against a freshly compiled expression every time. The loader
// calls it; markets built by hand work without it, more slowly.
func Prepare(m *Market) {
	for i := range m.Questions {
		if q := &m.Questions[i]; q.Pattern != "" {
			q.re, _ = anchored(q.Pattern)
		}
	}
	for i := range m.Items {
		if ev := m.Items[i].Evidence; ev != nil && ev.Pattern != "" {
			ev.re, _ = anchored(ev.Pattern)
		}
	}
}

// patternRe returns a pattern's compiled form, compiling it if Prepare did
// not (the validator has already checked that it compiles).
func patternRe(re *regexp.Regexp, pattern string) *regexp.Regexp {
	if re != nil {
		return re
	}
	re, err := anchored(pattern)
	if err != nil {
		return regexp.MustCompile(`^$.`) // matches nothing: an invalid rule accepts no answer
	}
	return re
}

// CategoryQuestionID is the reserved id of the category question that
// follows the market's own questions.
const CategoryQuestionID = "categories"

// DateLayout is how dates are written, in rule files and in answers.
const DateLayout = "2006-01-02"

// ParseDate reads a YYYY-MM-DD date as midnight UTC.
func ParseDate(s string) (time.Time, error) {
	return time.Parse(DateLayout, s)
}

// Question returns the question with id, including the category question.
func (m *Market) Question(id string) (*Question, bool) {
	if id == CategoryQuestionID && len(m.Categories) > 0 {
		q := m.categoryQuestion()
		return &q, true
	}
	for i := range m.Questions {
		if m.Questions[i].ID == id {
			return &m.Questions[i], true
		}
	}
	return nil, false
}

// Item returns the checklist item with id.
func (m *Market) Item(id string) (*Item, bool) {
	for i := range m.Items {
		if m.Items[i].ID == id {
			return &m.Items[i], true
		}
	}
	return nil, false
}

// Category returns the category with id.
func (m *Market) Category(id string) (*Category, bool) {
	for i := range m.Categories {
		if m.Categories[i].ID == id {
			return &m.Categories[i], true
		}
	}
	return nil, false
}

// categoryQuestion is the multi-choice question built from the categories.
func (m *Market) categoryQuestion() Question {
	q := Question{
		ID:    CategoryQuestionID,
		Stage: StageCategories,
		Kind:  KindMulti,
		Text: Text{
			ZH: "你打算在这个市场卖哪些类目？可以多选。",
			EN: "Which product categories will you sell here? Pick every one that applies.",
		},
		Sourced: Sourced{Source: m.Name.EN, Effective: m.Effective},
	}
	for _, c := range m.Categories {
		q.Choices = append(q.Choices, Choice{ID: c.ID, Label: c.Name, Outcome: OutcomeOK})
	}
	return q
}

// kind returns the question's kind with the default filled in.
func (q *Question) kind() Kind {
	if q.Kind == "" {
		return KindChoice
	}
	return q.Kind
}

// Choice returns the choice with id.
func (q *Question) Choice(id string) (*Choice, bool) {
	for i := range q.Choices {
		if q.Choices[i].ID == id {
			return &q.Choices[i], true
		}
	}
	return nil, false
}

// IsChoice reports whether the question is answered by picking choices.
func (q *Question) IsChoice() bool {
	k := q.kind()
	return k == KindChoice || k == KindMulti
}
