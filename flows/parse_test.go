package flows_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/onboardbot/onboardbot/flows"
)

func question(t *testing.T, marketID, id string) *flows.Question {
	t.Helper()
	q, ok := market(t, marketID).Question(id)
	if !ok {
		t.Fatalf("%s has no question %s", marketID, id)
	}
	return q
}

// parseCase is one input to one question: what is stored, or the words
// the refusal must contain in each language.
type parseCase struct {
	name     string
	market   string
	question string
	input    string
	values   []string // a choice answer
	text     string   // a number, date or text answer
	rejectEN string   // the refusal, in English; "" means accepted
	rejectZH string
}

func runParseCases(t *testing.T, tests []parseCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := question(t, tt.market, tt.question)
			a, rej := flows.Parse(q, tt.input)
			if tt.rejectEN != "" {
				if rej == nil {
					t.Fatalf("%q accepted as %q %q", tt.input, a.Values, a.Text)
				}
				if !strings.Contains(rej.Message.EN, tt.rejectEN) || !strings.Contains(rej.Message.ZH, tt.rejectZH) {
					t.Errorf("%q refused with %q / %q, want %q / %q", tt.input, rej.Message.EN, rej.Message.ZH, tt.rejectEN, tt.rejectZH)
				}
				return
			}
			if rej != nil {
				t.Fatalf("%q refused: %s / %s", tt.input, rej.Message.EN, rej.Message.ZH)
			}
			if !slices.Equal(a.Values, tt.values) || a.Text != tt.text {
				t.Errorf("%q read as %q %q, want %q %q", tt.input, a.Values, a.Text, tt.values, tt.text)
			}
		})
	}
}

// Sellers on a Chinese keyboard type full-width digits and letters: they
// are read as their ASCII twins wherever a choice, number or date is.
func TestParseFullWidth(t *testing.T) {
	runParseCases(t, []parseCase{
		{name: "choice by a full-width number", market: "tiktok-uk", question: "entity", input: "１", values: []string{"cn-company"}},
		{name: "choice by a full-width number, last", market: "tiktok-uk", question: "entity", input: "３", values: []string{"individual"}},
		{name: "choice by a full-width number in ideographic spaces", market: "tiktok-uk", question: "entity", input: "\u3000２\u3000", values: []string{"uk-company"}},
		{name: "choice by a full-width id", market: "tiktok-uk", question: "entity", input: "ｃｎ－ｃｏｍｐａｎｙ", values: []string{"cn-company"}},
		{name: "full-width number out of range", market: "tiktok-uk", question: "entity", input: "４", rejectEN: "(1-3)", rejectZH: "（1-3）"},
		{name: "several full-width numbers", market: "tiktok-uk", question: flows.CategoryQuestionID, input: "１，３", values: []string{"beauty", "toys"}},
		{name: "full-width numbers with an ideographic space", market: "tiktok-uk", question: flows.CategoryQuestionID, input: "２\u3000４", values: []string{"food", "electronics"}},
		{name: "full-width numbers, one not an option", market: "tiktok-uk", question: flows.CategoryQuestionID, input: "１，９", rejectEN: `"9" is not one of the options`, rejectZH: "“9”不是选项之一"},
		{name: "full-width zero", market: "tiktok-uk", question: "shops", input: "０", text: "0"},
		{name: "full-width number", market: "tiktok-uk", question: "shops", input: "１２", text: "12"},
		{name: "full-width thousands", market: "tiktok-uk", question: "shops", input: "１，０００", text: "1000"},
		{name: "full-width minus is below the range", market: "tiktok-uk", question: "shops", input: "－１", rejectEN: "from 0 to 1000", rejectZH: "0 到 1000"},
		{name: "full-width date", market: "amazon-de", question: "licence-expiry", input: "２０２７－０６－３０", text: "2027-06-30"},
		{name: "full-width Chinese date", market: "amazon-de", question: "licence-expiry", input: "２０２７年６月３０日", text: "2027-06-30"},
		{name: "full-width day first", market: "amazon-de", question: "licence-expiry", input: "３０．０６．２０２７", text: "2027-06-30"},
		{name: "full-width VAT number", market: "tiktok-uk", question: "vat-number", input: "ＧＢ１２３４５６７８９", text: "GB123456789"},
	})
}

// A count may carry its measure word (3个, 3 家, 3家店), at a number
// question only; a unit the question does not count in is refused.
func TestParseMeasureWords(t *testing.T) {
	runParseCases(t, []parseCase{
		{name: "ge", market: "tiktok-uk", question: "shops", input: "3个", text: "3"},
		{name: "jia with a space", market: "tiktok-uk", question: "shops", input: "3 家", text: "3"},
		{name: "jia dian", market: "tiktok-uk", question: "shops", input: "3家店", text: "3"},
		{name: "ge dianpu", market: "tiktok-uk", question: "shops", input: "2 个店铺", text: "2"},
		{name: "full width with ge", market: "tiktok-uk", question: "shops", input: "３个", text: "3"},
		{name: "zero ge", market: "tiktok-uk", question: "shops", input: "0个", text: "0"},
		{name: "working days", market: "tiktok-us", question: "dispatch-days", input: "2个工作日", text: "2"},
		{name: "days", market: "tiktok-us", question: "dispatch-days", input: "2天", text: "2"},
		{name: "months are not a count of shops", market: "tiktok-uk", question: "shops", input: "3个月", rejectEN: "from 0 to 1000", rejectZH: "0 到 1000"},
		{name: "days are not a count of shops", market: "tiktok-uk", question: "shops", input: "3天", rejectEN: "from 0 to 1000", rejectZH: "0 到 1000"},
		{name: "shops are not days", market: "tiktok-us", question: "dispatch-days", input: "3家店", rejectEN: "from 0 to 60", rejectZH: "0 到 60"},
		{name: "a measure word alone", market: "tiktok-uk", question: "shops", input: "个", rejectEN: "from 0 to 1000", rejectZH: "0 到 1000"},
		{name: "measure word first", market: "tiktok-uk", question: "shops", input: "个3", rejectEN: "from 0 to 1000", rejectZH: "0 到 1000"},
		{name: "out of range with a measure word", market: "tiktok-uk", question: "shops", input: "1001家", rejectEN: "from 0 to 1000", rejectZH: "0 到 1000"},
		{name: "a measure word is no choice", market: "tiktok-uk", question: "entity", input: "1个", rejectEN: "(1-3)", rejectZH: "（1-3）"},
		{name: "a measure word is no date", market: "amazon-de", question: "licence-expiry", input: "2027个", rejectEN: "year-month-day", rejectZH: "年-月-日"},
		// The rule files cannot say a number is whole (min and max only),
		// so decimals stay as they were: accepted.
		{name: "decimal stays accepted", market: "tiktok-uk", question: "shops", input: "1.5", text: "1.5"},
	})
}

// Dates written day first or month first are read when only one reading
// is a date, and refused with both readings named when either could be.
func TestParseDayOrMonthFirst(t *testing.T) {
	runParseCases(t, []parseCase{
		{name: "day first with dots", market: "amazon-de", question: "licence-expiry", input: "30.06.2027", text: "2027-06-30"},
		{name: "month first with slashes", market: "amazon-de", question: "licence-expiry", input: "6/30/2027", text: "2027-06-30"},
		{name: "day first with slashes", market: "amazon-de", question: "licence-expiry", input: "30/6/2027", text: "2027-06-30"},
		{name: "day first with dashes", market: "amazon-de", question: "licence-expiry", input: "30-06-2027", text: "2027-06-30"},
		{name: "day and month the same", market: "amazon-de", question: "licence-expiry", input: "06.06.2027", text: "2027-06-06"},
		{name: "ambiguous", market: "amazon-de", question: "licence-expiry", input: "06.07.2027",
			rejectEN: `"06.07.2027" could be 6 July or 7 June: please write it year first, for example 2027-07-06.`,
			rejectZH: "「06.07.2027」可能是 6 月 7 日，也可能是 7 月 6 日：请写成 年-月-日，例如 2027-07-06。"},
		{name: "ambiguous, month first", market: "amazon-de", question: "licence-expiry", input: "1/2/2028",
			rejectEN: `"1/2/2028" could be 1 February or 2 January: please write it year first, for example 2028-02-01.`,
			rejectZH: "「1/2/2028」可能是 1 月 2 日，也可能是 2 月 1 日：请写成 年-月-日，例如 2028-02-01。"},
		{name: "no 31 February", market: "amazon-de", question: "licence-expiry", input: "31.02.2027", rejectEN: "year-month-day", rejectZH: "年-月-日"},
		{name: "no 13th month either way", market: "amazon-de", question: "licence-expiry", input: "13.13.2027", rejectEN: "year-month-day", rejectZH: "年-月-日"},
		{name: "no day 0", market: "amazon-de", question: "licence-expiry", input: "0.6.2027", rejectEN: "year-month-day", rejectZH: "年-月-日"},
		{name: "English month first", market: "amazon-de", question: "licence-expiry", input: "June 30 2027", text: "2027-06-30"},
		{name: "English day first", market: "amazon-de", question: "licence-expiry", input: "30 June 2027", text: "2027-06-30"},
		{name: "English short with a comma", market: "amazon-de", question: "licence-expiry", input: "Jun 30, 2027", text: "2027-06-30"},
		{name: "English with dashes", market: "amazon-de", question: "licence-expiry", input: "30-Jun-2027", text: "2027-06-30"},
		{name: "English ordinal, lower case", market: "amazon-de", question: "licence-expiry", input: "sept 1st, 2027", text: "2027-09-01"},
		{name: "English with a long s, as (?i) folds it", market: "amazon-de", question: "licence-expiry", input: "ſep 1 2027", text: "2027-09-01"},
		{name: "English, no such day", market: "amazon-de", question: "licence-expiry", input: "Feb 30 2027", rejectEN: "year-month-day", rejectZH: "年-月-日"},
		{name: "Chinese with hao", market: "amazon-de", question: "licence-expiry", input: "2027年6月30号", text: "2027-06-30"},
		{name: "Chinese expiry words", market: "amazon-de", question: "licence-expiry", input: "有效期至2027年6月30日", text: "2027-06-30"},
		{name: "Chinese until", market: "amazon-de", question: "licence-expiry", input: "2027年6月30日止", text: "2027-06-30"},
		{name: "a full stop after", market: "amazon-de", question: "licence-expiry", input: "2027-06-30。", text: "2027-06-30"},
		{name: "a month alone is no date", market: "amazon-de", question: "licence-expiry", input: "June 2027", rejectEN: "year-month-day", rejectZH: "年-月-日"},
	})
}

// The refusals of the parser are written in Chinese with full-width
// punctuation, like every other message.
func TestParseRefusalsUseFullWidthPunctuation(t *testing.T) {
	qs := []*flows.Question{
		question(t, "tiktok-uk", "entity"), question(t, "tiktok-uk", flows.CategoryQuestionID),
		question(t, "tiktok-uk", "shops"), question(t, "tiktok-uk", "vat-number"),
		question(t, "amazon-de", "licence-expiry"), question(t, "amazon-de", "licence-expiry"),
	}
	inputs := []string{"x", "x", "x", "x", "x", "06.07.2027"}
	for i, q := range qs {
		_, rej := flows.Parse(q, inputs[i])
		if rej == nil {
			t.Fatalf("%s: %q accepted", q.ID, inputs[i])
		}
		// The examples (1,3) are what to type; the sentence around them
		// is punctuated in full width.
		zh := strings.ReplaceAll(rej.Message.ZH, "1,3", "")
		if strings.ContainsAny(zh, "(),:;") {
			t.Errorf("%s: half-width punctuation in %q", q.ID, rej.Message.ZH)
		}
	}
	_, rej := flows.Parse(question(t, "tiktok-uk", "shops"), strings.Repeat("1", flows.MaxAnswerRunes+1))
	if rej == nil || strings.ContainsAny(rej.Message.ZH, "(),:;") {
		t.Errorf("too long: %+v", rej)
	}
}
