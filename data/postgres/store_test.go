package postgres_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/pgtest"
	"github.com/onboardbot/onboardbot/data/postgres"
	"github.com/onboardbot/onboardbot/flows"
)

// password goes into every URL these tests open, and must come out in no
// error. The two halves are checked apart: a parser that splits the URL
// at the @ could leak either.
const (
	pwHead   = "Sekr1t"
	pwTail   = "Vault9"
	password = pwHead + "@" + pwTail
	pwInURL  = pwHead + "%40" + pwTail
)

// withPassword puts the password into one of pgtest's URLs (the server
// trusts every connection, so it is not checked).
func withPassword(url string) string {
	return strings.Replace(url, "postgres@", "postgres:"+pwInURL+"@", 1)
}

func checkNoPassword(t *testing.T, err error) {
	t.Helper()
	t.Log(err)
	for _, s := range []string{pwHead, pwTail, pwInURL} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("the error shows the password (%q): %v", s, err)
		}
	}
}

func open(t *testing.T, url string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func admin(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func exec(t *testing.T, db *sql.DB, query string) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(), query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// A malformed URL is refused with what is wrong, never with its password.
func TestOpenMalformedURL(t *testing.T) {
	t.Parallel()
	for _, url := range []string{
		"",
		"postgres://bob:" + pwInURL + "@127.0.0.1:notaport/db",
		"postgres://bob:" + password + "@127.0.0.1:notaport/db", // the @ not escaped
		"postgres://bob:" + password + "@[::1/db",
		"postgres://bob:pa:" + password + "@[::1/db",
		"postgres://bob:" + pwInURL + "@127.0.0.1/db?sslmode=sometimes",
		"postgresql://bob:" + pwInURL + "@127.0.0.1:5432/db?connect_timeout=soon",
		"host=127.0.0.1 port=x password = " + password,
		"host=127.0.0.1 port=x password='" + password + " x'",
		"mysql://bob:" + password + "@127.0.0.1/db",
	} {
		s, err := postgres.Open(context.Background(), url)
		if err == nil {
			s.Close()
			t.Errorf("%q opened", url)
			continue
		}
		if !strings.HasPrefix(err.Error(), "open postgres: ") || (url != "" && !strings.Contains(err.Error(), "malformed database URL")) {
			t.Errorf("%q: %v", url, err)
		}
		checkNoPassword(t, err)
	}
}

// A server that does not answer fails Open in seconds, not at the TCP
// timeout: one that refuses at once, and one that accepts the connection
// and then says nothing.
func TestOpenUnreachable(t *testing.T) {
	t.Parallel()
	refused, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refusedAddr := refused.Addr().String()
	refused.Close()

	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	var held []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	}()

	for _, c := range []struct{ name, addr string }{{"refused", refusedAddr}, {"silent", silent.Addr().String()}} {
		t.Run(c.name, func(t *testing.T) {
			began := time.Now()
			s, err := postgres.Open(context.Background(), "postgres://bob:"+pwInURL+"@"+c.addr+"/db?sslmode=disable")
			if err == nil {
				s.Close()
				t.Fatal("opened")
			}
			if took := time.Since(began); took > 10*time.Second {
				t.Errorf("took %s to fail", took)
			}
			if !strings.Contains(err.Error(), "connect") {
				t.Errorf("err = %v", err)
			}
			checkNoPassword(t, err)
		})
	}
}

// A database onboardbot cannot write to is refused at Open with the
// reason: one whose transactions are read-only, and a role that may only
// read.
func TestOpenReadOnly(t *testing.T) {
	c := pgtest.Start(t)
	root := admin(t, c.URL("postgres"))

	t.Run("database", func(t *testing.T) {
		url := c.DB(t)
		name := url[strings.LastIndex(url, "/")+1 : strings.Index(url, "?")]
		exec(t, root, "ALTER DATABASE "+name+" SET default_transaction_read_only = on")
		_, err := postgres.Open(context.Background(), withPassword(url))
		if !errors.Is(err, postgres.ErrReadOnly) || !strings.Contains(err.Error(), "read-only") {
			t.Fatalf("err = %v", err)
		}
		checkNoPassword(t, err)
	})

	t.Run("role", func(t *testing.T) {
		url := c.DB(t)
		open(t, url).Close() // migrated by a role that may write
		db := admin(t, url)
		exec(t, db, "CREATE ROLE reader LOGIN")
		exec(t, db, "GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader")
		_, err := postgres.Open(context.Background(), withPassword(strings.Replace(url, "postgres@", "reader@", 1)))
		if !errors.Is(err, postgres.ErrReadOnly) || !strings.Contains(err.Error(), "permission denied") {
			t.Fatalf("err = %v", err)
		}
		checkNoPassword(t, err)
	})
}

// A database migrated by a newer onboardbot is refused: this one would
// misread it.
func TestOpenNewerSchema(t *testing.T) {
	c := pgtest.Start(t)
	url := c.DB(t)
	open(t, url).Close()
	known := latestMigration(t)
	exec(t, admin(t, url), fmt.Sprintf("INSERT INTO goose_db_version (version_id, is_applied) VALUES (%d, true)", known+7))
	_, err := postgres.Open(context.Background(), withPassword(url))
	want := fmt.Sprintf("database schema is version %d, this onboardbot knows up to %d: upgrade onboardbot", known+7, known)
	var tooNew *postgres.SchemaTooNewError
	if !errors.As(err, &tooNew) || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v\nwant it to say %q", err, want)
	}
	checkNoPassword(t, err)
}

// latestMigration is the version of the last migration file.
func latestMigration(t *testing.T) int64 {
	entries, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	var last int64
	for _, e := range entries {
		v, err := strconv.ParseInt(strings.SplitN(e.Name(), "_", 2)[0], 10, 64)
		if err == nil && v > last {
			last = v
		}
	}
	return last
}

// Two transactions of one seller, from two stores on one database (two
// processes of a fleet), run one after the other: the second reads the
// seller only once the first has committed, and sees what it wrote.
func TestSellerTransactionsInOrder(t *testing.T) {
	c := pgtest.Start(t)
	url := c.DB(t)
	a, b := open(t, url), open(t, url)
	ctx := context.Background()
	sel := bot.Seller{Platform: "telegram", UserID: "42", ChatID: "42", Lang: flows.EN, CreatedAt: time.Now()}
	if err := a.Update(ctx, func(tx bot.Tx) error { return tx.CreateSeller(ctx, &sel) }); err != nil {
		t.Fatal(err)
	}

	locked, release := make(chan struct{}), make(chan struct{})
	firstDone := make(chan error, 1)
	go func() {
		firstDone <- a.Update(ctx, func(tx bot.Tx) error {
			s, err := tx.Seller(ctx, "telegram", "42")
			if err != nil {
				return err
			}
			close(locked)
			<-release
			s.Lang = flows.ZH
			return tx.SaveSeller(ctx, s)
		})
	}()
	<-locked
	read := make(chan bot.Seller, 1)
	secondDone := make(chan error, 1)
	go func() {
		secondDone <- b.Update(ctx, func(tx bot.Tx) error {
			s, err := tx.Seller(ctx, "telegram", "42")
			read <- s
			return err
		})
	}()
	select {
	case s := <-read:
		t.Fatalf("the second transaction read the seller while the first held it: %+v", s)
	case <-time.After(300 * time.Millisecond): // long enough for it to have read, were it not held up
	}
	close(release)
	if err := <-firstDone; err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-read:
		if s.Lang != flows.ZH {
			t.Errorf("the second transaction read %q, not what the first committed", s.Lang)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the second transaction is still waiting after the first committed")
	}
	if err := <-secondDone; err != nil {
		t.Fatal(err)
	}
}

// Many transactions of one seller from two stores, each reading a count
// and writing it one higher: none is lost.
func TestSellerTransactionsLoseNothing(t *testing.T) {
	c := pgtest.Start(t)
	url := c.DB(t)
	stores := []*postgres.Store{open(t, url), open(t, url)}
	ctx := context.Background()
	sel := bot.Seller{Platform: "slack", UserID: "U1", ChatID: "0", CreatedAt: time.Now()}
	if err := stores[0].Update(ctx, func(tx bot.Tx) error { return tx.CreateSeller(ctx, &sel) }); err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for range each {
				errs <- stores[w%2].Update(ctx, func(tx bot.Tx) error {
					s, err := tx.Seller(ctx, "slack", "U1")
					if err != nil {
						return err
					}
					n, _ := strconv.Atoi(s.ChatID)
					s.ChatID = strconv.Itoa(n + 1)
					return tx.SaveSeller(ctx, s)
				})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var got bot.Seller
	if err := stores[1].Update(ctx, func(tx bot.Tx) (err error) { got, err = tx.Seller(ctx, "slack", "U1"); return err }); err != nil {
		t.Fatal(err)
	}
	if got.ChatID != strconv.Itoa(workers*each) {
		t.Errorf("count = %s after %d increments", got.ChatID, workers*each)
	}
}

// When the server restarts under an open store, the calls made while it is
// down fail at once, and those after it is back work again.
func TestServerRestart(t *testing.T) {
	c := pgtest.Start(t)
	s := open(t, c.DB(t))
	ctx := context.Background()
	claim := func(id string) error {
		return s.Update(ctx, func(tx bot.Tx) error {
			_, err := tx.Claim(ctx, "telegram", id, time.Now())
			return err
		})
	}
	if err := claim("before"); err != nil {
		t.Fatal(err)
	}

	type result struct {
		err  error
		took time.Duration
		at   time.Time
	}
	results := make(chan result, 1000)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			began := time.Now()
			err := claim(fmt.Sprint("during-", i))
			results <- result{err, time.Since(began), time.Now()}
		}
	}()
	c.Restart(t, time.Second)
	restarted := time.Now()
	// Keep going until a claim made after the restart has worked.
	deadline := time.After(30 * time.Second)
	var failed int
wait:
	for {
		select {
		case r := <-results:
			if r.took > 10*time.Second {
				t.Errorf("a claim took %s (%v)", r.took, r.err)
			}
			if r.err != nil {
				failed++
				continue
			}
			if r.at.After(restarted) {
				break wait
			}
		case <-deadline:
			t.Fatalf("no claim has worked since the restart (%d failed)\n%s", failed, c.Log())
		}
	}
	close(stop)
	<-done
	if failed == 0 {
		t.Error("no claim failed while the server was down: was it?")
	}
	if err := claim("after"); err != nil {
		t.Fatalf("after the restart: %v", err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("ping after the restart: %v", err)
	}
	if _, err := s.Pending(ctx, "telegram", "1"); err != nil {
		t.Fatalf("read after the restart: %v", err)
	}
}

// A transaction whose fn fails is rolled back and not run again; one that
// PostgreSQL aborts for a deadlock is run again.
func TestUpdateRetriesConflicts(t *testing.T) {
	c := pgtest.Start(t)
	url := c.DB(t)
	s := open(t, url)
	ctx := context.Background()
	runs := 0
	boom := errors.New("boom")
	if err := s.Update(ctx, func(bot.Tx) error { runs++; return boom }); !errors.Is(err, boom) || runs != 1 {
		t.Fatalf("a failing fn: %v after %d runs", err, runs)
	}

	// Two transactions take two sellers' locks in opposite orders: one of
	// them is aborted for the deadlock, and run again.
	for _, u := range []string{"a", "b"} {
		sel := bot.Seller{Platform: "test", UserID: u, CreatedAt: time.Now()}
		if err := s.Update(ctx, func(tx bot.Tx) error { return tx.CreateSeller(ctx, &sel) }); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	count := map[string]int{}
	var holding sync.WaitGroup // both hold their first lock
	holding.Add(2)
	var wg sync.WaitGroup
	for _, order := range [][2]string{{"a", "b"}, {"b", "a"}} {
		wg.Go(func() {
			err := s.Update(ctx, func(tx bot.Tx) error {
				mu.Lock()
				count[order[0]]++
				again := count[order[0]] > 1
				mu.Unlock()
				if _, err := tx.Seller(ctx, "test", order[0]); err != nil {
					return err
				}
				if !again {
					holding.Done()
					holding.Wait()
				}
				_, err := tx.Seller(ctx, "test", order[1])
				return err
			})
			if err != nil {
				t.Errorf("%v: %v", order, err)
			}
		})
	}
	wg.Wait()
	if count["a"]+count["b"] < 3 {
		t.Errorf("runs = %v: no transaction was run again, was there no deadlock?", count)
	}
}

// The answer history cannot be rewritten, as in SQLite.
func TestHistoryAppendOnly(t *testing.T) {
	c := pgtest.Start(t)
	url := c.DB(t)
	s := open(t, url)
	ctx := context.Background()
	err := s.Update(ctx, func(tx bot.Tx) error {
		sel := bot.Seller{Platform: "test", UserID: "h", CreatedAt: time.Now()}
		if err := tx.CreateSeller(ctx, &sel); err != nil {
			return err
		}
		return tx.AppendHistory(ctx, bot.HistoryEntry{SellerID: sel.ID, Market: "m", Action: bot.ActionAnswer, At: time.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	db := admin(t, url)
	for _, q := range []string{"UPDATE answer_history SET value = 'x'", "DELETE FROM answer_history", "TRUNCATE answer_history"} {
		if _, err := db.ExecContext(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v", q, err)
		}
	}
}

// Times come back in UTC whatever the zone of the process, as from SQLite.
func TestTimesInUTC(t *testing.T) {
	c := pgtest.Start(t)
	s := open(t, c.DB(t))
	ctx := context.Background()
	at := time.Date(2026, 11, 29, 9, 0, 0, 123456000, time.FixedZone("CST", 8*3600))
	sel := bot.Seller{Platform: "test", UserID: "z", CreatedAt: at}
	var got bot.Seller
	err := s.Update(ctx, func(tx bot.Tx) error {
		if err := tx.CreateSeller(ctx, &sel); err != nil {
			return err
		}
		var err error
		got, err = tx.Seller(ctx, "test", "z")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !got.CreatedAt.Equal(at) || got.CreatedAt.Location() != time.UTC {
		t.Errorf("created at %v, want %v in UTC", got.CreatedAt, at)
	}
}

// An announcement queued twice to a seller is queued once: the second
// Enqueue leaves the ID 0. Ping writes.
func TestEnqueueAnnouncementOnce(t *testing.T) {
	c := pgtest.Start(t)
	s := open(t, c.DB(t))
	ctx := context.Background()
	err := s.Update(ctx, func(tx bot.Tx) error {
		sel := bot.Seller{Platform: "test", UserID: "q", ChatID: "q", CreatedAt: time.Now()}
		if err := tx.CreateSeller(ctx, &sel); err != nil {
			return err
		}
		a := bot.Announcement{Markets: []string{"m"}, CreatedBy: "shell", CreatedAt: time.Now()}
		if err := tx.CreateAnnouncement(ctx, &a); err != nil {
			return err
		}
		for i, want := range []bool{true, false} {
			r := bot.Reply{Platform: "test", ChatID: "q", SellerID: sel.ID, Kind: bot.KindAnnouncement, Announcement: a.ID, Text: "news"}
			if err := tx.Enqueue(ctx, &r, time.Now()); err != nil {
				return err
			}
			if (r.ID != 0) != want {
				t.Errorf("enqueue %d: id %d", i+1, r.ID)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if p, err := s.Pending(ctx, "test", "q"); err != nil || len(p) != 1 {
		t.Errorf("pending = %+v, %v", p, err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Error(err)
	}
}
