package flows

import (
	"fmt"
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

// Reject is a seller input the engine cannot accept. Message says what was
// expected, in both languages; the state is unchanged.
type Reject struct {
	Message Text
}

func (r *Reject) Error() string { return r.Message.EN }

func reject(zh, en string, args ...any) *Reject {
	return &Reject{Message: Textf(Text{ZH: zh, EN: en}, args...)}
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
				// Sellers paste numbers with spaces, in lower case or
				// full width.
				in = compact(in)
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
	return strings.ReplaceAll(narrow(s), " ", "")
}

// narrow turns full-width forms (ＤＥ１２３，：) into their ASCII twins and
// the ideographic space into a space: a Chinese keyboard types them.
func narrow(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			return r - 0xFEE0
		case r == '\u3000':
			return ' '
		}
		return r
	}, s)
}

// compact is a pasted number as its issuer prints it, to match a pattern
// with: full-width forms narrowed, every space dropped, upper case
// ("gb 123 456 789" and "ＧＢ１２３４５６７８９" are GB123456789).
func compact(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(narrow(s)), ""))
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

// dayFirst is a date written day (or month) first, 30.06.2027 or 6/30/2027:
// not read, since it could mean two days, but recognised as a date.
var dayFirst = regexp.MustCompile(`^\d{1,2}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{4}$`)

// parseLooseDate reads 2027-03-31, 2027/3/31, 2027.03.31 or 2027年3月31日,
// in ASCII or full-width digits.
func parseLooseDate(s string) (time.Time, bool) {
	m := looseDate.FindStringSubmatch(narrow(s))
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
