// Package pgtest starts a throwaway PostgreSQL cluster for tests: initdb
// into a fresh folder, the server on a free loopback port (as the postgres
// user when the tests run as root, since PostgreSQL refuses to run as
// root), and everything stopped and removed when the test ends.
//
// Without PostgreSQL installed the test is skipped with how to install
// it, except in CI (CI set), where a skip would hide a missing test: there
// it fails.
package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// Cluster is a running PostgreSQL server of one test.
type Cluster struct {
	dir  string
	bin  string
	port int
	cred *syscall.Credential
	dbs  atomic.Int64
}

// Start starts a cluster for the test, stopped and removed when it ends.
func Start(tb testing.TB) *Cluster {
	tb.Helper()
	bin, err := binDir()
	if err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("PostgreSQL is required in CI: %v", err)
		}
		tb.Skipf("PostgreSQL is not installed (%v): apt-get install postgresql, or set PATH to its bin folder", err)
	}
	c, err := start(bin)
	if err != nil {
		tb.Fatalf("start PostgreSQL: %v", err)
	}
	tb.Cleanup(c.Stop)
	return c
}

// binDir finds the folder of initdb, pg_ctl and postgres: on PATH, or
// where Debian installs them.
func binDir() (string, error) {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if _, err := exec.LookPath("initdb"); err == nil {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Sort(sort.Reverse(sort.StringSlice(dirs))) // the newest first (as strings: 15 before 14)
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "pg_ctl")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("pg_ctl and initdb are neither on PATH nor under /usr/lib/postgresql/*/bin")
}

func start(bin string) (*Cluster, error) {
	// Not under the test's own temporary folder: its parents are private to
	// root, and the server may run as the postgres user.
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir, bin: bin}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("running as root needs the postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	data := filepath.Join(dir, "data")
	if out, err := c.run("initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %w: %s", err, out)
	}
	// A free port can be taken between looking and listening: try a few.
	for range 5 {
		c.port, err = freePort()
		if err != nil {
			break
		}
		opts := c.options()
		var out []byte
		out, err = c.run("pg_ctl", "-D", data, "-o", opts, "-l", filepath.Join(dir, "server.log"), "-w", "-t", "60", "start")
		if err == nil {
			return c, nil
		}
		log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
		err = fmt.Errorf("pg_ctl start: %w: %s\n%s", err, out, log)
	}
	os.RemoveAll(dir)
	return nil, err
}

// options are the server's settings: loopback only, no Unix socket (its
// folder would need to be writable by the server), fsync off (tests, not
// durability), and room for a fleet's connections.
func (c *Cluster) options() string {
	return fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off -c full_page_writes=off -c max_connections=300", c.port)
}

func (c *Cluster) run(name string, args ...string) ([]byte, error) {
	cmd := exec.Command(filepath.Join(c.bin, name), args...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	return cmd.CombinedOutput()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Stop stops the server at once and removes its files.
func (c *Cluster) Stop() {
	c.run("pg_ctl", "-D", filepath.Join(c.dir, "data"), "-m", "immediate", "-w", "stop")
	os.RemoveAll(c.dir)
}

// Restart stops the server (at once, as a crash would) and starts it again
// on the same port: what a fleet sees when its database restarts.
func (c *Cluster) Restart(tb testing.TB, down time.Duration) {
	tb.Helper()
	if err := c.Bounce(down); err != nil {
		tb.Fatal(err)
	}
}

// Bounce is Restart for a goroutine other than the test's: it returns
// what went wrong.
func (c *Cluster) Bounce(down time.Duration) error {
	data := filepath.Join(c.dir, "data")
	if out, err := c.run("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"); err != nil {
		return fmt.Errorf("pg_ctl stop: %w: %s", err, out)
	}
	time.Sleep(down)
	opts := c.options()
	if out, err := c.run("pg_ctl", "-D", data, "-o", opts, "-l", filepath.Join(c.dir, "server.log"), "-w", "-t", "60", "start"); err != nil {
		return fmt.Errorf("pg_ctl start: %w: %s", err, out)
	}
	return nil
}

// URL is the address of a database of the cluster.
func (c *Cluster) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, db)
}

// DB creates a new, empty database and returns its URL.
func (c *Cluster) DB(tb testing.TB) string {
	tb.Helper()
	name := fmt.Sprintf("t%d", c.dbs.Add(1))
	db, err := sql.Open("pgx", c.URL("postgres"))
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("create database: %v", err)
	}
	return c.URL(name)
}

// Log returns what the server logged, for a failing test's report.
func (c *Cluster) Log() string {
	b, _ := os.ReadFile(filepath.Join(c.dir, "server.log"))
	return strings.TrimSpace(string(b))
}
