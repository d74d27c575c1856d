// Package markets holds the market rule files (one YAML file per market,
// embedded in the program) and their loader, which validates them with
// file:line errors before a seller ever sees them.
package markets

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/onboardbot/onboardbot/flows"
)

//go:embed *.yaml
var embedded embed.FS

// EmbeddedRules returns the market rule files built into the program, and
// the folder name to show in error messages.
func EmbeddedRules() (fs.FS, string) {
	return embedded, "data/markets"
}

// RuleError lists every problem found in the rule files, one
// "file:line: message" each, or "file: message" for a problem with the
// file as a whole (not a regular file, too large).
type RuleError struct {
	Problems []string
}

func (e *RuleError) Error() string {
	return "invalid market rules:\n  " + strings.Join(e.Problems, "\n  ")
}

// MaxFileSize is the largest rule file the loader reads (the real ones are
// tens of KB). The cap holds while reading, so a file that never ends costs
// at most this much.
const MaxFileSize = 1 << 20

// LoadTimeout bounds a whole load. The real rules load in milliseconds (ten
// files at MaxFileSize, in seconds); this only ends a load stuck on a file
// that never answers (a hung network file system, a pipe that some fs.FS
// opens and waits on).
const LoadTimeout = 30 * time.Second

// LoadRules reads and validates every *.yaml file in fsys. dir is the folder
// name used in messages. Any problem in any file fails the whole load: a bad
// rule must never reach a seller. It is LoadRulesContext without a context.
func LoadRules(fsys fs.FS, dir string) (*flows.Catalog, error) {
	return LoadRulesContext(context.Background(), fsys, dir)
}

// LoadRulesContext is LoadRules that gives up when ctx is done or after
// LoadTimeout, whichever is first. It reads only regular files (symbolic
// links to them are fine): a named pipe, a device, a socket or a folder
// named *.yaml is a problem of the load, found before it is opened, so it
// cannot block the load. A read that still blocks (a file swapped for a
// pipe after the check, on a file system whose Open waits for a writer) is
// left behind in its goroutine when the load gives up; Dir opens files so
// that it never blocks.
func LoadRulesContext(ctx context.Context, fsys fs.FS, dir string) (*flows.Catalog, error) {
	began := time.Now()
	ctx, cancel := context.WithTimeout(ctx, LoadTimeout)
	defer cancel()
	type result struct {
		c   *flows.Catalog
		err error
	}
	done := make(chan result, 1)
	var reading atomic.Pointer[string] // the file being read, for the message on giving up
	go func() {
		c, err := loadRules(ctx, fsys, dir, &reading)
		done <- result{c, err}
	}()
	select {
	case r := <-done:
		return r.c, r.err
	case <-ctx.Done():
		where := dir
		if file := reading.Load(); file != nil {
			where = *file
		}
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("load market rules: %s: gave up after %v still on this file", where, time.Since(began).Round(time.Millisecond))
		}
		return nil, fmt.Errorf("load market rules: %s: %w", where, ctx.Err())
	}
}

// loadRules is the load itself; reading is set to each file as it is read.
func loadRules(ctx context.Context, fsys fs.FS, dir string, reading *atomic.Pointer[string]) (*flows.Catalog, error) {
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
		if err := ctx.Err(); err != nil {
			return nil, err // given up on: stop reading
		}
		file := path.Join(dir, name)
		reading.Store(&file)
		src, problem, err := readRuleFile(fsys, name, file)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", file, err)
		}
		if problem != "" {
			problems = append(problems, problem)
			continue
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
	for _, m := range markets {
		flows.Prepare(m)
	}
	return flows.NewCatalog(markets), nil
}

// readRuleFile reads one rule file, or says why it is not one: not a
// regular file (checked before opening it, since opening a named pipe can
// wait for a writer for ever, and again on the opened file), or larger than
// MaxFileSize (checked while reading, not after).
func readRuleFile(fsys fs.FS, name, file string) (src []byte, problem string, err error) {
	info, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, "", err
	}
	if p := fileProblem(file, info); p != "" {
		return nil, p, nil
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	if info, err = f.Stat(); err != nil {
		return nil, "", err
	}
	if p := fileProblem(file, info); p != "" {
		return nil, p, nil
	}
	src, err = io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, "", err
	}
	if len(src) > MaxFileSize {
		return nil, tooLarge(file), nil
	}
	return src, "", nil
}

// fileProblem says what is wrong with a rule file as a whole, if anything.
func fileProblem(file string, info fs.FileInfo) string {
	mode := info.Mode()
	if mode.IsRegular() {
		if info.Size() > MaxFileSize {
			return tooLarge(file)
		}
		return ""
	}
	kind := "not a regular file"
	switch {
	case mode.IsDir():
		kind = "a folder"
	case mode&fs.ModeNamedPipe != 0:
		kind = "a named pipe (FIFO)"
	case mode&fs.ModeSocket != 0:
		kind = "a socket"
	case mode&fs.ModeDevice != 0:
		kind = "a device"
	case mode&fs.ModeSymlink != 0:
		kind = "a symbolic link"
	}
	return fmt.Sprintf("%s: is %s; a rule file must be a regular file (or a symbolic link to one)", file, kind)
}

func tooLarge(file string) string {
	return fmt.Sprintf("%s: larger than %d bytes (1 MB), the limit for a rule file", file, MaxFileSize)
}

// maxNesting bounds how deeply a rule file may nest. Found by FuzzLoadRules:
// the YAML parser keeps every node's full path, so its time and memory grow
// with the square of the nesting depth (100 KB of "[" took seconds and
// gigabytes). The real rule files nest about six levels.
const maxNesting = 64

// parseMarket decodes and validates one rule file. It returns the market
// (nil if it could not be decoded) and its problems as "file:line: msg".
func parseMarket(file string, src []byte) (*flows.Market, []string) {
	// The YAML scanner counts the "\r\n" after a comment as two lines, so in
	// a file saved with Windows line ends every line number after a comment
	// was off (found by FuzzLoadRules). "\r\n" and "\n" mean the same in YAML.
	src = bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n"))
	tokens := lexer.Tokenize(string(src))
	if p := nestingProblem(file, tokens); p != "" {
		return nil, []string{p}
	}
	tree, err := parser.Parse(tokens, 0)
	if err != nil {
		return nil, []string{yamlProblem(file, err)}
	}
	if p := aliasOrTagProblem(file, tree); p != "" {
		return nil, []string{p}
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

// nestingProblem reports a file whose collections nest more than maxNesting
// deep, before it reaches the parser. Flow collections ([...], {...}) count
// one level each; in block style a level is at least one column further in,
// so an indicator (-, ?, :) further right than maxNesting counts as too deep.
func nestingProblem(file string, tokens token.Tokens) string {
	flow := 0
	for _, tk := range tokens {
		depth := flow
		switch tk.Type {
		case token.SequenceStartType, token.MappingStartType:
			flow++
			depth = flow
		case token.SequenceEndType, token.MappingEndType:
			flow = max(0, flow-1)
		case token.SequenceEntryType, token.MappingKeyType, token.MappingValueType:
			if flow == 0 {
				depth = tk.Position.Column
			}
		}
		if depth > maxNesting {
			return fmt.Sprintf("%s:%d: nested too deeply (more than %d levels or columns)", file, tk.Position.Line, maxNesting)
		}
	}
	return ""
}

// aliasOrTagProblem reports the first YAML alias (*name) or tag (!name) in the
// file; rule files use neither. Found by FuzzLoadRules: the decoder copies
// an alias's value wherever it is used, so ten lines of aliases of aliases
// ("billion laughs") kept growing by gigabytes instead of failing; and a tag
// without a value on a list field ("questions: !x") crashed the decoder
// with a nil pointer dereference, which would take the whole bot down.
func aliasOrTagProblem(file string, tree *ast.File) string {
	var f aliasOrTagFinder
	for _, doc := range tree.Docs {
		ast.Walk(&f, doc)
		switch n := f.found; {
		case n == nil:
		case n.Type() == ast.AliasType:
			return fmt.Sprintf("%s:%d: YAML alias %q: aliases are not supported, write the value out",
				file, n.GetToken().Position.Line, n)
		default:
			return fmt.Sprintf("%s:%d: YAML tag %q: tags are not supported",
				file, n.GetToken().Position.Line, n.GetToken().Value)
		}
	}
	return ""
}

// aliasOrTagFinder is an ast.Visitor that stops at the first alias or tag.
// (ast.Filter would do, but it panics on the nil body of an empty document.)
type aliasOrTagFinder struct{ found ast.Node }

func (f *aliasOrTagFinder) Visit(n ast.Node) ast.Visitor {
	if n == nil || f.found != nil {
		return nil
	}
	if n.Type() == ast.AliasType || n.Type() == ast.TagType {
		f.found = n
		return nil
	}
	return f
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
