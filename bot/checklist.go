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
	// The checklist on screen is the one its numbers refer to: "done 3"
	// next marks this market's item 3, not the last market started.
	cv.seller.Market = m.ID
	cv.checklist(m, o)
	return nil
}

// findItem resolves what a seller calls an item: its id ("scpn", or
// "tiktok-uk:scpn" naming the market), its number in the checklist of the
// market they are in ("3"), or a word of its title ("cpsc" finds
// cpc-efiling). It looks in the current market first, then in the others
// they started. When it finds none, or several, it says so (several come
// as a short list to pick from) and returns no market.
func (cv *Conversation) findItem(ref string) (*flows.Market, *Onboarding, string, error) {
	lower := strings.ToLower(flows.Narrow(ref))
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
	type found struct {
		m  *flows.Market
		o  *Onboarding
		id string
	}
	var byWord, near []found // near: ids nearly the one typed ("scnp")
	for i, mid := range candidates {
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
		list := numbered(m, o.State, cv)
		if n, ok := parseNumber(item); ok && i == 0 && n <= len(list) {
			return m, o, list[n-1].Item.ID, nil // numbers are those of the checklist the seller sees
		}
		for _, e := range list {
			if strings.Contains(e.Item.ID, item) || strings.Contains(strings.ToLower(e.Item.Title.EN), item) || strings.Contains(e.Item.Title.ZH, item) {
				byWord = append(byWord, found{m, o, e.Item.ID})
			}
			if nearly(item, e.Item.ID) {
				near = append(near, found{m, o, e.Item.ID})
			}
		}
	}
	switch {
	case len(byWord) == 1:
		return byWord[0].m, byWord[0].o, byWord[0].id, nil
	case len(byWord) > 1:
		cv.sayf("“%s”对应好几项，选一项：", "%q matches several items; pick one:", ref)
		for _, f := range byWord[:min(len(byWord), 8)] {
			it, _ := f.m.Item(f.id)
			cv.offer(flows.Textf(flows.Text{ZH: "%s · %s", EN: "%s · %s"}, f.id, shorten(it.Title.In(cv.lang()), 16)), "why "+f.m.ID+":"+f.id, f.m, "")
		}
		return nil, nil, "", nil
	}
	// A misspelt id: the ids of the seller's checklists that are nearly it.
	if len(near) > 0 {
		cv.sayf("找不到清单项“%s”。你是不是指：", "There is no checklist item %q. Did you mean:", ref)
		for _, f := range near[:min(len(near), 4)] {
			it, _ := f.m.Item(f.id)
			cv.offer(flows.Textf(flows.Text{ZH: "%s · %s", EN: "%s · %s"}, f.id, shorten(it.Title.In(cv.lang()), 16)), "why "+f.m.ID+":"+f.id, f.m, "")
		}
		return nil, nil, "", nil
	}
	cv.sayf("找不到清单项“%s”。用 /checklist 查看编号。", "There is no checklist item %q in your markets. /checklist shows the item ids.", ref)
	return nil, nil, "", nil
}

// nearly says whether a typed id is a slip of the keyboard away from an
// id: at most one edit for a short id, two for a longer one.
func nearly(typed, id string) bool {
	if typed == id || len(typed) < 3 {
		return false
	}
	most := 1
	if len(id) >= 6 {
		most = 2
	}
	return editDistance(typed, id) <= most
}

// editDistance is the number of edits between two strings, by rune: a
// rune added, dropped, changed, or two side by side swapped ("scnp" is one
// from "scpn"; the optimal string alignment distance).
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

func markRunner(status flows.ItemStatus) func(cv *Conversation, args []string) error {
	return func(cv *Conversation, args []string) error {
		return cv.mark(status, args, nil)
	}
}

// mark marks an item, with the files the seller sent as its evidence
// (attached), recorded in the same transaction.
func (cv *Conversation) mark(status flows.ItemStatus, args []string, attached []Attachment) error {
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
		if len(attached) > 0 {
			cv.sayf("📎 文件没有保存：请改好说明后重新发送。", "📎 The file is not kept: send it again with the caption corrected.")
		}
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
	if err := cv.teamNote(markNote(status, itemID, m)); err != nil {
		return err
	}
	switch status {
	case flows.ItemDone:
		cv.sayf("✅ 已完成：%s", "✅ Done: %s", it.Title)
		if ev := evidence(st, cv.lang()); ev != "" {
			cv.blocks[len(cv.blocks)-1].Text += " (" + ev + ")"
		}
	case flows.ItemNA:
		cv.sayf("➖ 不适用：%s", "➖ Not applicable: %s", it.Title)
	default:
		cv.sayf("⬜ 改回待办：%s", "⬜ Back to do: %s", it.Title)
	}
	cv.evidenceChange(prev, st)
	if st.Expiry != prev.Expiry || prev.Status != flows.ItemDone {
		cv.expiryNote(m.ID, itemID, st)
	}
	for _, a := range attached {
		if err := cv.attachTo(m, itemID, a); err != nil {
			return err
		}
	}
	list := numbered(m, next, cv)
	done, na, total := counts(list)
	if done+na == total {
		cv.sayf("🎉 %s 的清单全部完成！", "🎉 Your %s checklist is complete!", m.Name)
	} else {
		cv.say(progress(m, done, na, total))
		// The next open item, so a seller can go on without the list.
		for i, e := range list {
			if e.Open() && !e.Upcoming {
				cv.offer(flows.Textf(flows.Text{ZH: "下一项：%d %s", EN: "Next: %d %s"}, i+1, shorten(e.Item.Title.In(cv.lang()), 14)), "why "+m.ID+":"+e.Item.ID, m, "")
				break
			}
		}
	}
	cv.offer(flows.Text{ZH: "📋 查看清单", EN: "📋 Checklist"}, "checklist "+m.ID, m, "")
	return nil
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
	m, o, id, err := cv.findItem(args[0])
	if err != nil || m == nil {
		return err
	}
	it, _ := m.Item(id)
	lang := cv.lang()
	st := o.State.Items[id]
	cv.head(it.Title.In(lang))
	cv.text(it.Detail.In(lang))
	if ev := evidence(st, lang); ev != "" {
		cv.sayf("已记录：%s", "Recorded: %s", ev)
	}
	files, err := cv.tx.ItemFiles(cv.ctx, cv.seller.ID, m.ID, id)
	if err != nil {
		return err
	}
	if len(files) > 0 {
		defer cv.offer(flows.Textf(flows.Text{ZH: "📎 文件（%d）", EN: "📎 Files (%d)"}, len(files)), "files "+m.ID+":"+id, m, "")
	}
	cv.note(cv.source(it.Sourced) + "\n" + flows.Textf(flows.Text{ZH: "%s · 规则版本 %s", EN: "%s · rules version %s"}, m.Name, m.Version).In(lang))
	ref := m.ID + ":" + id
	if st.Status == flows.ItemDone || st.Status == flows.ItemNA {
		cv.offer(flows.Text{ZH: "⬜ 改回待办", EN: "⬜ Reopen"}, "todo "+ref, m, "")
	} else {
		cv.offer(flows.Text{ZH: "✅ 完成", EN: "✅ Done"}, "done "+ref, m, "")
		cv.offer(flows.Text{ZH: "➖ 不适用", EN: "➖ Not applicable"}, "na "+ref, m, "")
		if it.Evidence != nil {
			cv.note(flows.Textf(flows.Text{ZH: "要记下证书编号和有效期：done %s 编号 2027-06-30", EN: "To record the certificate number and expiry: done %s NUMBER 2027-06-30"}, ref).In(lang))
		}
	}
	cv.offer(flows.Text{ZH: "📋 返回清单", EN: "📋 Checklist"}, "checklist "+m.ID, m, "")
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
