package flows_test

import (
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/onboardbot/onboardbot/data/markets"
	"github.com/onboardbot/onboardbot/flows"
)

// fuzzMarkets loads the embedded markets once for all fuzz targets.
var fuzzMarkets = sync.OnceValues(func() ([]*flows.Market, error) {
	fsys, dir := markets.EmbeddedRules()
	c, err := markets.LoadRules(fsys, dir)
	if err != nil {
		return nil, err
	}
	return c.Markets(), nil
})

func loadFuzzMarkets(tb testing.TB) []*flows.Market {
	tb.Helper()
	ms, err := fuzzMarkets()
	if err != nil {
		tb.Fatal(err)
	}
	if len(ms) == 0 {
		tb.Fatal("no embedded markets")
	}
	return ms
}

// allQuestions lists every question of m, the category question included.
func allQuestions(tb testing.TB, m *flows.Market) []*flows.Question {
	tb.Helper()
	var qs []*flows.Question
	for i := range m.Questions {
		qs = append(qs, &m.Questions[i])
	}
	if len(m.Categories) > 0 {
		q, ok := m.Question(flows.CategoryQuestionID)
		if !ok {
			tb.Fatalf("%s: no category question", m.ID)
		}
		qs = append(qs, q)
	}
	return qs
}

// parseSeeds are inputs worth starting from: every form the parser
// handles, and the ways it can go wrong.
func parseSeeds() []string {
	return []string{
		"", " ", "\t\n", "1", "2", "3", "0", "-1", "+1", "01", "4", "99",
		"1,3", "1，3", "1、3", "1;3", "1；3", "1 3", "1,,3", ",", "，", "1,1,1", "1,x",
		"beauty", "beauty，food", "toys, electronics 5", "BEAUTY", "有", "没有",
		"中国内地或香港注册的公司(有营业执照)", "印尼外资公司(PT PMA)", "A company registered in mainland China or Hong Kong",
		"cn-company", "pt-pma", "yes", "no",
		"GB123456789", "gb 123 456 789", "GB123456789012", "GB12345", "ＧＢ１２３４５６７８９",
		"2027-03-01", "2027年3月1日", "2027 年 3 月 1 日", "2027/3/1", "2027.03.01", "2027-02-29", "2028-02-29",
		"2027-13-01", "0000-01-01", "9999-12-31", "2027-3-1日", "2027年03月01",
		"5", "1000", "1001", "1,000", "1e3", "1e-300", "5e-324", "0x10", "0x1p-2", "1_000",
		"1e400", "-1e400", "179769313486231570814527423731704356798070567181171", "99999999999999999999",
		"NaN", "nan", "Inf", "+Inf", "-Inf", "infinity", "-0", "+0", "0.0", "-0.0", ".5", "5.",
		"\xff", "\xc3\x28", "1\xff", "\xe4\xb8", "\x00", "1\x00", "%s", "%!", "%d%v%q",
		"\u00a0\u00a01\u00a0", "\u30001\u3000", "\u200b1", "１", "١",
		// Full width, measure words, dates day or month first, English
		// months, the words around an expiry.
		"０", "３", "１２", "１，０００", "１，３", "１、３", "２\u3000４", "－１", "＋１", "ｃｎ－ｃｏｍｐａｎｙ", "ＢＥＡＵＴＹ",
		"3个", "3 家", "3家店", "2 个店铺", "３个", "2个工作日", "2天", "3个月", "个", "个3", "1.5", "1.5个", "1,000家",
		"２０２７－０６－３０", "２０２７年６月３０日", "３０．０６．２０２７",
		"30.06.2027", "6/30/2027", "30/6/2027", "30-06-2027", "06.06.2027", "06.07.2027", "1/2/2028", "31.02.2027", "13.13.2027", "0.6.2027",
		"June 30 2027", "30 June 2027", "Jun 30, 2027", "30-Jun-2027", "sept 1st, 2027", "Feb 30 2027", "June 2027", "MAY 5 2027",
		"2027年6月30号", "有效期至2027年6月30日", "2027年6月30日止", "2027-06-30。", "2027年6月30日前", "到期 2027-06-30", "有效期：至 2027-06-30",
		"exp: Jun 30, 2027", "至", "前", "有效期", "至。", "2027-06-30，", "2027-6-30、",
		strings.Repeat("1", flows.MaxAnswerRunes), strings.Repeat("1", flows.MaxAnswerRunes+1),
		strings.Repeat("长", flows.MaxAnswerRunes), strings.Repeat("长", flows.MaxAnswerRunes+1),
		strings.Repeat("x", 100<<10), strings.Repeat("长", 100<<10/3), strings.Repeat("1,", 50<<10),
		strings.Repeat(" ", 100<<10) + "1", strings.Repeat("\xff", 100<<10),
	}
}

// FuzzParse checks that flows.Parse never panics on any question of any
// embedded market, that what it accepts is a well-formed answer, that
// what it rejects is explained in both languages, and that a choice, a
// number or a date typed in full width reads as it does in ASCII.
func FuzzParse(f *testing.F) {
	for _, s := range parseSeeds() {
		f.Add(s)
	}
	ms := loadFuzzMarkets(f)
	f.Fuzz(func(t *testing.T, input string) {
		wide := widen(input)
		for _, m := range ms {
			for _, q := range allQuestions(t, m) {
				a, rej := flows.Parse(q, input)
				if q.Kind != flows.KindText && utf8.ValidString(input) {
					wa, wrej := flows.Parse(q, wide)
					if (rej == nil) != (wrej == nil) || !reflect.DeepEqual(a, wa) {
						t.Fatalf("%s/%s: %q and %q read differently: %+v, %v; %+v, %v", m.ID, q.ID, input, wide, a, rej, wa, wrej)
					}
				}
				if rej != nil {
					checkReject(t, m.ID+"/"+q.ID, input, rej)
					continue
				}
				checkAnswer(t, m.ID, q, input, a)
			}
		}
	})
}

// widen is s as a Chinese keyboard in full-width mode types it: ASCII
// letters, digits and signs as their full-width forms, the space as the
// ideographic space.
func widen(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r > ' ' && r < 0x7F:
			return r + 0xFEE0
		case r == ' ':
			return '\u3000'
		}
		return r
	}, s)
}

// checkReject checks that a rejection says what was expected in both
// languages, without formatting errors.
func checkReject(t *testing.T, where, input string, rej *flows.Reject) {
	t.Helper()
	if strings.TrimSpace(rej.Message.ZH) == "" || strings.TrimSpace(rej.Message.EN) == "" {
		t.Fatalf("%s: input %q: reject without both languages: %+v", where, input, rej.Message)
	}
	if !strings.Contains(input, "%") && (strings.Contains(rej.Message.ZH, "%!") || strings.Contains(rej.Message.EN, "%!")) {
		t.Fatalf("%s: input %q: badly formatted reject: %+v", where, input, rej.Message)
	}
	if utf8.ValidString(input) && (!utf8.ValidString(rej.Message.ZH) || !utf8.ValidString(rej.Message.EN)) {
		t.Fatalf("%s: input %q: reject is not valid UTF-8: %+v", where, input, rej.Message)
	}
}

// checkAnswer checks that an accepted answer is well-formed for q.
func checkAnswer(t *testing.T, market string, q *flows.Question, input string, a flows.Answer) {
	t.Helper()
	where := market + "/" + q.ID
	if a.Question != q.ID {
		t.Fatalf("%s: input %q: answer names question %q", where, input, a.Question)
	}
	if !a.At.IsZero() {
		t.Fatalf("%s: input %q: Parse set the time %v", where, input, a.At)
	}
	if q.IsChoice() {
		if a.Text != "" {
			t.Fatalf("%s: input %q: choice answer with text %q", where, input, a.Text)
		}
		if len(a.Values) == 0 || q.Kind != flows.KindMulti && len(a.Values) != 1 {
			t.Fatalf("%s: input %q: %d values for a %q question: %q", where, input, len(a.Values), q.Kind, a.Values)
		}
		seen := map[string]bool{}
		for _, v := range a.Values {
			if _, ok := q.Choice(v); !ok {
				t.Fatalf("%s: input %q: value %q is not a choice", where, input, v)
			}
			if seen[v] {
				t.Fatalf("%s: input %q: duplicate value %q in %q", where, input, v, a.Values)
			}
			seen[v] = true
		}
		return
	}
	if a.Values != nil {
		t.Fatalf("%s: input %q: %s answer with values %q", where, input, q.Kind, a.Values)
	}
	switch q.Kind {
	case flows.KindText:
		if a.Text == "" || utf8.RuneCountInString(a.Text) > flows.MaxAnswerRunes {
			t.Fatalf("%s: input %q: text answer of %d runes", where, input, utf8.RuneCountInString(a.Text))
		}
		if q.Pattern != "" && !regexp.MustCompile(`^(?:`+q.Pattern+`)$`).MatchString(a.Text) {
			t.Fatalf("%s: input %q: answer %q does not match %q", where, input, a.Text, q.Pattern)
		}
	case flows.KindNumber:
		n, err := strconv.ParseFloat(a.Text, 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			t.Fatalf("%s: input %q: number answer %q does not parse as a finite number: %v", where, input, a.Text, err)
		}
		if q.Min != nil && n < *q.Min || q.Max != nil && n > *q.Max {
			t.Fatalf("%s: input %q: number %v outside [%v, %v]", where, input, n, q.Min, q.Max)
		}
		// The answer is shown back to the seller: one canonical spelling.
		if canon := strconv.FormatFloat(n, 'f', -1, 64); a.Text != canon || math.Signbit(n) && n == 0 {
			t.Fatalf("%s: input %q: number answer %q is not canonical (%q)", where, input, a.Text, canon)
		}
	case flows.KindDate:
		d, err := flows.ParseDate(a.Text)
		if err != nil {
			t.Fatalf("%s: input %q: date answer %q: %v", where, input, a.Text, err)
		}
		if d.Format(flows.DateLayout) != a.Text {
			t.Fatalf("%s: input %q: date answer %q is not YYYY-MM-DD", where, input, a.Text)
		}
	default:
		t.Fatalf("%s: input %q: accepted an answer to a question of kind %q", where, input, q.Kind)
	}
}

// TestParseFuzzFindings keeps what fuzzing Parse found, by name (the
// negative zeros are also in testdata/fuzz/FuzzParse).
func TestParseFuzzFindings(t *testing.T) {
	q, ok := market(t, "tiktok-uk").Question("shops")
	if !ok || q.Kind != flows.KindNumber {
		t.Fatal("tiktok-uk has no number question shops")
	}
	tests := []struct {
		name, input, want string
	}{
		{"negative zero is zero", "-0", "0"},
		{"negative zero with a decimal point", "-0.0", "0"},
		{"positive zero", "+0", "0"},
		{"full-width zero", "０", "0"},
		{"a count with its measure word", "3家店", "3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, rej := flows.Parse(q, tt.input)
			if rej != nil {
				t.Fatalf("rejected: %s", rej.Message.EN)
			}
			if a.Text != tt.want {
				t.Errorf("answer %q, want %q", a.Text, tt.want)
			}
		})
	}
}
