package markets

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Dir is the rule files in a folder on disk (ONBOARD_RULES_DIR), like
// os.DirFS(dir) but safe whatever sits in the folder: it opens files
// without waiting (opening a named pipe for reading otherwise waits for a
// writer, for ever) and then refuses anything but a regular file or a
// folder, so a file swapped for a pipe after the loader checked it cannot
// block the load either. Symbolic links are followed, as os.DirFS does.
func Dir(dir string) fs.FS {
	return ruleDir{dir: dir, os: os.DirFS(dir).(dirFS)}
}

// dirFS is what os.DirFS offers besides Open.
type dirFS interface {
	fs.ReadDirFS
	fs.StatFS
}

type ruleDir struct {
	dir string
	os  dirFS
}

// Open opens name with O_NONBLOCK, which changes nothing for a regular
// file, and checks what it opened.
func (d ruleDir) Open(name string) (fs.File, error) {
	local, err := filepath.Localize(name)
	if err != nil || !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	f, err := os.OpenFile(filepath.Join(d.dir, local), os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if t := info.Mode().Type(); t != 0 && t != fs.ModeDir {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: fmt.Errorf("not a regular file (%v)", t)}
	}
	return f, nil
}

// ReadDir lists a folder as os.DirFS does.
func (d ruleDir) ReadDir(name string) ([]fs.DirEntry, error) { return d.os.ReadDir(name) }

// Stat follows symbolic links, as os.DirFS does.
func (d ruleDir) Stat(name string) (fs.FileInfo, error) { return d.os.Stat(name) }
