package datatest

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/flows"
)

// Input is what a seller types to take a path's step (flows.Walk) at
// question q, with s the answers so far and now the day they answer.
func Input(tb testing.TB, m *flows.Market, s flows.State, q *flows.Question, step flows.PathStep, now time.Time) string {
	tb.Helper()
	if q.IsChoice() {
		return step.Choice
	}
	var check *flows.Check
	if i, ok := strings.CutPrefix(step.Choice, "check-"); ok {
		n, _ := strconv.Atoi(i)
		check = &q.Checks[n]
	}
	switch q.Kind {
	case flows.KindText:
		if q.Example != "" {
			return q.Example
		}
		return "answer"
	case flows.KindDate:
		if check != nil {
			return now.Format(flows.DateLayout) // within any window
		}
		return now.AddDate(10, 0, 0).Format(flows.DateLayout)
	case flows.KindNumber:
		if check != nil {
			if check.Min != nil {
				return fmt.Sprint(*check.Min)
			}
			return fmt.Sprint(*check.Max)
		}
		// A number no check matches, within the question's range.
		for _, c := range []float64{0, 1, 2, 3, 5, 10, 14, 20, 50, 100, 1000} {
			in := fmt.Sprint(c)
			next, rej := flows.Apply(m, s, in, now)
			if rej == nil && flows.Current(m, next, now).Verdict == nil && !warned(m, next, q.ID, now) {
				return in
			}
		}
		tb.Fatalf("%s: no number passes every check", q.ID)
	}
	return ""
}

func warned(m *flows.Market, s flows.State, question string, now time.Time) bool {
	for _, w := range flows.Current(m, s, now).Warnings {
		if w.Question.ID == question {
			return true
		}
	}
	return false
}
