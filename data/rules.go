package data

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/onboardbot/onboardbot/flows"
)

//go:embed markets/*.yaml
var embedded embed.FS

// EmbeddedRules returns the market rule files built into the program, and
// the folder name to show in error messages.
func EmbeddedRules() (fs.FS, string) {
	sub, err := fs.Sub(embedded, "markets")
	if err != nil {
		panic(err) // the embed pattern guarantees the folder
	}
	return sub, "data/markets"
}

// RuleError lists every problem found in the rule files, one
// "file:line: message" each.
type RuleError struct {
	Problems []string
}

func (e *RuleError) Error() string {
	return "invalid market rules:\n  " + strings.Join(e.Problems, "\n  ")
}

// LoadRules reads and validates every *.yaml file in fsys. dir is the folder
// name used in messages. Any problem in any file fails the whole load: a bad
// rule must never reach a seller.
func LoadRules(fsys fs.FS, dir string) (*flows.Catalog, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, fmt.Errorf("list rule files: %w", err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no market rule files (*.yaml) in %s", dir)
	}
	sort.Strings(names)
	var problems []string
	var markets []*flows.Market
	seen := map[string]string{}
	for _, name := range names {
		file := path.Join(dir, name)
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", file, err)
		}
		m, ps := parseMarket(file, src)
		problems = append(problems, ps...)
		if m == nil {
			continue
		}
		if want := strings.TrimSuffix(name, ".yaml"); m.ID != want && len(ps) == 0 {
			problems = append(problems, fmt.Sprintf("%s:1: market id %q must match the file name %q", file, m.ID, want))
		}
		if other, dup := seen[m.ID]; dup {
			problems = append(problems, fmt.Sprintf("%s:1: market id %q is also used by %s", file, m.ID, other))
		}
		seen[m.ID] = file
		markets = append(markets, m)
	}
	if len(problems) > 0 {
		return nil, &RuleError{Problems: problems}
	}
	return flows.NewCatalog(markets), nil
}

// parseMarket decodes and validates one rule file. It returns the market
// (nil if it could not be decoded) and its problems as "file:line: msg".
func parseMarket(file string, src []byte) (*flows.Market, []string) {
	tree, err := parser.ParseBytes(src, 0)
	if err != nil {
		return nil, []string{yamlProblem(file, err)}
	}
	var m flows.Market
	if err := yaml.UnmarshalWithOptions(src, &m, yaml.DisallowUnknownField()); err != nil {
		return nil, []string{yamlProblem(file, err)}
	}
	m.File = file
	var out []string
	for _, p := range flows.Validate(&m) {
		out = append(out, fmt.Sprintf("%s:%d: %s", file, lineOf(tree, p.Path), p.Msg))
	}
	return &m, out
}

// yamlProblem turns a YAML decoding error into "file:line: msg".
func yamlProblem(file string, err error) string {
	var yerr yaml.Error
	if errors.As(err, &yerr) && yerr.GetToken() != nil {
		return fmt.Sprintf("%s:%d: %s", file, yerr.GetToken().Position.Line, yerr.GetMessage())
	}
	return fmt.Sprintf("%s: %v", file, err)
}

// lineOf finds the line of a YAML path in the file. A path to a field that
// is missing points at the nearest enclosing node that exists.
func lineOf(tree *ast.File, p string) int {
	for p != "" && p != "$" {
		if node := find(tree, p); node != nil {
			return node.GetToken().Position.Line
		}
		p = parent(p)
	}
	return 1
}

func find(tree *ast.File, p string) ast.Node {
	yp, err := yaml.PathString(p)
	if err != nil {
		return nil
	}
	node, err := yp.FilterFile(tree)
	if err != nil || node == nil || node.GetToken() == nil {
		return nil
	}
	return node
}

// parent drops the last element of a YAML path: $.a[1].b -> $.a[1] -> $.a.
func parent(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i <= 0 {
		return ""
	}
	return p[:i]
}
