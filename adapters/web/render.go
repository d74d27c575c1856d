package web

import (
	_ "embed"
	"encoding/csv"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/onboardbot/onboardbot/flows"
)

// view is everything a page shows. Every text in it is plain text that the
// template escapes; the charts are SVG the server drew with escaped labels.
type view struct {
	Lang     flows.Lang
	Title    string
	Path     string // the page's path, for the navigation
	LangLink string // the same page in the other language
	CSRF     string
	Admin    string
	Notice   string
	Filters  []field
	Charts   []template.HTML
	Tables   []table
	Refresh  int    // seconds, while something is under way
	Login    string // the login form's token
	Message  string // a page that only says something
}

// field is one filter of a page.
type field struct {
	Name, Label, Value string
	Type               string // select, date or number
	Options            []option
	Min, Max           int
}

type option struct{ Value, Label string }

// table is one table of a page; each downloads as CSV.
type table struct {
	ID       string
	Title    string
	Note     string
	Head     []string
	Rows     [][]cell
	Download string // the CSV link
}

// cell is one table cell: text, maybe a link, maybe a nudge button.
type cell struct {
	Text  string
	Link  string
	Num   bool
	Nudge *nudgeForm
	// Short shows at most shortRunes of Text on the page (a message the
	// seller got); the CSV has it whole.
	Short bool
}

const shortRunes = 280

type nudgeForm struct {
	Seller int64
	Market string
	Back   string
	Label  string
}

func text(s string) cell { return cell{Text: s} }
func num(n int) cell     { return cell{Text: strconv.Itoa(n), Num: true} }

var (
	//go:embed page.html
	pageHTML string
	//go:embed style.css
	styleCSS string
)

var pageTmpl = template.Must(template.New("page").Funcs(template.FuncMap{
	"t": func(l flows.Lang, zh, en string) string { return flows.Text{ZH: zh, EN: en}.In(l) },
	"shown": func(c cell) string {
		if r := []rune(c.Text); c.Short && len(r) > shortRunes {
			return string(r[:shortRunes]) + "…"
		}
		return c.Text
	},
}).Parse(pageHTML))

// render writes a page.
func (s *Server) render(w http.ResponseWriter, status int, v view) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := pageTmpl.Execute(w, v); err != nil {
		s.cfg.Logger.Error("dashboard: render page", "err", err)
	}
}

// message writes a page that only says msg.
func (s *Server) message(w http.ResponseWriter, lang flows.Lang, status int, msg flows.Text) {
	s.render(w, status, view{Lang: lang, Title: flows.Text{ZH: "管理后台", EN: "Admin pages"}.In(lang), Message: msg.In(lang)})
}

func style(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Write([]byte(styleCSS))
}

// writeCSV writes a table as CSV in UTF-8 with a byte-order mark, so that
// Excel opens Chinese text as such. A cell that a spreadsheet would read
// as a formula (=, +, -, @) is quoted with a leading apostrophe.
func writeCSV(w http.ResponseWriter, t table) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+t.ID+`.csv"`)
	w.Write([]byte("\ufeff"))
	cw := csv.NewWriter(w)
	cw.Write(t.Head)
	for _, row := range t.Rows {
		rec := make([]string, len(row))
		for i, c := range row {
			rec[i] = c.Text
			if !c.Num && c.Text != "" && strings.ContainsRune("=+-@\t\r", rune(c.Text[0])) {
				rec[i] = "'" + c.Text
			}
		}
		cw.Write(rec)
	}
	cw.Flush()
}

// withQuery is path with the query q plus key=value.
func withQuery(path string, q url.Values, key, value string) string {
	c := url.Values{}
	for k, v := range q {
		c[k] = v
	}
	c.Set(key, value)
	return path + "?" + c.Encode()
}
