package flows_test

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/onboardbot/onboardbot/flows"
)

// maxFuzzSteps bounds one sequence, so one input stays fast.
const maxFuzzSteps = 300

// sequenceSeeds are conversations, one line a step. A line is an answer,
// or one of:
//
//	<back>                     flows.Back
//	<done ITEM [EVIDENCE...]>  flows.Mark done (ITEM may be #N: the Nth checklist entry)
//	<na ITEM>, <todo ITEM>     flows.Mark not applicable, to do
//	<wait DAYS>                let DAYS days pass
//
// Every sequence is played against every embedded market; an answer that
// does not fit the current question is rejected and changes nothing, so a
// sequence that mixes answer forms walks several markets at once.
func sequenceSeeds() []string {
	return []string{
		"",
		"<back>",
		"<done x>\n<na x>\n<todo x>\n<back>",
		// tiktok-uk, the paths of the table tests.
		"1\n0\n1\n1\n1\nGB123456789\n2\n1\n<done uk-rp>\n<done scpn REF123 2027-06-30>\n<done uk-vat gb 123456789>\n<na uk-warehouse>\n<todo uk-rp>",
		"A company registered in mainland China or Hong Kong\n2\nready\n有\nno\ncn-prestock\ntoys, electronics 5\n<done #0>\n<done #1>\n<done #2>\n<done #3>\n<back>\n1",
		"3\n<back>\n1\n5\n<back>\n<back>\n2\n0",
		"1\n0\n1\n1\n2\n4\n<back>\n1\n1，3\n<done #0 2026-11-24>\n<done #0 ABC 2027-01-01 2027-02-01>\n<done #0 A B>\n<done nope>",
		// tiktok-id.
		"pt-pma\nyes\nready\noverseas-3pl\nbeauty\uff0cfood\n<done bpom-cosmetics>\n<na halal-food>\n<done #2>\n<done #3>\n<done #4>\n<done #5>\n<done #6>",
		"cn-company\n<back>\npt-pma\nno",
		// amazon-de, numbers with spaces and dates anywhere among them.
		"cn-company\n2028-12-31\nready\ngermany\nyes\nelectronics\n<done weee DE 12345678>\n<done weee 2027 年 6 月 30 日>\n<done weee>" +
			"\n<done de-vat-id de 123 456 789 2027/6/30>\n<done de-vat-id ＤＥ１２３>\n<done weee DE 1 30.06.2027>\n<wait 600>\n<done weee>\n<todo weee>",
		// amazon-de, expiries as sellers write them: punctuation after,
		// words before and after, English months, day or month first.
		"cn-company\n30.06.2028\nready\ngermany\nyes\nelectronics\n<done weee UKCA-1 2027-6-30。>\n<done weee ID-1 2027-06-30，>" +
			"\n<done weee BANK 有效期2027-06-30>\n<done weee SLS 到期 2027-06-30>\n<done weee 2027年6月30日前>\n<done weee June 30 2027>" +
			"\n<done weee 30 June 2027>\n<done weee Jun 30, 2027>\n<done weee DE 1 06.07.2027>\n<done weee ID-1，6/30/2027>" +
			"\n<done de-vat-id DE 123 456 789，有效期至2030-01-01>\n<done weee UKCA-2027-06-30>\n<done weee A 至 B>",
		"cn-company\n06.07.2028\nJun 30, 2028\n1\n1\n1\n1\n<done #0 有效期至 2027年6月30日止。>\n<done #1 SLS exp: Jun 30, 2027>",
		// tiktok-uk in full width, and a count with its measure word.
		"１\n３家店\n<back>\n０个\n１\n１\n１\nＧＢ１２３４５６７８９\n２\n１，３\n<done #0 ＩＤ－１ ２０２７－０６－３０。>\n<done #1 2027年6月30日前>",
		// Mixed answer forms: each market takes the ones that fit its questions.
		strings.Repeat("1\n2099-12-31\n0\n", 16) + "1,2,3\n" + strings.Repeat("<done #0>\n<done #1>\n<na #2>\n<done #3 2027-06-30>\n", 3),
		strings.Repeat("2\n2030-01-01\n3\n", 16) + "1 2 3 4 5\n<wait 400>\n<back>\n2",
		// A licence that is fine today and expires soon after.
		strings.Repeat("1\n2027-01-31\n", 16) + "1\n<done #0 2027-01-01>\n<wait 30>\n<back>\n<wait 60>\n1,2\n<done #1>",
		"1\n" + strings.Repeat("<back>\n", 5) + "1\n1\n1\n\n \n\xff\n" + strings.Repeat("x", 300),
		"<wait -100000>\n1\n2099-12-31\n<wait 100000>\n1",
	}
}

// FuzzApplySequence plays a conversation (see sequenceSeeds) against every
// embedded market from the empty state, and checks after every step that
// the state is consistent: a stage that exists, a question exactly while
// one is open, a verdict exactly when ineligible, rejected steps that change
// nothing, and a checklist of exactly the items that apply.
func FuzzApplySequence(f *testing.F) {
	for _, s := range sequenceSeeds() {
		f.Add(s)
	}
	ms := loadFuzzMarkets(f)
	f.Fuzz(func(t *testing.T, input string) {
		lines := strings.Split(input, "\n")
		if len(lines) > maxFuzzSteps {
			lines = lines[:maxFuzzSteps]
		}
		for _, m := range ms {
			playSequence(t, m, lines)
		}
	})
}

var fuzzStart = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

func playSequence(t *testing.T, m *flows.Market, lines []string) {
	t.Helper()
	var s flows.State
	now, travelled := fuzzStart, false
	checkState(t, m, s, now, travelled, "start")
	for i, line := range lines {
		where := m.ID + " step " + strconv.Itoa(i) + " " + strconv.Quote(line)
		before := s.Clone()
		var next flows.State
		var rej *flows.Reject
		op, args := command(line)
		switch op {
		case "back":
			var ok bool
			next, ok = flows.Back(s)
			if !ok {
				if len(s.Answers) != 0 {
					t.Fatalf("%s: Back refused with %d answers", where, len(s.Answers))
				}
				rej = &flows.Reject{Message: flows.Text{ZH: "-", EN: "-"}}
			} else if !sameAnswers(next.Answers, s.Answers[:len(s.Answers)-1]) {
				t.Fatalf("%s: Back did not drop exactly the last answer:\n%+v\n%+v", where, s.Answers, next.Answers)
			}
		case "wait":
			days, err := strconv.Atoi(args[0])
			if err != nil {
				op = ""
				break
			}
			now = now.AddDate(0, 0, max(-36500, min(36500, days)))
			travelled = travelled || days != 0
			checkState(t, m, s, now, travelled, where)
			continue
		case "done", "na", "todo":
			item := markTarget(m, s, now, args[0])
			next, rej = flows.Mark(m, s, item, flows.ItemStatus(op), args[1:], now)
			if rej == nil {
				if !sameAnswers(next.Answers, s.Answers) {
					t.Fatalf("%s: Mark changed the answers", where)
				}
				st, marked := next.Items[item]
				if op == "todo" && marked || op != "todo" && (!marked || st.Status != flows.ItemStatus(op)) {
					t.Fatalf("%s: Mark %s %s left %+v", where, op, item, next.Items)
				}
				// Done again with nothing new keeps what was recorded.
				if old := s.Items[item]; op == "done" && len(args) == 1 && old.Status == flows.ItemDone &&
					(st.Number != old.Number || st.Expiry != old.Expiry) {
					t.Fatalf("%s: done again changed the evidence %+v to %+v", where, old, st)
				}
				// A new expiry is a day after today, written YYYY-MM-DD.
				if old := s.Items[item]; op == "done" && st.Expiry != old.Expiry {
					d, err := flows.ParseDate(st.Expiry)
					if err != nil || d.Format(flows.DateLayout) != st.Expiry || !d.After(now) {
						t.Fatalf("%s: recorded the expiry %q at %s", where, st.Expiry, now.Format(flows.DateLayout))
					}
				}
			}
			// The expiry reads the same in full width; so does the number,
			// where no pattern makes it compact.
			if it, ok := m.Item(item); ok && op == "done" && len(args) > 1 && utf8.ValidString(line) &&
				(it.Evidence == nil || it.Evidence.Pattern == "") {
				wide := make([]string, len(args)-1)
				for i, a := range args[1:] {
					wide[i] = widen(a)
				}
				wnext, wrej := flows.Mark(m, s, item, flows.ItemStatus(op), wide, now)
				switch {
				case (rej == nil) != (wrej == nil):
					t.Fatalf("%s: in full width %q: %v, %v", where, wide, rej, wrej)
				case rej == nil && (wnext.Items[item].Expiry != next.Items[item].Expiry ||
					widen(next.Items[item].Number) != widen(wnext.Items[item].Number)):
					t.Fatalf("%s: in full width %q recorded %+v, not %+v", where, wide, wnext.Items[item], next.Items[item])
				}
			}
		}
		if op == "" {
			step := flows.Current(m, s, now)
			next, rej = flows.Apply(m, s, line, now)
			if step.Question == nil && rej != flows.ErrNoQuestion {
				t.Fatalf("%s: Apply at stage %s without a question: %v", where, step.Stage, rej)
			}
			if rej == nil {
				if len(next.Answers) != len(s.Answers)+1 || !sameAnswers(next.Answers[:len(s.Answers)], s.Answers) {
					t.Fatalf("%s: Apply did not add exactly one answer", where)
				}
				if a := next.Answers[len(s.Answers)]; a.Question != step.Question.ID || !a.At.Equal(now) {
					t.Fatalf("%s: answer %+v to question %s", where, a, step.Question.ID)
				}
			}
		}
		// Whatever happened, the old state must be untouched: callers keep it.
		if !reflect.DeepEqual(s, before) {
			t.Fatalf("%s: the operation changed its input state:\n%+v\n%+v", where, before, s)
		}
		if rej != nil {
			checkReject(t, where, line, rej)
			if !reflect.DeepEqual(next, before) {
				t.Fatalf("%s: a rejected step changed the state:\n%+v\n%+v", where, before, next)
			}
			continue
		}
		s = next
		checkState(t, m, s, now, travelled, where)
	}
}

// sameAnswers compares answer lists, a nil list equal to an empty one.
func sameAnswers(a, b []flows.Answer) bool {
	return slices.EqualFunc(a, b, func(x, y flows.Answer) bool { return reflect.DeepEqual(x, y) })
}

// command reads a "<op args...>" line; op is "" for an answer.
func command(line string) (string, []string) {
	if !strings.HasPrefix(line, "<") || !strings.HasSuffix(line, ">") {
		return "", nil
	}
	f := strings.Fields(line[1 : len(line)-1])
	switch {
	case len(f) == 1 && f[0] == "back":
		return "back", nil
	case len(f) == 2 && f[0] == "wait",
		len(f) >= 2 && f[0] == "done",
		len(f) == 2 && (f[0] == "na" || f[0] == "todo"):
		return f[0], f[1:]
	}
	return "", nil
}

// markTarget resolves "#N" to the Nth checklist entry (wrapping around),
// so sequences reach items in every market; other ids are used as given.
func markTarget(m *flows.Market, s flows.State, now time.Time, arg string) string {
	n, err := strconv.Atoi(strings.TrimPrefix(arg, "#"))
	if !strings.HasPrefix(arg, "#") || err != nil || n < 0 {
		return arg
	}
	entries := flows.Checklist(m, s, now)
	if len(entries) == 0 {
		return arg
	}
	return entries[n%len(entries)].Item.ID
}

var stages = []flows.Stage{
	flows.StageEligibility, flows.StageLogistics, flows.StageCategories,
	flows.StageChecklist, flows.StageComplete, flows.StageIneligible,
}

// checkState checks that Current and Checklist agree with each other and
// with the state. travelled says whether time has moved since the first
// answer: a date answer that was fine may then have become a "stop".
func checkState(t *testing.T, m *flows.Market, s flows.State, now time.Time, travelled bool, where string) {
	t.Helper()
	step := flows.Current(m, s, now)
	if !slices.Contains(stages, step.Stage) {
		t.Fatalf("%s: unknown stage %q", where, step.Stage)
	}
	asking := step.Stage == flows.StageEligibility || step.Stage == flows.StageLogistics || step.Stage == flows.StageCategories
	if (step.Question != nil) != asking {
		t.Fatalf("%s: stage %s with question %v", where, step.Stage, step.Question)
	}
	if step.Question != nil && step.Question.Stage != step.Stage {
		t.Fatalf("%s: stage %s asks question %s of stage %s", where, step.Stage, step.Question.ID, step.Question.Stage)
	}
	if (step.Verdict != nil) != (step.Stage == flows.StageIneligible) {
		t.Fatalf("%s: stage %s with verdict %+v", where, step.Stage, step.Verdict)
	}
	if step.Verdict != nil && (step.Verdict.Outcome != flows.OutcomeStop || step.Verdict.Reason.ZH == "" || step.Verdict.Reason.EN == "") {
		t.Fatalf("%s: verdict does not explain itself: %+v", where, step.Verdict)
	}
	// Every answer was given to the question open at the time, and only a
	// date check turning "stop" as time passes can cut the path short.
	if step.Asked > len(s.Answers) || step.Asked < len(s.Answers) && (!travelled || step.Stage != flows.StageIneligible) {
		t.Fatalf("%s: stage %s after %d of %d answers", where, step.Stage, step.Asked, len(s.Answers))
	}

	entries := flows.Checklist(m, s, now)
	want := applicable(m, s)
	if step.Stage == flows.StageIneligible {
		want = nil // not eligible, even if only since time moved: no checklist
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Item.ID)
		st := s.Items[e.Item.ID]
		if st.Status == "" {
			st.Status = flows.ItemTodo
		}
		if e.State != st {
			t.Fatalf("%s: entry %s has state %+v, recorded %+v", where, e.Item.ID, e.State, st)
		}
		if e.Item != mustItem(t, m, e.Item.ID) {
			t.Fatalf("%s: entry %s is not the market's item", where, e.Item.ID)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("%s: checklist %q, want the applicable items %q", where, got, want)
	}
	if step.Stage == flows.StageIneligible && len(entries) > 0 {
		t.Fatalf("%s: an ineligible seller has a checklist %q", where, got)
	}
	open := slices.ContainsFunc(entries, flows.Entry.Open)
	switch step.Stage {
	case flows.StageChecklist:
		if !open {
			t.Fatalf("%s: stage checklist with nothing open", where)
		}
	case flows.StageComplete:
		if open {
			t.Fatalf("%s: stage complete with open items", where)
		}
	}
}

func mustItem(t *testing.T, m *flows.Market, id string) *flows.Item {
	t.Helper()
	it, ok := m.Item(id)
	if !ok {
		t.Fatalf("no item %s", id)
	}
	return it
}

// applicable lists, in file order and independently of the engine, the ids
// of the items whose conditions hold for the seller's answers, once the
// categories are picked.
func applicable(m *flows.Market, s flows.State) []string {
	answers := map[string][]string{}
	var cats []string
	picked := false
	for _, a := range s.Answers {
		if a.Question == flows.CategoryQuestionID {
			cats, picked = a.Values, true
		} else if len(a.Values) > 0 {
			answers[a.Question] = a.Values
		}
	}
	if len(m.Categories) > 0 && !picked {
		return nil
	}
	overlaps := func(have, want []string) bool {
		return slices.ContainsFunc(have, func(h string) bool { return slices.Contains(want, h) })
	}
	var out []string
	for _, it := range m.Items {
		ok := true
		if c := it.When; c != nil {
			for qid, want := range c.Answers {
				ok = ok && overlaps(answers[qid], want)
			}
			ok = ok && (len(c.Categories) == 0 || overlaps(cats, c.Categories))
		}
		if ok && !slices.Contains(out, it.ID) {
			out = append(out, it.ID)
		}
	}
	return out
}
