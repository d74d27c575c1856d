package main

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/adapters/telegram/tgtest"
)

// The real-binary benchmark runs three processes, as production does: the
// built bot in webhook mode, a test Bot API server and a load generator.
// The last two are this test binary again, started with a role.
const benchRole = "ONBOARD_BENCH_ROLE"

func TestMain(m *testing.M) {
	switch os.Getenv(benchRole) {
	case "botapi":
		runBotAPI()
		return
	case "load":
		runLoad()
		return
	}
	os.Exit(m.Run())
}

// runBotAPI serves a test Bot API, prints its address and the address of
// its counter, and runs until its input closes.
func runBotAPI() {
	srv := tgtest.New()
	defer srv.Close()
	users, _ := strconv.Atoi(os.Getenv("BENCH_USERS"))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	// /stats: every message the bot sent, and how many users got another
	// number of replies than each of them sent updates.
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		per, _ := strconv.Atoi(r.URL.Query().Get("per"))
		bad := 0
		for u := 1; u <= users; u++ {
			if srv.CountTo(int64(u)) != per {
				bad++
			}
		}
		json.NewEncoder(w).Encode(map[string]int{"total": srv.Count(), "bad": bad})
	}))
	fmt.Println(srv.URL, "http://"+ln.Addr().String())
	io.Copy(io.Discard, os.Stdin)
}

// loadResult is what the load generator measured.
type loadResult struct {
	Handled int     `json:"handled"`
	Errors  int     `json:"errors"`
	Seconds float64 `json:"seconds"`
	P50ms   float64 `json:"p50_ms"`
	P99ms   float64 `json:"p99_ms"`
}

// runLoad posts BENCH_N updates from BENCH_USERS users to the webhook
// with BENCH_CLIENTS clients, and prints what it measured as JSON. With
// BENCH_RATE=r it posts at r updates a second (the i-th when i/r seconds
// have passed) instead of as fast as the bot answers, and each latency
// counts from when its update was due, not from when a client was free to
// post it: a bot that falls behind shows it in the latencies.
func runLoad() {
	n, _ := strconv.Atoi(os.Getenv("BENCH_N"))
	users, _ := strconv.Atoi(os.Getenv("BENCH_USERS"))
	clients, _ := strconv.Atoi(os.Getenv("BENCH_CLIENTS"))
	rate, _ := strconv.ParseFloat(os.Getenv("BENCH_RATE"), 64)
	target, secret := os.Getenv("BENCH_TARGET"), os.Getenv("BENCH_SECRET")
	bodies := make([][]byte, n)
	for i := range bodies {
		u := tgtest.Text(int64(1+i%users), "en", []string{"/help", "/markets"}[i/users%2])
		u.ID = int64(i + 1)
		bodies[i], _ = json.Marshal(u)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: 30 * time.Second}
	lat := make([]time.Duration, n)
	var next, errs atomic.Int64
	var wg sync.WaitGroup
	begin := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				req, _ := http.NewRequest(http.MethodPost, target, bytes.NewReader(bodies[i]))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
				t0 := time.Now()
				if rate > 0 {
					t0 = begin.Add(time.Duration(float64(i) / rate * float64(time.Second)))
					time.Sleep(time.Until(t0))
				}
				resp, err := client.Do(req)
				lat[i] = time.Since(t0)
				if err != nil {
					errs.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					errs.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	took := time.Since(begin)
	slices.Sort(lat)
	q := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	json.NewEncoder(os.Stdout).Encode(loadResult{Handled: n - int(errs.Load()), Errors: int(errs.Load()), Seconds: took.Seconds(), P50ms: q(0.50), P99ms: q(0.99)})
}

// BenchmarkRealBinary measures what users get: the built binary in webhook
// mode, load from another process over loopback HTTP (40 clients, b.N
// updates from b.N/2 users), replies to a test Bot API in a third process.
// It reports intake (2xx a second), delivery (replies a second), the
// webhook's p50 and p99, the bot's peak resident memory, and each rate as
// a ratio to the raw single-writer SQLite rate measured in the same run;
// once with the dispatcher unthrottled, once at Telegram's real pace (30
// messages a second: the replies wait in the outbox, and the bot's memory
// is measured with that backlog). It checks that every update got exactly
// one reply: delivered, or, at Telegram's pace, queued in the database.
// Run it with -benchtime 40000x.
func BenchmarkRealBinary(b *testing.B) {
	bin := buildBinary(b)
	raw := rawWriteRate(b, 20000, 1)
	b.Logf("raw single-writer rate: %.0f transactions/s", raw)
	runs := []struct {
		name, pace string
		post       int // updates a second the load posts; 0: as fast as answered
	}{{"rate=10000", "10000", 0}, {"rate=30", "30", 0}, {"rate=30,post=500", "30", 500}}
	for _, run := range runs {
		pace := run.pace
		b.Run(run.name, func(b *testing.B) {
			// At Telegram's pace the replies wait in the outbox, as they do
			// in production: the run measures intake and memory with that
			// backlog, and checks in the database that every update queued
			// exactly one reply (delivering 40,000 at 30 a second would take
			// 22 minutes).
			atPace := pace == "30"
			n := max(b.N-b.N%2, 2) // each user sends two updates
			if run.post > 0 {
				// The webhook's latency at a steady 500 a second: 10 s of it.
				n = min(n, 10*run.post)
			}
			users := n / 2
			botapi := exec.Command(os.Args[0], "-test.run=^$")
			botapi.Env = append(os.Environ(), benchRole+"=botapi", "BENCH_USERS="+strconv.Itoa(users))
			stdin, _ := botapi.StdinPipe()
			out, _ := botapi.StdoutPipe()
			if err := botapi.Start(); err != nil {
				b.Fatal(err)
			}
			defer func() { stdin.Close(); botapi.Wait() }()
			line, err := bufio.NewReader(out).ReadString('\n')
			if err != nil {
				b.Fatalf("bot API: %v", err)
			}
			apiURL, statsURL, _ := strings.Cut(strings.TrimSpace(line), " ")

			addr := freeAddr(b)
			serve := exec.Command(bin, "serve")
			dbFile := filepath.Join(b.TempDir(), "onboard.db")
			serve.Env = []string{"ONBOARD_DB=" + dbFile, "ONBOARD_ADDR=" + addr,
				"TELEGRAM_BOT_TOKEN=" + tgtest.Token, "TELEGRAM_API_URL=" + apiURL, "TELEGRAM_WEBHOOK_SECRET=bench_secret",
				"ONBOARD_TELEGRAM_RATE=" + pace}
			// BENCH_PROFILE_DIR=dir writes the bot's CPU and allocation
			// profiles there, per run (see README).
			if dir := os.Getenv("BENCH_PROFILE_DIR"); dir != "" {
				serve.Env = append(serve.Env, "ONBOARD_CPUPROFILE="+filepath.Join(dir, "cpu-rate"+pace+".out"),
					"ONBOARD_MEMPROFILE="+filepath.Join(dir, "mem-rate"+pace+".out"))
			}
			var logs bytes.Buffer
			serve.Stdout, serve.Stderr = &logs, &logs
			if err := serve.Start(); err != nil {
				b.Fatal(err)
			}
			var stopOnce sync.Once
			stopServe := func() {
				stopOnce.Do(func() {
					// Stopped as an operator does, so that its profiles are written.
					serve.Process.Signal(syscall.SIGTERM)
					t := time.AfterFunc(10*time.Second, func() { serve.Process.Kill() })
					serve.Wait()
					t.Stop()
				})
			}
			defer stopServe()
			if !waitHTTP("http://"+addr+"/healthz", 20*time.Second) {
				b.Fatalf("serve never answered /healthz:\n%s", logs.String())
			}

			b.ResetTimer()
			began := time.Now()
			botCPU, apiCPU := cpuSeconds(serve.Process.Pid), cpuSeconds(botapi.Process.Pid)
			load := exec.Command(os.Args[0], "-test.run=^$")
			load.Env = append(os.Environ(), benchRole+"=load", "BENCH_N="+strconv.Itoa(n), "BENCH_USERS="+strconv.Itoa(users),
				"BENCH_CLIENTS=40", "BENCH_TARGET=http://"+addr+"/telegram/webhook", "BENCH_SECRET=bench_secret",
				"BENCH_RATE="+strconv.Itoa(run.post))
			result, err := load.Output()
			if err != nil {
				b.Fatalf("load: %v", err)
			}
			var lr loadResult
			if err := json.Unmarshal(result, &lr); err != nil || lr.Errors > 0 {
				b.Fatalf("load: %s %v\n%s", result, err, logs.String())
			}
			// Who had the machine while the load ran: each process's CPU
			// time as a share of all the cores' time.
			capacity := time.Since(began).Seconds() * float64(runtime.NumCPU())
			b.ReportMetric((cpuSeconds(serve.Process.Pid)-botCPU)/capacity, "bot-cpu-share")
			b.ReportMetric((load.ProcessState.UserTime()+load.ProcessState.SystemTime()).Seconds()/capacity, "load-cpu-share")
			b.ReportMetric((cpuSeconds(botapi.Process.Pid)-apiCPU)/capacity, "api-cpu-share")
			if atPace {
				rss := peakRSS(serve.Process.Pid)
				stopServe()
				b.StopTimer()
				queuedOnce(b, dbFile, users)
				if run.post == 0 { // else intake is the rate posted
					intake := float64(lr.Handled) / lr.Seconds
					b.ReportMetric(intake, "intake/s")
					b.ReportMetric(intake/raw, "intake-of-raw")
				}
				b.ReportMetric(lr.P50ms, "p50-ms")
				b.ReportMetric(lr.P99ms, "p99-ms")
				b.ReportMetric(rss, "rss-MB")
				return
			}
			var stats map[string]int
			deadline := time.Now().Add(time.Duration(n/25+60) * time.Second)
			for {
				resp, err := http.Get(statsURL + "?per=2")
				if err == nil {
					json.NewDecoder(resp.Body).Decode(&stats)
					resp.Body.Close()
				}
				if stats["total"] >= n || time.Now().After(deadline) {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			delivered := time.Since(began)
			b.StopTimer()
			if stats["total"] != n || stats["bad"] != 0 {
				b.Fatalf("%d replies to %d updates, %d users without exactly one reply each", stats["total"], n, stats["bad"])
			}
			intake := float64(lr.Handled) / lr.Seconds
			b.ReportMetric(intake, "intake/s")
			b.ReportMetric(intake/raw, "intake-of-raw")
			b.ReportMetric(float64(n)/delivered.Seconds(), "delivered/s")
			b.ReportMetric(float64(n)/delivered.Seconds()/raw, "delivered-of-raw")
			b.ReportMetric(lr.P50ms, "p50-ms")
			b.ReportMetric(lr.P99ms, "p99-ms")
			b.ReportMetric(peakRSS(serve.Process.Pid), "rss-MB")
		})
	}
}

// queuedOnce checks in a stopped bot's database that every one of users
// got exactly two replies queued, one for each of their two updates.
func queuedOnce(b *testing.B, db string, users int) {
	b.Helper()
	conn, err := sql.Open("sqlite", db)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	var chats, wrong int
	err = conn.QueryRow(`SELECT count(*), count(*) FILTER (WHERE n != 2) FROM (
		SELECT count(*) AS n FROM outbox WHERE kind = 'reply' GROUP BY chat_id)`).Scan(&chats, &wrong)
	if err != nil {
		b.Fatal(err)
	}
	if chats != users || wrong != 0 {
		b.Fatalf("replies queued to %d chats, want %d; %d chats without exactly one reply per update", chats, users, wrong)
	}
}

func waitHTTP(url string, timeout time.Duration) bool {
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return true
			}
		}
	}
	return false
}

// cpuSeconds is the CPU time a running process has used so far, user and
// system (Linux: /proc/PID/stat, in clock ticks of 1/100 s).
func cpuSeconds(pid int) float64 {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The fields after the command's name, which is in parentheses and may
	// hold spaces: the state is the first, utime the 12th, stime the 13th.
	i := bytes.LastIndexByte(stat, ')')
	f := strings.Fields(string(stat[i+1:]))
	if i < 0 || len(f) < 13 {
		return 0
	}
	user, _ := strconv.ParseFloat(f[11], 64)
	system, _ := strconv.ParseFloat(f[12], 64)
	return (user + system) / 100
}

// peakRSS is a process's peak resident memory in MB (Linux).
func peakRSS(pid int) float64 {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(status), "\n") {
		if kb, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			v, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(kb), "kB")), 64)
			return v / 1024
		}
	}
	return 0
}
