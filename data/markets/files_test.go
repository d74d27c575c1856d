//go:build unix

package markets_test

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/onboardbot/onboardbot/data/datatest"
	"github.com/onboardbot/onboardbot/data/markets"
)

// TestLoadRulesReadsOnlyRegularFiles puts things that are not rule files
// under *.yaml names in a real folder beside a good rule file. Each is a
// problem that names it, found at once (opening a named pipe to read it
// waits for a writer for ever), through os.DirFS and Dir alike; a symbolic
// link to a regular file is a rule file like any other.
func TestLoadRulesReadsOnlyRegularFiles(t *testing.T) {
	embedded, _ := markets.EmbeddedRules()
	good, err := fs.ReadFile(embedded, "tiktok-uk.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		make func(t *testing.T, elsewhere, name string) // makes name; elsewhere is a folder outside the rules
		want string                                     // the problem; "" loads
	}{
		{"named pipe", func(t *testing.T, _, name string) { datatest.Mkfifo(t, name) }, "rules/x.yaml: is a named pipe (FIFO); a rule file must be a regular file"},
		{"link to a named pipe", func(t *testing.T, elsewhere, name string) {
			datatest.Mkfifo(t, filepath.Join(elsewhere, "pipe"))
			symlink(t, filepath.Join(elsewhere, "pipe"), name)
		}, "rules/x.yaml: is a named pipe (FIFO)"},
		{"link to a device", func(t *testing.T, _, name string) { symlink(t, "/dev/zero", name) }, "rules/x.yaml: is a device"},
		{"socket", func(t *testing.T, _, name string) {
			ln, err := net.Listen("unix", name)
			if err != nil {
				t.Skipf("no unix sockets here: %v", err)
			}
			t.Cleanup(func() { ln.Close() })
		}, "rules/x.yaml: is a socket"},
		{"folder", func(t *testing.T, _, name string) {
			if err := os.Mkdir(name, 0o755); err != nil {
				t.Fatal(err)
			}
		}, "rules/x.yaml: is a folder"},
		{"larger than the cap", func(t *testing.T, _, name string) {
			if err := os.WriteFile(name, make([]byte, markets.MaxFileSize+1), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "rules/x.yaml: larger than 1048576 bytes (1 MB)"},
		{"link to a rule file", func(t *testing.T, elsewhere, name string) {
			if err := os.WriteFile(filepath.Join(elsewhere, "x.yaml"), []byte(strings.Replace(string(good), "\nid: tiktok-uk\n", "\nid: x\n", 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			symlink(t, filepath.Join(elsewhere, "x.yaml"), name)
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Short paths: a unix socket's path must fit in 108 bytes.
			rules, elsewhere := shortTempDir(t), shortTempDir(t)
			if err := os.WriteFile(filepath.Join(rules, "tiktok-uk.yaml"), good, 0o644); err != nil {
				t.Fatal(err)
			}
			tt.make(t, elsewhere, filepath.Join(rules, "x.yaml"))
			for fsName, fsys := range map[string]fs.FS{"os.DirFS": os.DirFS(rules), "Dir": markets.Dir(rules)} {
				c, err := loadFSInTime(t, context.Background(), fsys)
				if tt.want == "" {
					if err != nil || len(c.Markets()) != 2 {
						t.Errorf("%s: %v", fsName, err)
					}
					continue
				}
				var rerr *markets.RuleError
				if !errors.As(err, &rerr) || len(rerr.Problems) != 1 || !strings.HasPrefix(rerr.Problems[0], tt.want) {
					t.Errorf("%s: want one problem starting %q, got %v", fsName, tt.want, err)
				}
			}
		})
	}
}

// TestDirOpensOnlyRegularFilesAndFolders opens a named pipe through Dir
// directly, as a load does when a file is swapped for a pipe after the
// loader checked it: refused at once, not a wait for a writer.
func TestDirOpensOnlyRegularFilesAndFolders(t *testing.T) {
	dir := t.TempDir()
	datatest.Mkfifo(t, filepath.Join(dir, "pipe.yaml"))
	if err := os.WriteFile(filepath.Join(dir, "file.yaml"), []byte("id: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	opened := make(chan error, 1)
	go func() {
		f, err := markets.Dir(dir).Open("pipe.yaml")
		if err == nil {
			f.Close()
		}
		opened <- err
	}()
	select {
	case err := <-opened:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("opening a named pipe: %v", err)
		}
	case <-time.After(loadDeadline):
		t.Fatal("opening a named pipe waits for a writer")
	}
	for _, name := range []string{"file.yaml", "."} {
		f, err := markets.Dir(dir).Open(name)
		if err != nil {
			t.Errorf("open %s: %v", name, err)
			continue
		}
		f.Close()
	}
	for _, name := range []string{"../x", "/etc/passwd", "a//b"} {
		if _, err := markets.Dir(dir).Open(name); !errors.Is(err, fs.ErrInvalid) {
			t.Errorf("open %q: %v, want fs.ErrInvalid", name, err)
		}
	}
}

// TestLoadRulesCapsWhileReading reads a file that says it is small and
// never ends: the load stops at markets.MaxFileSize, not when memory runs out.
func TestLoadRulesCapsWhileReading(t *testing.T) {
	_, err := loadFSInTime(t, context.Background(), endlessFS{})
	var rerr *markets.RuleError
	if !errors.As(err, &rerr) || len(rerr.Problems) != 1 || !strings.HasPrefix(rerr.Problems[0], "rules/tiktok-uk.yaml: larger than") {
		t.Errorf("want the file refused as too large, got %v", err)
	}
}

// TestLoadRulesGivesUp loads from a file system whose Open never returns:
// the load gives up when its context is done, naming the file it was on.
func TestLoadRulesGivesUp(t *testing.T) {
	tests := []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		want string
	}{
		{"deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 50*time.Millisecond)
		}, "load market rules: rules/tiktok-uk.yaml: gave up after "},
		{"cancelled", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(50*time.Millisecond, cancel)
			return ctx, cancel
		}, "load market rules: rules/tiktok-uk.yaml: context canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stuck := stuckFS{release: make(chan struct{})}
			defer close(stuck.release)
			ctx, cancel := tt.ctx()
			defer cancel()
			_, err := loadFSInTime(t, ctx, stuck)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("got %v, want %q...", err, tt.want)
			}
		})
	}
}

func symlink(t *testing.T, target, name string) {
	t.Helper()
	if err := os.Symlink(target, name); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
}

func shortTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "rules")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// endlessFS holds tiktok-uk.yaml, a regular file of 100 bytes, it says,
// that reads without end.
type endlessFS struct{}

func (endlessFS) Open(name string) (fs.File, error) {
	if name == "." {
		return fstest.MapFS{"tiktok-uk.yaml": {}}.Open(".")
	}
	if name != "tiktok-uk.yaml" {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return endlessFile{}, nil
}

type endlessFile struct{}

func (endlessFile) Stat() (fs.FileInfo, error) {
	return smallFile{}, nil
}

func (endlessFile) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = '#'
	}
	return len(p), nil
}

func (endlessFile) Close() error { return nil }

type smallFile struct{}

func (smallFile) Name() string       { return "tiktok-uk.yaml" }
func (smallFile) Size() int64        { return 100 }
func (smallFile) Mode() fs.FileMode  { return 0o644 }
func (smallFile) ModTime() time.Time { return time.Time{} }
func (smallFile) IsDir() bool        { return false }
func (smallFile) Sys() any           { return nil }

// stuckFS holds tiktok-uk.yaml, whose Open waits until release is closed,
// as a hung network file system does.
type stuckFS struct{ release chan struct{} }

func (s stuckFS) Open(name string) (fs.File, error) {
	if name == "." {
		return fstest.MapFS{"tiktok-uk.yaml": {}}.Open(".")
	}
	<-s.release
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}
