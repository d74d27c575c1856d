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
		return Answer{}, reject("回答太长了（最多 %d 个字）。", "That answer is too long (at most %d characters).", MaxAnswerRunes)
	}
	a := Answer{Question: q.ID}
	if q.kind() != KindText {
		// A choice, a number or a date reads the same whichever keyboard
		// typed it: full-width digits, letters and signs (１, ＧＢ, －) are
		// their ASCII twins, the ideographic space a space. A text answer
		// is kept as typed (a pattern narrows it below).
		in = narrow(in)
	}
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
		// A count may end in its measure word (3个, 3 家, 3家店).
		num, ok := count(q, in)
		if !ok || !decimal.MatchString(num) {
			return Answer{}, expected(q)
		}
		n, err := strconv.ParseFloat(strings.ReplaceAll(num, ",", ""), 64)
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
		r := readDate(in)
		switch r.form {
		case eitherWay:
			return Answer{}, r.eitherWayRefusal()
		case validDate:
			a.Text = r.date.Format(DateLayout)
		default:
			return Answer{}, expected(q)
		}
	}
	return a, nil
}

// measure is a count with its measure word: a classifier (3个, 3 家,
// 3间), a noun (3店, 2天, 2工作日), or both (3家店, 2个店铺, 2个工作日).
var measure = regexp.MustCompile(`^(.*?)\s*(?:(?:个|家|间)\s*)?(店铺|店|工作日|天)?$`)

// count is a number answer without the measure word after it. A
// classifier counts anything; a noun must be what the question counts
// (3家店 answers how many shops, not how many days, and 3个月 is months,
// which no question here counts), else ok is false.
func count(q *Question, in string) (num string, ok bool) {
	m := measure.FindStringSubmatch(in)
	if m == nil || m[1] == "" {
		return in, true
	}
	switch m[2] {
	case "店", "店铺":
		return m[1], strings.Contains(q.Text.ZH, "店")
	case "天", "工作日":
		return m[1], strings.Contains(q.Text.ZH, "天") || strings.Contains(q.Text.ZH, "工作日")
	}
	return m[1], true
}

// match finds the choice that input names: its number, its id, or its label
// in either language.
func (q *Question) match(input string) (string, bool) {
	input = narrow(input)
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
// Narrow is narrow for the bot's own lookups (item and market ids typed
// on a Chinese keyboard).
func Narrow(s string) string { return narrow(s) }

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
		return reject("请回复选项的编号（1-%d）或选项名称。", "Please reply with the number of an option (1-%d) or its name.", len(q.Choices))
	case KindMulti:
		return reject("请回复一个或多个选项编号（1-%d），用逗号或空格分开，例如 1,3。",
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
		return reject("请输入一个数字，例如 3。", "Please enter a number, for example 3.")
	case KindDate:
		return reject("请输入日期，格式为 年-月-日，例如 2027-03-31。", "Please enter a date as year-month-day, for example 2027-03-31.")
	}
	if q.Pattern != "" {
		return reject("格式不对。需要：%s", "That is not in the expected form. Expected: %s", q.Expect)
	}
	return reject("请输入文字回答。", "Please type your answer.")
}

var decimal = regexp.MustCompile(`^[-+]?(\d{1,3}(,\d{3})+|\d{1,15})(\.\d{1,6})?$`)

// dateForm is what a piece of text is as a date.
type dateForm int

const (
	notDate   dateForm = iota // not shaped like a date
	validDate                 // a day in the calendar
	noSuchDay                 // shaped like a date, but no such day (2027-02-30, 31.02.2027)
	eitherWay                 // day first or month first, and both are days (06.07.2027)
)

// yearFirst is a date year first: 2027-03-31, 2027/3/31, 2027.03.31,
// 2027年3月31日 or 2027年3月31号, with the year, month and day as groups.
const yearFirst = `(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?`

// looseDate is a whole input that is a date year first.
var looseDate = regexp.MustCompile(`^` + yearFirst + `$`)

// dayFirst is a date written day (or month) first, 30.06.2027 or
// 6/30/2027: read when only one of the two numbers can be the month.
var dayFirst = regexp.MustCompile(`^(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})$`)

// monthName is an English month, in full or short, with an optional dot.
const monthName = `(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?`

// monthFirst is June 30 2027, Jun 30, 2027 or Sept 1st, 2027; dayMonth
// is 30 June 2027, 30-Jun-2027 or 1st Sept, 2027. The day and the year
// are apart (a space or a comma), so a run of digits is never both.
var (
	monthFirst = regexp.MustCompile(`(?i)^` + monthName + `\s*(\d{1,2})(?:st|nd|rd|th)?(?:\s*,\s*|\s+)(\d{4})$`)
	dayMonth   = regexp.MustCompile(`(?i)^(\d{1,2})(?:st|nd|rd|th)?\s*[-/]?\s*` + monthName + `\s*[-/,]?\s*(\d{4})$`)
)

// dateLead is what sellers write just before an expiry date (有效期至,
// 到期日：, expiry), and dateTail what they write after it (前, 止, 为止,
// 到期) and the punctuation that ends a sentence or a list (。，、；.).
// Both are read from narrowed text: ：，； are already :,;.
var (
	dateLead = regexp.MustCompile(`(?i)^(?:(?:有效期至|有效期到|有效期为|有效期|有效日期至|有效日期|到期日期|到期日|到期时间|到期|截止日期|截止到|截止|截至|至|expiry date|expiry|expires on|expires|exp\.?|valid until|valid till|valid to|until)\s*:?\s*)+`)
	dateTail = regexp.MustCompile(`\s*(?:为止|止|之前|以前|前|到期)?[\s。、,;.!]*$`)
)

// dateRead is a piece of text read as a date.
type dateRead struct {
	form dateForm
	date time.Time // when form is validDate
	// text is the date itself as written (narrowed), without the words
	// around it, for messages.
	text string
	// first, second and year are the numbers of a date that could be read
	// either way (first.second.year).
	first, second, year int
}

// readDate reads s as a date: year first (2027-03-31, 2027年3月31日), day
// or month first (30.06.2027, 6/30/2027) when only one reading is a day,
// or with an English month name (June 30 2027, 30 June 2027); in ASCII or
// full-width digits, and with the words around an expiry date (有效期至
// 2027-06-30, 2027年6月30日前, 2027-06-30。).
func readDate(s string) dateRead {
	s = strings.TrimSpace(narrow(s))
	start := 0
	if loc := dateLead.FindStringIndex(s); loc != nil {
		start = loc[1]
	}
	end := dateTail.FindStringIndex(s)[0]
	if end <= start {
		return dateRead{}
	}
	core := strings.TrimSpace(s[start:end])
	r := dateRead{text: core}
	var y, mo, d int
	if m := looseDate.FindStringSubmatch(core); m != nil {
		y, mo, d = atoi(m[1]), atoi(m[2]), atoi(m[3])
	} else if m := dayFirst.FindStringSubmatch(core); m != nil {
		a, b := atoi(m[1]), atoi(m[2])
		y = atoi(m[3])
		switch {
		case a > 12 && b <= 12:
			d, mo = a, b
		case b > 12 && a <= 12:
			mo, d = a, b
		case a == b || a > 12: // 06.06.2027 either way; 13.13.2027 neither
			d, mo = a, b
		case a == 0 || b == 0:
			d, mo = a, b // no such day
		default:
			r.form, r.first, r.second, r.year = eitherWay, a, b, y
			return r
		}
	} else if m := monthFirst.FindStringSubmatch(core); m != nil {
		mo, d, y = month(m[1]), atoi(m[2]), atoi(m[3])
	} else if m := dayMonth.FindStringSubmatch(core); m != nil {
		d, mo, y = atoi(m[1]), month(m[2]), atoi(m[3])
	} else {
		return dateRead{}
	}
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	// time.Date normalises 2027-02-30 to March: refuse instead.
	if t.Year() != y || int(t.Month()) != mo || t.Day() != d {
		r.form = noSuchDay
		return r
	}
	r.form, r.date = validDate, t
	return r
}

// eitherWayRefusal is the refusal of a date that could be read day first or
// month first: it names both days and shows the form to use.
func (r dateRead) eitherWayRefusal() *Reject {
	a, b := r.first, r.second
	example := time.Date(r.year, time.Month(b), a, 0, 0, 0, 0, time.UTC).Format(DateLayout)
	return &Reject{Message: Text{
		ZH: fmt.Sprintf("「%s」可能是 %d 月 %d 日，也可能是 %d 月 %d 日：请写成 年-月-日，例如 %s。", r.text, a, b, b, a, example),
		EN: fmt.Sprintf("%q could be %d %s or %d %s: please write it year first, for example %s.",
			r.text, a, time.Month(b), b, time.Month(a), example),
	}}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// months are the English months as monthName begins them.
var months = []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

// month is the number of an English month name (jun, June, sept.). It
// compares as the (?i) of monthName does, so the few letters that fold to
// ASCII ones (ſ is s) read the same; 0 is no month.
func month(name string) int {
	r := []rune(name)
	short := string(r[:min(3, len(r))])
	for i, m := range months {
		if strings.EqualFold(short, m) {
			return i + 1
		}
	}
	return 0
}
