package bot

// The checklist commands: showing it, marking items, and why an item is there.

import (
	"fmt"
	"strings"

	"github.com/onboardbot/onboardbot/flows"
)

func (cv *Conversation) checklistCmd(args []string) error {
	m, o, err := cv.namedOnboarding(args, "/checklist tiktok-uk")
	if m == nil || err != nil {
		return err
	}
	if o == nil {
		cv.sayf("你还没有开始 %s 的入驻。输入 /onboard %s 开始。", "You have not started %s yet. Type /onboard %s to start.", m.Name, m.ID)
		return nil
	}
	step := flows.Current(m, o.State, cv.now)
	if step.Stage != flows.StageChecklist && step.Stage != flows.StageComplete {
		cv.sayf("清单要等问题答完才能生成。", "The checklist comes once the questions are answered.")
		cv.present(m, o, step)
		return nil
	}
	cv.checklist(m, o)
	return nil
}

// findItem resolves an item id ("scpn" or "tiktok-uk:scpn") in the current
// market first, then in the other markets the seller has started.
func (cv *Conversation) findItem(id string) (*flows.Market, *Onboarding, string, error) {
	lower := strings.ToLower(id)
	market, item, explicit := strings.Cut(lower, ":")
	if !explicit {
		market, item = "", lower
	}
	var candidates []string
	if market != "" {
		candidates = []string{market}
	} else {
		all, err := cv.tx.Onboardings(cv.ctx, cv.seller.ID)
		if err != nil {
			return nil, nil, "", fmt.Errorf("list onboardings: %w", err)
		}
		if cv.seller.Market != "" {
			candidates = append(candidates, cv.seller.Market)
		}
		for _, o := range all {
			if o.Market != cv.seller.Market {
				candidates = append(candidates, o.Market)
			}
		}
	}
	for _, mid := range candidates {
		m, o, err := cv.onboarding(mid)
		if err != nil {
			return nil, nil, "", err
		}
		if o == nil {
			continue
		}
		if _, ok := m.Item(item); ok {
			return m, o, item, nil
		}
	}
	cv.sayf("找不到清单项“%s”。用 /checklist 查看编号。", "There is no checklist item %q in your markets. /checklist shows the item ids.", id)
	return nil, nil, "", nil
}

func markRunner(status flows.ItemStatus) func(cv *Conversation, args []string) error {
	return func(cv *Conversation, args []string) error {
		if len(args) == 0 {
			cv.sayf("请写上清单项编号，例如 /done scpn。用 /checklist 查看编号。", "Please name a checklist item, for example /done scpn. /checklist shows the ids.")
			return nil
		}
		m, o, itemID, err := cv.findItem(args[0])
		if err != nil || m == nil {
			return err
		}
		prev := o.State.Items[itemID]
		// The words after the id, as typed: flows.Mark finds the expiry
		// among them and takes the rest, spaces kept, for the number.
		next, rej := flows.Mark(m, o.State, itemID, status, args[1:], cv.now)
		if rej != nil {
			cv.say(rej.Message)
			return nil
		}
		o.State = next
		if err := cv.save(m, o); err != nil {
			return err
		}
		st := next.Items[itemID]
		value := string(status)
		if ev := evidence(st, flows.EN); ev != "" {
			value += " " + ev
		}
		if err := cv.history(m.ID, ActionMark, itemID, value); err != nil {
			return err
		}
		it, _ := m.Item(itemID)
		switch status {
		case flows.ItemDone:
			cv.sayf("✅ 已完成：%s", "✅ Done: %s", it.Title)
			if ev := evidence(st, cv.lang()); ev != "" {
				cv.parts[len(cv.parts)-1] += " (" + ev + ")"
			}
		case flows.ItemNA:
			cv.sayf("➖ 不适用：%s", "➖ Not applicable: %s", it.Title)
		default:
			cv.sayf("⬜ 改回待办：%s", "⬜ Back to do: %s", it.Title)
		}
		cv.evidenceChange(prev, st)
		entries := flows.Checklist(m, next, cv.now)
		done, na, total := counts(entries)
		if done+na == total {
			cv.sayf("🎉 %s 的清单全部完成！", "🎉 Your %s checklist is complete!", m.Name)
		} else {
			cv.say(progress(m, done, na, total))
			cv.sayf("/checklist 查看剩下的。", "/checklist shows the rest.")
		}
		return nil
	}
}

// evidenceChange tells the seller what became of the number and expiry
// recorded before, so nothing they typed goes without a word: what a new
// mark replaced, or what reopening or n/a removed. Evidence kept shows in
// the ✅ line already.
func (cv *Conversation) evidenceChange(prev, cur flows.ItemState) {
	if prev.Status != flows.ItemDone {
		return
	}
	gone := prev
	if cur.Status == flows.ItemDone {
		gone = flows.ItemState{}
		if prev.Number != cur.Number {
			gone.Number = prev.Number
		}
		if prev.Expiry != cur.Expiry {
			gone.Expiry = prev.Expiry
		}
	}
	ev := evidence(gone, cv.lang())
	switch {
	case ev == "":
	case cur.Status == flows.ItemDone:
		cv.sayf("已替换之前记录的：%s。", "Replaced what was recorded before: %s.", ev)
	default:
		cv.sayf("已删除之前记录的：%s（/history 里还能查到）。", "Removed what was recorded before: %s (/history still shows it).", ev)
	}
}

func (cv *Conversation) why(args []string) error {
	if len(args) == 0 {
		cv.sayf("请写上清单项编号，例如 /why scpn。", "Please name a checklist item, for example /why scpn.")
		return nil
	}
	m, _, id, err := cv.findItem(args[0])
	if err != nil || m == nil {
		return err
	}
	it, _ := m.Item(id)
	cv.sayf("%s(%s)\n%s", "%s (%s)\n%s", it.Title, m.Name, it.Detail)
	cv.parts = append(cv.parts, cv.source(it.Sourced))
	cv.sayf("规则版本 %s", "Rules version %s", m.Version)
	return nil
}

// counts tallies a checklist: items done (and not expired), not applicable, and in all.
func counts(entries []flows.Entry) (done, na, total int) {
	for _, e := range entries {
		switch {
		case e.Open():
		case e.State.Status == flows.ItemDone:
			done++
		case e.State.Status == flows.ItemNA:
			na++
		}
	}
	return done, na, len(entries)
}
