// Command loadtest drives a webhook bot with many users against the Telegram Bot API stand-in
// (telegramtest) and a real Redis, and prints replies/s, reply latency (p50, p99) and the bot
// process's memory.
//
// It runs the bot as a separate process, so that its memory is measured alone:
//
//	go build -o /tmp/ganwei ./cmd/ganwei
//	go run ./cmd/loadtest -bin /tmp/ganwei -users 5000 -updates 3000             # Ganwei, paced
//	go run ./cmd/loadtest -bin /tmp/ganwei -updates 3000 -pacing=false            # Ganwei, no pacing
//	go run ./cmd/loadtest -bare -updates 3000                                     # bare go-telegram/bot
//	go run ./cmd/loadtest -bin /tmp/ganwei -updates 10000 -rate 200 -inbox-limit 2000  # overload
//	go run ./cmd/loadtest -bin /tmp/ganwei -updates 2000 -rate 200 -stop-midway -kill  # crash, restart
//
// Redis is REDIS_URL when set (keys under a fresh prefix), else a private redis-server on a free
// port. Like Telegram, the driver resends an update the webhook did not answer 200 (429 and 503
// after Retry-After, default 1 s), and counts those resends.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	goredis "github.com/redis/go-redis/v9"

	"github.com/ganwei-bot/ganwei/telegramtest"
)

const hookPath = "/hook"

type options struct {
	bin         string
	bare        bool
	users       int
	updates     int
	rate        float64
	conns       int
	text        string
	pacing      bool
	workers     int
	inboxLimit  int
	timeout     time.Duration
	bareServe   string // internal: run the bare bot on this address
	smaps       string
	hold        time.Duration
	settle      time.Duration
	keepLogs    bool
	stopMidway  bool
	drainBound  time.Duration
	claimAfter  time.Duration
	kill        bool
	secretToken string
}

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "", "ganwei binary to run (go build -o /tmp/ganwei ./cmd/ganwei)")
	flag.BoolVar(&o.bare, "bare", false, "drive a bare go-telegram/bot webhook bot instead, for comparison")
	flag.IntVar(&o.users, "users", 5000, "distinct users")
	flag.IntVar(&o.updates, "updates", 3000, "updates to send")
	flag.Float64Var(&o.rate, "rate", 0, "updates offered per second (0: as fast as -conns connections allow)")
	flag.IntVar(&o.conns, "conns", 40, "concurrent webhook connections (Telegram's default max_connections is 40)")
	flag.StringVar(&o.text, "text", "/help", "what each user sends")
	flag.BoolVar(&o.pacing, "pacing", true, "Ganwei paces replies at 30/s (false: GANWEI_RATE_LIMIT=off)")
	flag.IntVar(&o.workers, "workers", 0, "GANWEI_WORKERS (0: the default)")
	flag.IntVar(&o.inboxLimit, "inbox-limit", 0, "GANWEI_INBOX_LIMIT (0: the default)")
	flag.DurationVar(&o.timeout, "timeout", 10*time.Minute, "give up waiting for replies after this long")
	flag.BoolVar(&o.keepLogs, "logs", false, "show the bot's warnings and errors")
	flag.BoolVar(&o.stopMidway, "stop-midway", false, "SIGTERM the bot once half the updates are acknowledged, restart it, and count lost and double answers")
	flag.DurationVar(&o.drainBound, "drain", 0, "GANWEI_DRAIN_TIMEOUT for -stop-midway (0: the default)")
	flag.BoolVar(&o.kill, "kill", false, "with -stop-midway: SIGKILL instead of SIGTERM (a crash)")
	flag.DurationVar(&o.claimAfter, "claim", 0, "GANWEI_CLAIM_TIMEOUT (0: the default)")
	flag.DurationVar(&o.settle, "settle", 2*time.Second, "wait this long after the bot is ready before taking its idle RSS (start-up finishing)")
	flag.DurationVar(&o.hold, "hold", 0, "wait this long at idle before sending, to inspect the bot (pid printed)")
	flag.StringVar(&o.smaps, "smaps", "", "write the bot's /proc/PID/smaps at idle to this file (where the idle RSS lives)")
	flag.StringVar(&o.bareServe, "bare-serve", "", "internal: serve the bare bot on this address")
	flag.Parse()
	if o.bareServe != "" {
		if err := serveBare(o.bareServe); err != nil {
			fmt.Fprintln(os.Stderr, "bare bot:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	if !o.bare && o.bin == "" {
		return errors.New("-bin is required (go build -o /tmp/ganwei ./cmd/ganwei), or use -bare")
	}
	o.secretToken = "loadtest-" + randomHex(8)
	tg := telegramtest.New()
	defer tg.Close()
	redisURL, stopRedis, err := redis()
	if err != nil {
		return err
	}
	defer stopRedis()

	addr, err := freeAddr()
	if err != nil {
		return err
	}
	prefix := "loadtest-" + randomHex(4)
	start := func() (*exec.Cmd, error) { return startBot(o, tg, redisURL, prefix, addr) }
	cmd, err := start()
	if err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	if err := waitReady(tg, addr, o.bare); err != nil {
		return err
	}
	time.Sleep(o.settle)
	idle := rss(cmd.Process.Pid)
	statsBefore := commandStats(redisURL)
	idleAnon, idleFile := procStatus(cmd.Process.Pid, "RssAnon:"), procStatus(cmd.Process.Pid, "RssFile:")
	if o.smaps != "" {
		if err := copyFile(fmt.Sprintf("/proc/%d/smaps", cmd.Process.Pid), o.smaps); err != nil {
			return fmt.Errorf("smaps: %w", err)
		}
	}

	if o.hold > 0 {
		fmt.Printf("bot pid %d idle; holding %s\n", cmd.Process.Pid, o.hold)
		time.Sleep(o.hold)
	}
	d := newDriver(o, "http://"+addr+hookPath)
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	began := time.Now()
	cpuBefore := cpuTime(cmd.Process.Pid)
	var peakMu sync.Mutex
	peak := idle
	stopSampling := sample(cmd, &peakMu, &peak)
	if o.stopMidway {
		half := o.updates / 2
		go func() {
			for d.acked.Load() < int64(half) && ctx.Err() == nil {
				time.Sleep(5 * time.Millisecond)
			}
			stopSampling()
			sig := syscall.SIGTERM
			if o.kill {
				sig = syscall.SIGKILL
			}
			_ = cmd.Process.Signal(sig)
			err := cmd.Wait()
			fmt.Printf("stopped (%s) after %d acknowledged updates: exit %v\n", sig, d.acked.Load(), exitCode(err))
			next, serr := start()
			if serr != nil {
				fmt.Fprintln(os.Stderr, "restart:", serr)
				return
			}
			cmd = next
			stopSampling = sample(cmd, &peakMu, &peak)
		}()
	}
	d.send(ctx)
	sent := time.Now()
	err = tg.WaitUntil(ctx, func() bool { return replies(tg) >= o.updates })
	stopSampling()
	if err != nil {
		fmt.Printf("timed out with %d of %d replies\n", replies(tg), o.updates)
	}
	report(o, tg, d, began, sent, idle, peak, rss(cmd.Process.Pid))
	fmt.Printf("  idle RSS: %.1f MB anonymous (heap, stacks), %.1f MB file-backed (the binary)\n", mb(idleAnon), mb(idleFile))
	if n := replies(tg); n > 0 && !o.stopMidway {
		used := cpuTime(cmd.Process.Pid) - cpuBefore
		fmt.Printf("  bot CPU %.3f ms per reply (%.2fs user+system for %d replies; Redis's own CPU not included)\n",
			float64(used.Microseconds())/1000/float64(n), used.Seconds(), n)
		if os.Getenv("REDIS_URL") == "" && !o.bare {
			printCommandStats(statsBefore, commandStats(redisURL), n)
		}
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	return nil
}

// startBot starts ganwei serve (or the bare bot) as a child process.
func startBot(o options, tg *telegramtest.Server, redisURL, prefix, addr string) (*exec.Cmd, error) {
	var cmd *exec.Cmd
	if o.bare {
		self, err := os.Executable()
		if err != nil {
			return nil, err
		}
		cmd = exec.Command(self, "-bare-serve", addr)
	} else {
		bin, err := filepath.Abs(o.bin)
		if err != nil {
			return nil, err
		}
		cmd = exec.Command(bin, "serve")
	}
	level := "error"
	if o.keepLogs {
		level = "warn"
	}
	cmd.Env = append(os.Environ(),
		"TELEGRAM_BOT_TOKEN="+tg.Token(), "TELEGRAM_API_URL="+tg.URL(),
		"REDIS_URL="+redisURL, "GANWEI_REDIS_PREFIX="+prefix, "GANWEI_HTTP_ADDR="+addr,
		"GANWEI_WEBHOOK_URL=https://loadtest.invalid"+hookPath, "GANWEI_WEBHOOK_SECRET="+o.secretToken,
		"GANWEI_LOG_LEVEL="+level)
	if !o.pacing {
		cmd.Env = append(cmd.Env, "GANWEI_RATE_LIMIT=off")
	}
	if o.workers > 0 {
		cmd.Env = append(cmd.Env, "GANWEI_WORKERS="+strconv.Itoa(o.workers))
	}
	if o.inboxLimit > 0 {
		cmd.Env = append(cmd.Env, "GANWEI_INBOX_LIMIT="+strconv.Itoa(o.inboxLimit))
	}
	if o.drainBound > 0 {
		cmd.Env = append(cmd.Env, "GANWEI_DRAIN_TIMEOUT="+o.drainBound.String())
	}
	if o.claimAfter > 0 {
		cmd.Env = append(cmd.Env, "GANWEI_CLAIM_TIMEOUT="+o.claimAfter.String())
	}
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start bot: %w", err)
	}
	return cmd, nil
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return 0
}

// waitReady waits for the webhook registration at the stand-in and, for Ganwei, /readyz.
func waitReady(tg *telegramtest.Server, addr string, bare bool) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if tg.Webhook().URL != "" {
			if bare {
				return nil
			}
			if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return nil
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return errors.New("bot did not become ready in 30 s")
}

// driver posts updates to the webhook the way Telegram does.
type driver struct {
	o       options
	url     string
	client  *http.Client
	sentAt  []time.Time // first attempt of update i
	acked   atomic.Int64
	resends atomic.Int64
	status  sync.Map // HTTP status -> *atomic.Int64
}

func newDriver(o options, url string) *driver {
	tr := &http.Transport{MaxIdleConns: o.conns, MaxIdleConnsPerHost: o.conns, IdleConnTimeout: time.Minute}
	return &driver{o: o, url: url, client: &http.Client{Transport: tr, Timeout: 60 * time.Second},
		sentAt: make([]time.Time, o.updates)}
}

func (d *driver) count(status int) {
	v, _ := d.status.LoadOrStore(status, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
}

func (d *driver) send(ctx context.Context) {
	next := make(chan int)
	go func() {
		defer close(next)
		var tick *time.Ticker
		if d.o.rate > 0 {
			tick = time.NewTicker(time.Duration(float64(time.Second) / d.o.rate))
			defer tick.Stop()
		}
		for i := range d.o.updates {
			if tick != nil {
				select {
				case <-tick.C:
				case <-ctx.Done():
					return
				}
			}
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	// With a fixed rate, enough connections that a slow answer does not slow the offer.
	conns := d.o.conns
	if d.o.rate > 0 {
		conns = max(conns, int(d.o.rate))
	}
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				d.deliver(ctx, i)
			}
		}()
	}
	wg.Wait()
}

// deliver posts update i until the webhook answers 200.
func (d *driver) deliver(ctx context.Context, i int) {
	user := int64(i%d.o.users) + 1
	upd := models.Update{ID: int64(i) + 1, Message: &models.Message{
		ID: i + 1, Date: int(time.Now().Unix()), Text: d.o.text,
		From: &models.User{ID: user, FirstName: "用户" + strconv.FormatInt(user, 10)},
		Chat: models.Chat{ID: user, Type: models.ChatTypePrivate},
	}}
	if strings.HasPrefix(d.o.text, "/") {
		n := len(strings.Fields(d.o.text)[0])
		upd.Message.Entities = []models.MessageEntity{{Type: models.MessageEntityTypeBotCommand, Offset: 0, Length: n}}
	}
	body, _ := json.Marshal(upd)
	d.sentAt[i] = time.Now()
	for attempt := 0; ctx.Err() == nil; attempt++ {
		if attempt > 0 {
			d.resends.Add(1)
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, d.url, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", d.o.secretToken)
		resp, err := d.client.Do(req)
		if err != nil {
			d.count(0)
			time.Sleep(time.Second)
			continue
		}
		resp.Body.Close()
		d.count(resp.StatusCode)
		if resp.StatusCode == http.StatusOK {
			d.acked.Add(1)
			return
		}
		wait := time.Second
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			wait = time.Duration(s) * time.Second
		}
		time.Sleep(wait)
	}
}

func replies(tg *telegramtest.Server) int { return len(tg.Calls("sendMessage")) }

// report pairs each user's updates with their replies in order and prints the figures.
func report(o options, tg *telegramtest.Server, d *driver, began, sent time.Time, idle, peak, after int64) {
	byChat := map[int64][]time.Time{}
	var last time.Time
	for _, c := range tg.Calls("sendMessage") {
		id, _ := strconv.ParseInt(c.Params["chat_id"], 10, 64)
		byChat[id] = append(byChat[id], c.At)
		if c.At.After(last) {
			last = c.At
		}
	}
	var lat []time.Duration
	answered, twice := 0, 0
	perUser := map[int64][]int{}
	for i := range o.updates {
		user := int64(i%o.users) + 1
		perUser[user] = append(perUser[user], i)
	}
	for user, idx := range perUser {
		got := byChat[user]
		sort.Slice(got, func(a, b int) bool { return got[a].Before(got[b]) })
		for k, i := range idx {
			if k < len(got) {
				lat = append(lat, got[k].Sub(d.sentAt[i]))
				answered++
			}
		}
		if len(got) > len(idx) {
			twice += len(got) - len(idx)
		}
	}
	sort.Slice(lat, func(a, b int) bool { return lat[a] < lat[b] })
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	elapsed := last.Sub(began)
	what := "ganwei"
	if o.bare {
		what = "bare go-telegram/bot"
	} else if !o.pacing {
		what = "ganwei (pacing off)"
	}
	var statuses []string
	d.status.Range(func(k, v any) bool {
		statuses = append(statuses, fmt.Sprintf("%d×%d", k.(int), v.(*atomic.Int64).Load()))
		return true
	})
	sort.Strings(statuses)
	fmt.Printf("%s: %d users, %d updates (%s), offered %s\n", what, o.users, o.updates, o.text, offered(o))
	fmt.Printf("  answered %d, not answered %d, extra answers %d; webhook answers %s, resends %d\n",
		answered, o.updates-answered, twice, strings.Join(statuses, " "), d.resends.Load())
	if elapsed > 0 {
		fmt.Printf("  replies/s %.1f over %.2fs (offer took %.2fs)\n", float64(answered)/elapsed.Seconds(), elapsed.Seconds(), sent.Sub(began).Seconds())
	}
	fmt.Printf("  latency p50 %s p99 %s max %s\n", pct(0.5).Round(time.Millisecond), pct(0.99).Round(time.Millisecond), pct(1).Round(time.Millisecond))
	fmt.Printf("  bot RSS idle %.1f MB, peak %.1f MB, after %.1f MB\n", mb(idle), mb(peak), mb(after))
}

func offered(o options) string {
	if o.rate > 0 {
		return fmt.Sprintf("%.0f/s", o.rate)
	}
	return fmt.Sprintf("as fast as %d connections allow", o.conns)
}

func mb(kb int64) float64 { return float64(kb) / 1024 }

// commandStats is Redis's count of calls per command (INFO commandstats).
func commandStats(url string) map[string]int64 {
	opt, err := goredis.ParseURL(url)
	if err != nil {
		return nil
	}
	c := goredis.NewClient(opt)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	info, err := c.Info(ctx, "commandstats").Result()
	if err != nil {
		return nil
	}
	out := map[string]int64{}
	for _, line := range strings.Split(info, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":calls=")
		if !ok {
			continue
		}
		calls, _, _ := strings.Cut(rest, ",")
		n, _ := strconv.ParseInt(calls, 10, 64)
		out[strings.TrimPrefix(name, "cmdstat_")] = n
	}
	return out
}

// printCommandStats prints the Redis commands the run cost per reply (the private Redis serves
// this bot alone), the ones above 0.01 per reply by name. A script (evalsha) counts once however
// many commands it runs.
func printCommandStats(before, after map[string]int64, replies int) {
	var total int64
	var parts []string
	for name, n := range after {
		d := n - before[name]
		if name == "info" || d <= 0 {
			continue
		}
		total += d
		if per := float64(d) / float64(replies); per >= 0.01 {
			parts = append(parts, fmt.Sprintf("%s %.2f", name, per))
		}
	}
	sort.Strings(parts)
	fmt.Printf("  redis commands per reply %.2f: %s\n", float64(total)/float64(replies), strings.Join(parts, ", "))
}

// rss is the process's resident set in kB (Linux), 0 when unknown.
func rss(pid int) int64 { return procStatus(pid, "VmRSS:") }

func procStatus(pid int, field string) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// cpuTime is the CPU time (user and system) the process has used so far (Linux), 0 when unknown.
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// pid (comm) state ppid ... : utime and stime are fields 14 and 15; comm may hold spaces.
	rest := string(b)
	if i := strings.LastIndexByte(rest, ')'); i >= 0 {
		rest = rest[i+1:]
	}
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ is 100 on Linux
}

// sample records the peak RSS of cmd every 50 ms until stopped.
func sample(cmd *exec.Cmd, mu *sync.Mutex, peak *int64) (stop func()) {
	done := make(chan struct{})
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if hwm := procStatus(cmd.Process.Pid, "VmHWM:"); hwm > 0 {
				mu.Lock()
				*peak = max(*peak, hwm)
				mu.Unlock()
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done); <-ended }) }
}

// redis returns REDIS_URL, or starts a private redis-server.
func redis() (url string, stop func(), err error) {
	if u := os.Getenv("REDIS_URL"); u != "" {
		return u, func() {}, nil
	}
	addr, err := freeAddr()
	if err != nil {
		return "", nil, err
	}
	_, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start redis-server (or set REDIS_URL): %w", err)
	}
	stop = func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	for range 100 {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return "redis://" + addr + "/0", stop, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	return "", nil, errors.New("redis-server did not start")
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// serveBare is the comparison: a go-telegram/bot webhook bot as its README shows it, replying
// with a fixed text to every message.
func serveBare(addr string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	b, err := tgbot.New(os.Getenv("TELEGRAM_BOT_TOKEN"),
		tgbot.WithServerURL(os.Getenv("TELEGRAM_API_URL")),
		tgbot.WithWebhookSecretToken(os.Getenv("GANWEI_WEBHOOK_SECRET")),
		tgbot.WithDefaultHandler(func(ctx context.Context, b *tgbot.Bot, upd *models.Update) {
			if upd.Message == nil {
				return
			}
			_, _ = b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: upd.Message.Chat.ID, Text: "敢为助手：请直接输入您的问题。"})
		}))
	if err != nil {
		return err
	}
	if _, err := b.SetWebhook(ctx, &tgbot.SetWebhookParams{URL: os.Getenv("GANWEI_WEBHOOK_URL"), SecretToken: os.Getenv("GANWEI_WEBHOOK_SECRET")}); err != nil {
		return err
	}
	go b.StartWebhook(ctx)
	srv := &http.Server{Addr: addr, Handler: b.WebhookHandler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { <-ctx.Done(); _ = srv.Close() }()
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}
