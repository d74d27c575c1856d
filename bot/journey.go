package bot

// Buttons for the whole journey: the next steps of every message as
// buttons (back, restart, the checklist, an item's done / n/a / why), the
// ticking of a multi-choice question, and items addressed by number.

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/onboardbot/onboardbot/flows"
)

// offer adds a button that runs a command as if it were typed. With a
// question it belongs to that question: once it is answered, the button
// is stale.
func (cv *Conversation) offer(label flows.Text, command string, m *flows.Market, question string) {
	ref := ChoiceRef{Kind: RefCommand, Choice: command, Question: question}
	if m != nil {
		ref.Market = m.ID
	}
	cv.choices = append(cv.choices, Choice{Label: label.In(cv.lang()), Ref: ref})
}

// command runs a button's command. A button of a question no longer open
// gets the stale notice.
func (cv *Conversation) command(ref *ChoiceRef) error {
	if ref.Question != "" {
		m, o, err := cv.onboarding(ref.Market)
		if err != nil {
			return err
		}
		if m == nil || o == nil {
			return cv.stale(nil, nil)
		}
		step := flows.Current(m, o.State, cv.now)
		open := step.Question != nil && step.Question.ID == ref.Question
		stopped := step.Verdict != nil && step.Verdict.Question.ID == ref.Question
		if !open && !stopped {
			return cv.stale(m, o)
		}
	}
	cmd, args, ok := cv.core.parseCommand(ref.Choice)
	if !ok || cmd.Admin {
		return cv.stale(nil, nil)
	}
	return cmd.Run(cv, args)
}

// stale answers a button that no longer applies, showing where the seller is.
func (cv *Conversation) stale(m *flows.Market, o *Onboarding) error {
	cv.notice = flows.Text{ZH: "这个按钮已经过期了。", EN: "That button is no longer current."}
	if m == nil || o == nil {
		cv.sayf("这个按钮已经过期了，没有记录。", "That button is no longer current, so nothing was recorded.")
		return nil
	}
	cv.sayf("这个按钮属于一个已经过去的问题，没有记录。当前进度：", "That button belongs to a question that is no longer current, so it was not recorded. Here is where you are:")
	cv.present(m, o, flows.Current(m, o.State, cv.now))
	return nil
}

// toggle ticks or unticks a choice of the open multi-choice question and
// shows the question again, in place of the message clicked.
func (cv *Conversation) toggle(ref *ChoiceRef, clicked *Clicked) error {
	m, o, step, ok, err := cv.openQuestion(ref)
	if err != nil || !ok {
		return err
	}
	if _, known := step.Question.Choice(ref.Choice); !known {
		return cv.stale(m, o)
	}
	if i := slices.Index(o.State.Picked, ref.Choice); i >= 0 {
		o.State.Picked = slices.Delete(o.State.Picked, i, i+1)
	} else {
		o.State.Picked = append(o.State.Picked, ref.Choice)
	}
	if err := cv.save(m, o); err != nil {
		return err
	}
	cv.ask(m, o, step)
	if clicked != nil && clicked.Message.Ref != "" {
		cv.replaces = clicked.Message.Ref
	}
	return nil
}

// submit answers the open multi-choice question with what is ticked.
func (cv *Conversation) submit(ref *ChoiceRef) error {
	m, o, step, ok, err := cv.openQuestion(ref)
	if err != nil || !ok {
		return err
	}
	if len(o.State.Picked) == 0 {
		cv.notice = flows.Text{ZH: "请至少选一个。", EN: "Pick at least one first."}
		cv.sayf("请至少选一个，再点“完成选择”。", "Pick at least one, then press Done.")
		cv.ask(m, o, step)
		return nil
	}
	// Ordered as the question lists them, whatever order they were ticked in.
	var picked []string
	for _, c := range step.Question.Choices {
		if slices.Contains(o.State.Picked, c.ID) {
			picked = append(picked, c.ID)
		}
	}
	return cv.answer(strings.Join(picked, ","), &ChoiceRef{Market: ref.Market, Question: ref.Question})
}

// openQuestion loads the market a button belongs to and checks the
// button's question is the one open; if not, the seller is told.
func (cv *Conversation) openQuestion(ref *ChoiceRef) (*flows.Market, *Onboarding, flows.Step, bool, error) {
	m, o, err := cv.currentMarket()
	if err != nil {
		return nil, nil, flows.Step{}, false, err
	}
	if m == nil || o == nil || m.ID != ref.Market {
		return nil, nil, flows.Step{}, false, cv.stale(m, o)
	}
	step := flows.Current(m, o.State, cv.now)
	if step.Question == nil || step.Question.ID != ref.Question || step.Question.Kind != flows.KindMulti {
		return nil, nil, flows.Step{}, false, cv.stale(m, o)
	}
	return m, o, step, true, nil
}

// numbered is a seller's checklist in the order it is shown: by group,
// then as the rule file lists them. An item's number is its place here.
func numbered(m *flows.Market, s flows.State, cv *Conversation) []flows.Entry {
	return numberedAt(m, s, cv.now)
}

func numberedAt(m *flows.Market, s flows.State, now time.Time) []flows.Entry {
	return inGroups(flows.Checklist(m, s, now))
}

// inGroups orders checklist entries as the seller sees them numbered:
// by group, in rule-file order within each.
func inGroups(entries []flows.Entry) []flows.Entry {
	var out []flows.Entry
	for _, g := range flows.Groups() {
		for _, e := range entries {
			if e.Item.Group == g {
				out = append(out, e)
			}
		}
	}
	return out
}

// itemNumber is an item's number in a seller's checklist, 0 if none.
func itemNumber(list []flows.Entry, id string) int {
	for i, e := range list {
		if e.Item.ID == id {
			return i + 1
		}
	}
	return 0
}

// parseNumber reads "3" or "３" as a positive number.
func parseNumber(s string) (int, bool) {
	var b strings.Builder
	for _, r := range s {
		if r >= '０' && r <= '９' {
			r = '0' + (r - '０')
		}
		b.WriteRune(r)
	}
	n, err := strconv.Atoi(b.String())
	return n, err == nil && n > 0
}
