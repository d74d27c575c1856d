package flows

// Searching the rules of every market for a seller's free question
// ("印尼能卖口红吗", "do I need UKCA for toys"). Chinese is written without
// spaces, so Chinese text is cut into overlapping pairs of characters
// (化妆品 gives 化妆 and 妆品) and single characters; other text into
// lower-cased words.
// Each checklist item, question and market summary is one document,
// ranked with BM25 over its weighted fields.

import (
	"math"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// BM25's usual constants: how soon repeating a word stops adding to the
// score, and how much a long document is discounted.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// Field weights: a word in an item's title says more than one in its
// detail; the market's name and region tie every document to its market.
const (
	weightTitle    = 3
	weightID       = 2
	weightCategory = 2
	weightMarket   = 1.5
	weightBody     = 1
	// weightSynonym is a query word that stands for another ("口红" gives
	// "cosmetic"): a little less than the word the seller typed.
	weightSynonym = 0.8
	// minShare leaves out hits scoring under this share of the best one:
	// they match a side word only (the region, not the product).
	minShare = 0.3
)

// Index searches a catalog's rules. Build it once per catalog with
// NewIndex; Search is safe for concurrent use.
type Index struct {
	catalog  *Catalog
	docs     []Hit // what each document is, by document number
	postings map[string][]posting
}

// posting is one document holding a term, with the term's BM25 weight there.
type posting struct {
	doc    int32
	weight float32
}

// Hit is one search result: a checklist item, a question, or (when both
// are nil) the market's own summary.
type Hit struct {
	Market   *Market
	Item     *Item
	Question *Question
	Score    float64 // BM25: comparable within one search only
}

// Title is what the hit says: the item's title, the question, or the
// market's summary.
func (h Hit) Title() Text {
	switch {
	case h.Item != nil:
		return h.Item.Title
	case h.Question != nil:
		return h.Question.Text
	}
	return h.Market.Summary
}

// NewIndex indexes every market of catalog: its name, region and summary,
// its questions (text, help, choices and what they mean) and its checklist
// items (id, title, detail and the names of the categories they are for).
func NewIndex(catalog *Catalog) *Index {
	x := &indexer{ids: map[string]int32{}}
	ix := &Index{catalog: catalog}
	for _, m := range catalog.Markets() {
		marketTerms := appendTexts(nil, m.Name, m.Region, Text{EN: m.Platform + " " + m.ID})

		x.addTerms(weightTitle, marketTerms)
		x.add(weightBody, m.Summary)
		ix.docs = append(ix.docs, Hit{Market: m})
		x.end()

		for i := range m.Questions {
			q := &m.Questions[i]
			x.addTerms(weightMarket, marketTerms)
			x.add(weightTitle, q.Text)
			x.add(weightBody, q.Help, q.Expect)
			for _, c := range q.Choices {
				x.add(weightBody, c.Label, c.Reason, c.Remedy)
			}
			for _, c := range q.Checks {
				x.add(weightBody, c.Reason, c.Remedy)
			}
			ix.docs = append(ix.docs, Hit{Market: m, Question: q})
			x.end()
		}

		for i := range m.Items {
			it := &m.Items[i]
			x.addTerms(weightMarket, marketTerms)
			x.add(weightID, Text{EN: it.ID})
			x.add(weightTitle, it.Title)
			x.add(weightBody, it.Detail)
			if it.When != nil {
				for _, id := range it.When.Categories {
					if c, ok := m.Category(id); ok {
						x.add(weightCategory, c.Name)
					}
				}
			}
			ix.docs = append(ix.docs, Hit{Market: m, Item: it})
			x.end()
		}
	}
	ix.postings = x.postings()
	return ix
}

// indexer gathers the documents of an index: terms are numbered as they
// are first seen, and the current document's weighted counts are kept in
// an array by term number.
type indexer struct {
	ids     map[string]int32
	terms   []string
	docs    [][]termCount
	lengths []float32
	counts  []float32 // the current document's, by term number
	seen    []int32   // the term numbers the current document has
	length  float32
	buf     []string
}

type termCount struct {
	term  int32
	count float32
}

// add adds the words of texts, in both languages, to the current document.
func (x *indexer) add(weight float32, texts ...Text) {
	x.buf = appendTexts(x.buf[:0], texts...)
	x.addTerms(weight, x.buf)
}

func (x *indexer) addTerms(weight float32, terms []string) {
	for _, t := range terms {
		id, ok := x.ids[t]
		if !ok {
			id = int32(len(x.terms))
			x.ids[t] = id
			x.terms = append(x.terms, t)
			x.counts = append(x.counts, 0)
		}
		if x.counts[id] == 0 {
			x.seen = append(x.seen, id)
		}
		x.counts[id] += weight
		x.length += weight
	}
}

// end closes the current document.
func (x *indexer) end() {
	doc := make([]termCount, len(x.seen))
	for i, id := range x.seen {
		doc[i] = termCount{id, x.counts[id]}
		x.counts[id] = 0
	}
	x.docs = append(x.docs, doc)
	x.lengths = append(x.lengths, x.length)
	x.seen, x.length = x.seen[:0], 0
}

// postings weighs every term in every document with BM25.
func (x *indexer) postings() map[string][]posting {
	var total float64
	for _, l := range x.lengths {
		total += float64(l)
	}
	avg := total / math.Max(1, float64(len(x.lengths)))
	df := make([]int, len(x.terms))
	for _, doc := range x.docs {
		for _, tc := range doc {
			df[tc.term]++
		}
	}
	n := float64(len(x.docs))
	idf := make([]float64, len(x.terms))
	byTerm := make([][]posting, len(x.terms))
	for t, d := range df {
		idf[t] = math.Log(1 + (n-float64(d)+0.5)/(float64(d)+0.5))
		byTerm[t] = make([]posting, 0, d)
	}
	for i, doc := range x.docs {
		norm := bm25K1 * (1 - bm25B + bm25B*float64(x.lengths[i])/avg)
		for _, tc := range doc {
			f := float64(tc.count)
			byTerm[tc.term] = append(byTerm[tc.term], posting{doc: int32(i), weight: float32(idf[tc.term] * f * (bm25K1 + 1) / (f + norm))})
		}
	}
	out := make(map[string][]posting, len(x.terms))
	for id, t := range x.terms {
		out[t] = byTerm[id]
	}
	return out
}

// appendTexts appends the index terms of texts in both languages.
func appendTexts(out []string, texts ...Text) []string {
	for _, t := range texts {
		out = appendTerms(appendTerms(out, t.ZH, true), t.EN, true)
	}
	return out
}

// Catalog returns the catalog the index was built from.
func (ix *Index) Catalog() *Catalog { return ix.catalog }

// Search returns at most limit hits for query, best first (ties in
// catalog order), leaving out those far behind the best. Words that only
// make a sentence a question (吗, 可以, "can I") are ignored; a few words
// sellers use and the rules do not (口红, lipstick, 虾皮) stand for the ones
// they do.
func (ix *Index) Search(query string, limit int) []Hit {
	if limit <= 0 {
		return nil
	}
	terms := queryTerms(query)
	if len(terms) == 0 {
		return nil
	}
	scores := make([]float64, len(ix.docs))
	var touched []int32
	for _, t := range terms {
		for _, p := range ix.postings[t.term] {
			if scores[p.doc] == 0 {
				touched = append(touched, p.doc)
			}
			scores[p.doc] += t.weight * float64(p.weight)
		}
	}
	if len(touched) == 0 {
		return nil
	}
	sort.Slice(touched, func(i, j int) bool {
		a, b := touched[i], touched[j]
		if scores[a] != scores[b] {
			return scores[a] > scores[b]
		}
		return a < b
	})
	best := scores[touched[0]]
	var out []Hit
	for _, d := range touched {
		if len(out) == limit || scores[d] < minShare*best {
			break
		}
		h := ix.docs[d]
		h.Score = scores[d]
		out = append(out, h)
	}
	return out
}

// queryTerm is a term to look for, and how much it counts.
type queryTerm struct {
	term   string
	weight float64
}

// queryTerms returns the query's terms with their weights: the seller's
// own words, and the words their synonyms stand for. They come sorted, so
// scores are summed in the same order every time and ties stay ties.
func queryTerms(query string) []queryTerm {
	query = strings.ToLower(query)
	weights := map[string]float64{}
	put := func(t string, w float64) {
		weights[t] = max(weights[t], w)
	}
	words := appendTerms(nil, splitQuery.Replace(query), false)
	for _, t := range words {
		if !stopWords[t] {
			put(t, 1)
		}
	}
	joined := " " + strings.Join(words, " ") + " "
	for _, s := range synonyms {
		for _, key := range s.keys {
			if strings.Contains(query, key) && isHan(key) || strings.Contains(joined, " "+key+" ") {
				for _, t := range appendTerms(nil, s.means, false) {
					put(t, weightSynonym)
				}
				break
			}
		}
	}
	out := make([]queryTerm, 0, len(weights))
	for t, w := range weights {
		out = append(out, queryTerm{t, w})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].term < out[j].term })
	return out
}

// appendTerms appends the terms of s: each run of Chinese characters gives
// its pairs of neighbouring characters (and, with singles or when the run
// is one character long, each character); other letters and digits give
// lower-cased words, with a plural ending taken off.
func appendTerms(out []string, s string, singles bool) []string {
	runStart, wordStart := -1, -1
	flushRun := func(end int) {
		if runStart < 0 {
			return
		}
		run := s[runStart:end]
		prev, n := -1, 0
		for i := range run {
			if singles {
				out = append(out, run[i:i+runeLen(run[i:])])
			}
			if prev >= 0 {
				out = append(out, run[prev:i+runeLen(run[i:])])
			}
			prev = i
			n++
		}
		if n == 1 && !singles {
			out = append(out, run)
		}
		runStart = -1
	}
	flushWord := func(end int) {
		if wordStart < 0 {
			return
		}
		if w := stem(strings.ToLower(s[wordStart:end])); len(w) > 1 {
			out = append(out, w)
		}
		wordStart = -1
	}
	for i, r := range s {
		switch {
		case unicode.Is(unicode.Han, r):
			flushWord(i)
			if runStart < 0 {
				runStart = i
			}
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			flushRun(i)
			if wordStart < 0 {
				wordStart = i
			}
		default:
			flushRun(i)
			flushWord(i)
		}
	}
	flushRun(len(s))
	flushWord(len(s))
	return out
}

// runeLen is the length in bytes of the first character of s.
func runeLen(s string) int {
	for i := range s {
		if i > 0 {
			return i
		}
	}
	return len(s)
}

// stem takes a plural ending off an English word, so "cosmetics" finds
// "cosmetic" and "batteries" finds "battery".
func stem(w string) string {
	switch {
	case len(w) > 4 && strings.HasSuffix(w, "ies"):
		return w[:len(w)-3] + "y"
	case len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us"):
		return w[:len(w)-1]
	}
	return w
}

func isHan(s string) bool {
	for _, r := range s {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return s != ""
}

// stopPhrases are where a Chinese question only asks (能不能, 吗): the
// words around them are searched apart, so 能卖口红吗 gives 口红 and not
// 能卖 or 红吗.
var stopPhrases = []string{
	"能不能", "可不可以", "要不要", "有没有", "是不是", "请问", "可以", "需要", "是否", "怎么", "怎样",
	"如何", "什么", "哪些", "哪个", "我们", "一下",
	"吗", "呢", "吧", "啊", "呀", "的", "了", "我", "能", "卖", "在", "和", "或", "还", "也", "都",
}

// splitQuery cuts a Chinese query at the question words, and around the
// words of two characters or more the synonyms know, so 英国增值税 gives
// 英国 and 增值税 but not the pair 国增 (which 德国增值税 has too).
var splitQuery *strings.Replacer

// stopWords are English words that make a question but say nothing of its
// subject. "us" is not one: it is the United States.
var stopWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a an the i im we my our you your me it its this that these those
		can could do does did need needed is are was be been to in on at of for and or not
		what how which when where who will would should must with without there any some if
		about from by as sell selling sold want like please have has get tell know`) {
		stopWords[stem(w)] = true
	}
	var pairs []string
	for i := range synonyms {
		for j, key := range synonyms[i].keys {
			switch {
			case isHan(key) && utf8.RuneCountInString(key) > 1:
				pairs = append(pairs, key, " "+key+" ")
			case !isHan(key):
				synonyms[i].keys[j] = strings.Join(appendTerms(nil, key, false), " ")
			}
		}
	}
	for _, p := range stopPhrases {
		pairs = append(pairs, p, " ")
	}
	splitQuery = strings.NewReplacer(pairs...)
}

// synonym is a set of words sellers use that the rules do not, and the
// words of the rules they stand for.
type synonym struct {
	keys  []string // Chinese keys match anywhere in a query, others its whole words
	means string
}

// synonyms holds the words that matter to sellers: products, regions and
// the Chinese names of platforms.
var synonyms = []synonym{
	{[]string{"口红", "唇膏", "彩妆", "化妆", "美妆", "护肤", "面霜", "面膜", "香水", "眼影", "粉底", "lipstick", "makeup", "skincare", "perfume", "cream", "cosmetic"}, "cosmetic beauty 化妆品"},
	{[]string{"玩具", "儿童", "婴儿", "宝宝", "toy", "kid", "child", "baby"}, "toy children 玩具 儿童"},
	{[]string{"充电", "耳机", "蓝牙", "手机", "电池", "数码", "电器", "charger", "powerbank", "headphone", "earphone", "phone", "battery", "gadget"}, "electronic 电子"},
	{[]string{"蓝牙", "无线", "wifi", "bluetooth", "wireless"}, "radio 无线电"},
	{[]string{"衣服", "服装", "鞋", "帽", "裙", "clothes", "clothing", "shoe", "dress", "fashion", "garment"}, "apparel 服装"},
	{[]string{"零食", "饮料", "食物", "茶叶", "咖啡", "snack", "drink", "beverage", "tea", "coffee"}, "food 食品"},
	{[]string{"增值税"}, "vat"},
	{[]string{"印尼", "印度尼西亚", "indonesian"}, "indonesia"},
	{[]string{"英国", "britain", "british", "england", "gb"}, "uk kingdom"},
	{[]string{"美国", "us", "usa", "america", "american"}, "united states us"},
	{[]string{"德国", "german", "deutschland"}, "germany"},
	{[]string{"泰国", "thai"}, "thailand"},
	{[]string{"马来", "大马", "malaysian"}, "malaysia"},
	{[]string{"菲律宾", "filipino"}, "philippine"},
	{[]string{"欧盟", "europe", "european"}, "eu"},
	{[]string{"虾皮"}, "shopee"},
	{[]string{"抖音"}, "tiktok"},
	{[]string{"亚马逊"}, "amazon"},
	{[]string{"来赞达"}, "lazada"},
}
