//go:build !nodemo

package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/bot"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/telegramtest"
	"github.com/ganwei-bot/ganwei/workdays"
)

// persona is someone the demo user can act as.
type persona struct {
	key   string // what :as takes
	user  ganwei.User
	label string
}

// demoPersonas are seeded into the store so that every role can be tried at once.
var demoPersonas = []persona{
	{"cadre", ganwei.User{ID: 20001, Name: "张伟", Unit: "吴江区发改委", Position: "副主任", Role: ganwei.RoleCadre}, "干部"},
	{"leader", ganwei.User{ID: 20002, Name: "陈刚", Unit: "七都镇", Position: "党委书记", Role: ganwei.RoleCadre}, "新任职主要领导"},
	{"hr", ganwei.User{ID: 10002, Name: "李娟", Unit: "区委组织部", Position: "干部科科员", Role: ganwei.RoleHR}, "组织部"},
	{"admin", ganwei.User{ID: 10001, Name: "王敏", Unit: "区委组织部", Position: "干部科科长", Role: ganwei.RoleAdmin}, "管理员"},
	{"guest", ganwei.User{ID: 30001, Name: "访客"}, "访客"},
}

// demoClock is the clock of the demo. It starts at a working morning (demoStart) rather than
// the real time, which may be the middle of the night, and runs on in real time from there;
// :advance moves it forward, so that scheduled reminders and check-ins can be seen without
// waiting days.
type demoClock struct {
	mu     sync.Mutex
	start  time.Time // demo time at realAt
	realAt time.Time
	offset time.Duration
}

func newDemoClock(start time.Time) *demoClock {
	return &demoClock{start: start, realAt: time.Now()}
}

func (c *demoClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.start.Add(time.Since(c.realAt) + c.offset)
}

func (c *demoClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// demoStart is the demo's first moment: 09:00 on the next working day (today when it is a
// working day before 09:00), in the configured time zone.
func demoStart(now time.Time, cal *workdays.Calendar) time.Time {
	d := now.In(cal.Location)
	t := time.Date(d.Year(), d.Month(), d.Day(), 9, 0, 0, 0, cal.Location)
	for i := 0; (!t.After(d) || !cal.IsWorkday(t)) && i < 60; i++ {
		t = time.Date(t.Year(), t.Month(), t.Day()+1, 9, 0, 0, 0, cal.Location)
	}
	return t
}

// parseAdvance reads what :advance takes: a duration ("2d", "3h") or "to 2026-12-07 09:00" (a
// date alone means 09:00), and returns how far to move the clock from now.
func parseAdvance(args []string, now time.Time, loc *time.Location) (time.Duration, error) {
	if len(args) >= 2 && args[0] == "to" {
		text := strings.Join(args[1:], " ")
		t, err := time.ParseInLocation("2006-01-02 15:04", text, loc)
		if err != nil {
			t, err = time.ParseInLocation("2006-01-02", text, loc)
			t = t.Add(9 * time.Hour)
		}
		if err != nil {
			return 0, fmt.Errorf("无法识别的时间 %q，请写成 :advance to 2026-12-07 09:00", text)
		}
		if !t.After(now) {
			return 0, fmt.Errorf("演示时间只能前进：现在已是 %s", demoTime(now, loc))
		}
		return t.Sub(now), nil
	}
	if len(args) != 1 {
		return 0, fmt.Errorf("用法：:advance 2d、:advance 3h 或 :advance to 2026-12-07 09:00")
	}
	d, err := parseDays(args[0])
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("无法识别的时长 %q，可以写 2d、3h、30m，或 to 2026-12-07 09:00", args[0])
	}
	return d, nil
}

// demoTime renders a demo time as "2026-12-07 09:00 周一".
func demoTime(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	return t.Format("2006-01-02 15:04") + " " + weekdayCN[t.Weekday()]
}

// runDemo runs the whole bot offline: a Bot API stand-in in the process, an embedded Redis
// (unless REDIS_URL is set), seeded people, and a terminal chat. It reads commands from stdin, so
// `printf '/start\n' | ganwei demo` prints the exchange and exits at end of input.
func runDemo(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	as := fs.String("as", "cadre", "persona to start as: cadre, leader, hr, admin or guest")
	verbose := fs.Bool("v", false, "show the bot's logs")
	tour := fs.Bool("tour", false, "play a short narrated walk through the three jobs, then exit")
	channel := fs.String("channel", "telegram", "the front end to chat through: telegram or wecom (企业微信)")
	if err := fs.Parse(args); err != nil {
		return usageErrorf("%v", err)
	}
	if *channel != "telegram" && *channel != "wecom" {
		return usageErrorf("--channel must be telegram or wecom")
	}
	cfg, err := loadConfig(env.Getenv)
	if err != nil {
		return err
	}
	level := slog.LevelError + 4 // silent: the chat is the output
	if *verbose {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: level}))

	clock := newDemoClock(demoStart(time.Now(), workdays.New(cfg.Location)))
	tg := telegramtest.New(telegramtest.WithClock(clock.Now))
	defer tg.Close()
	for _, p := range demoPersonas {
		tg.SetUser(models.User{ID: p.user.ID, FirstName: p.user.Name})
	}

	// Against a real Redis the demo's seeded people must never mix with a deployment's data.
	cfg.RedisPrefix += ":demo"
	store, closeStore, err := openStore(ctx, cfg, true, logger)
	if err != nil {
		return err
	}
	defer closeStore()
	store.Now = clock.Now
	if *channel == "wecom" {
		cfg.AdminIDs = map[int64]bool{}
		answerer, err := newAnswerer(cfg, slogf(logger))
		if err != nil {
			return err
		}
		return runWeComDemo(ctx, env, cfg, *as, *tour, clock, store, answerer, logger)
	}
	if err := seedDemo(ctx, store); err != nil {
		return err
	}
	period := cfg.CheckIn.Calendar.PeriodAt(clock.Now())
	if *tour {
		if err := seedTour(ctx, store, period.ID); err != nil {
			return err
		}
	}
	cfg.AdminIDs = map[int64]bool{}
	answerer, err := newAnswerer(cfg, slogf(logger))
	if err != nil {
		return err
	}
	a, err := newApp(ctx, cfg, store, bot.Config{
		Token: tg.Token(), APIURL: tg.URL(), PollTimeout: 2 * time.Second,
		GlobalRate: -1, PerChatRate: -1, UserRate: 50, UserBurst: 50,
	}, answerer, logger)
	if err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	// The web console listens on GANWEI_HTTP_ADDR when set, else on a free local port.
	httpAddr := "127.0.0.1:0"
	if cfg.HTTPAddrGiven {
		httpAddr = cfg.HTTPAddr
	}
	ready := make(chan string, 1)
	go func() { done <- a.run(runCtx, httpAddr, ready) }()
	var consoleLink string
	select {
	case <-ready:
		consoleLink, err = demoConsoleLink(ctx, a)
	case err = <-done:
		done <- err
	}
	if err != nil {
		stop()
		<-done
		return err
	}

	chat := &demoChat{env: env, tg: tg, app: a, clock: clock}
	if err := chat.switchTo(*as); err != nil {
		stop()
		<-done
		return usageErrorf("%v", err)
	}
	chat.banner(cfg.RedisURL != "", cfg.RedisPrefix)
	chat.printf("组织部工作台（网页）：以“%s”身份登录，请在 5 分钟内用浏览器打开（仅可使用一次；之后切换到 :as hr 发送 /web 可再取）：\n%s\n\n", demoPersonaNamed("hr").user.Name, consoleLink)
	chat.printf("演示时间从 %s 开始（%s），不是现在的真实时间。\n\n", demoTime(clock.Now(), cfg.Location), cfg.Location)
	var chatErr error
	if *tour {
		chatErr = chat.tour(ctx, tourScript(clock.Now(), period.End, cfg.Location, strconv.FormatInt(demoPersonaNamed("leader").user.ID, 10)))
	} else {
		chatErr = chat.loop(ctx)
	}
	stop()
	if err := <-done; err != nil {
		logger.Warn("bot stopped", "err", err)
	}
	return chatErr
}

// demoConsoleLink is a ready sign-in link to the web console for the HR persona.
func demoConsoleLink(ctx context.Context, a *app) (string, error) {
	link, err := a.links.IssueFor(ctx, demoPersonaNamed("hr").user.ID)
	if err != nil {
		return "", fmt.Errorf("demo console link: %w", err)
	}
	return link, nil
}

// demoPersonaNamed is the persona with the key.
func demoPersonaNamed(key string) persona {
	for _, p := range demoPersonas {
		if p.key == key {
			return p
		}
	}
	panic("no demo persona " + key)
}

// seedDemo stores the demo people.
func seedDemo(ctx context.Context, store *redisstore.Store) error {
	for _, p := range demoPersonas {
		if p.user.Role == ganwei.RoleGuest {
			continue
		}
		u := p.user
		if err := store.SaveUser(ctx, &u); err != nil {
			return fmt.Errorf("seed demo user %s: %w", p.key, err)
		}
	}
	return nil
}

// msgState is what the terminal last showed of a message, to print edits once.
type msgState struct {
	text  string
	edits int
}

// demoChat is the terminal side of the demo.
type demoChat struct {
	env   Env
	tg    *telegramtest.Server
	app   *app
	clock *demoClock

	who    persona
	toasts int // answerCallbackQuery calls already shown
	// newBatch is true until show prints the first message with buttons for this persona: the
	// numbering restarts once per batch so that all buttons on screen stay pressable.
	newBatch bool
	seenBy   map[int64]map[int]msgState
	buttons  []pressable
}

// pressable is a numbered button on screen.
type pressable struct {
	chatID    int64
	messageID int
	data      string
	url       string
	label     string
}

func (c *demoChat) printf(format string, args ...any) { fmt.Fprintf(c.env.Stdout, format, args...) }

func (c *demoChat) banner(externalRedis bool, prefix string) {
	c.printf("敢为助手 · 离线演示\n")
	if externalRedis {
		c.printf("演示数据写入 REDIS_URL 指向的 Redis，键名前缀 %s:，与正式数据分开。\n", prefix)
	} else {
		c.printf("演示数据只保存在内存中，退出后全部清除。\n")
	}
	c.printf("输入文字即以当前身份发给机器人；输入按钮编号（如 1）按下按钮。\n")
	c.printf("演示命令：:as cadre|leader|hr|admin|guest 切换身份，:who 查看身份，:time 查看演示时间，:press 按钮文字 按下按钮，:advance 2d 或 :advance to 2026-12-07 09:00 让时间前进，:help 帮助，:quit 退出。\n\n")
	c.printf("当前身份：%s\n", c.whoLine())
}

func (c *demoChat) whoLine() string {
	u := c.who.user
	if u.Role == ganwei.RoleGuest {
		return fmt.Sprintf("%s（未绑定，Telegram 账号 %d）", c.who.label, u.ID)
	}
	return fmt.Sprintf("%s · %s（%s %s，Telegram 账号 %d）", c.who.label, u.Name, u.Unit, u.Position, u.ID)
}

func (c *demoChat) switchTo(key string) error {
	for _, p := range demoPersonas {
		if p.key == key {
			c.who = p
			c.buttons = nil
			return nil
		}
	}
	return fmt.Errorf("unknown persona %q: choose cadre, leader, hr, admin or guest", key)
}

// loop reads lines until end of input, :quit or ctx ends.
func (c *demoChat) loop(ctx context.Context) error {
	interactive := isTerminal(c.env.Stdin)
	in := bufio.NewScanner(c.env.Stdin)
	in.Buffer(make([]byte, 64<<10), 1<<20)
	for {
		if interactive {
			c.printf("%s> ", c.who.user.Name)
		}
		if !in.Scan() {
			if interactive {
				c.printf("\n")
			}
			return in.Err()
		}
		line := strings.TrimSpace(in.Text())
		if !interactive && line != "" {
			c.printf("%s> %s\n", c.who.user.Name, line)
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		quit, err := c.do(ctx, line)
		if err != nil {
			c.printf("（%v）\n", err)
		}
		if quit || ctx.Err() != nil {
			return nil
		}
	}
}

// do carries out one line: a demo command, a button number, or a message to the bot.
func (c *demoChat) do(ctx context.Context, line string) (quit bool, err error) {
	if strings.HasPrefix(line, ":") {
		return c.meta(ctx, line)
	}
	if n, err := strconv.Atoi(line); err == nil && n >= 0 && n < 100 && (n < 1 || n > len(c.buttons)) {
		return false, fmt.Errorf("屏幕上没有编号为 %d 的按钮", n)
	}
	if n, err := strconv.Atoi(line); err == nil && n >= 1 && n <= len(c.buttons) {
		b := c.buttons[n-1]
		if b.url != "" {
			c.printf("（这是一个链接按钮：%s）\n", b.url)
			return false, nil
		}
		id := c.tg.PressButton(c.who.user.ID, b.messageID, b.data)
		return false, c.settle(ctx, id)
	}
	id := c.tg.SendText(c.who.user.ID, line)
	return false, c.settle(ctx, id)
}

func (c *demoChat) meta(ctx context.Context, line string) (bool, error) {
	fields := strings.Fields(line)
	switch fields[0] {
	case ":quit", ":q", ":exit":
		return true, nil
	case ":help":
		c.banner(false, "")
	case ":who":
		c.printf("当前身份：%s\n", c.whoLine())
	case ":as":
		if len(fields) != 2 {
			return false, fmt.Errorf("用法：:as cadre|leader|hr|admin|guest")
		}
		if err := c.switchTo(fields[1]); err != nil {
			return false, err
		}
		c.printf("已切换为：%s\n", c.whoLine())
		c.show()
		c.reshowButtons()
	case ":press":
		label := strings.TrimSpace(strings.TrimPrefix(line, ":press"))
		for i := len(c.buttons) - 1; i >= 0; i-- {
			if c.buttons[i].label == label {
				return c.do(ctx, strconv.Itoa(i+1))
			}
		}
		return false, fmt.Errorf("屏幕上没有「%s」按钮", label)
	case ":time":
		c.printf("演示时间：%s（%s）\n", demoTime(c.clock.Now(), c.app.cfg.Location), c.app.cfg.Location)
	case ":advance":
		d, err := parseAdvance(fields[1:], c.clock.Now(), c.app.cfg.Location)
		if err != nil {
			return false, err
		}
		c.clock.advance(d)
		c.app.reminders.Wake() // due reminders show now, not at the next poll
		c.app.checkins.Kick()  // a check-in prompt may now be due
		c.printf("时间前进到 %s。\n", demoTime(c.clock.Now(), c.app.cfg.Location))
		return false, c.settle(ctx, 0)
	default:
		return false, fmt.Errorf("未知的演示命令 %s，输入 :help 查看", fields[0])
	}
	return false, nil
}

// settle waits until the bot has handled the update (and a moment more for work it started in
// the background, such as scheduled messages), then prints what changed.
func (c *demoChat) settle(ctx context.Context, updateID int64) error {
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if updateID != 0 {
		if err := c.app.bot.WaitHandled(wctx, updateID); err != nil {
			return fmt.Errorf("机器人没有及时回应")
		}
	}
	// Background work (a reminder sent to another person) shows up as further changes; wait
	// until the stand-in has been quiet briefly.
	qctx, qcancel := context.WithTimeout(ctx, 150*time.Millisecond)
	defer qcancel()
	_ = c.tg.WaitUntil(qctx, func() bool { return false })
	c.show()
	return nil
}

// show prints new and edited messages in every persona's chat; buttons are numbered only for the
// current persona, who is the one who can press them.
func (c *demoChat) show() {
	// A button press may be answered with a short notice (Telegram shows it as a toast).
	calls := c.tg.Calls("answerCallbackQuery")
	for _, call := range calls[min(c.toasts, len(calls)):] {
		if text := call.Params["text"]; text != "" {
			c.printf("（提示：%s）\n", text)
		}
	}
	c.toasts = len(calls)
	c.newBatch = true
	if c.seenBy == nil {
		c.seenBy = map[int64]map[int]msgState{}
	}
	ids := make([]int64, 0, len(demoPersonas))
	for _, p := range demoPersonas {
		ids = append(ids, p.user.ID)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] == c.who.user.ID && ids[j] != c.who.user.ID })
	for _, chatID := range ids {
		seen := c.seenBy[chatID]
		if seen == nil {
			seen = map[int]msgState{}
			c.seenBy[chatID] = seen
		}
		for _, m := range c.tg.MessagesTo(chatID) {
			st, old := seen[m.ID]
			if old && st.edits == m.Edits {
				continue
			}
			seen[m.ID] = msgState{text: m.Text, edits: m.Edits}
			if old && st.text == m.Text {
				c.forgetButtons(chatID, m) // only the keyboard changed (removed after a press)
				continue
			}
			c.printMessage(chatID, m, old)
		}
	}
}

func (c *demoChat) printMessage(chatID int64, m telegramtest.Message, edited bool) {
	to := ""
	if chatID != c.who.user.ID {
		for _, p := range demoPersonas {
			if p.user.ID == chatID {
				to = fmt.Sprintf(" → 发给%s %s", p.label, p.user.Name)
			}
		}
	}
	head := "敢为助手" + to
	if edited {
		head += "（消息已更新）"
	}
	c.printf("┌ %s\n", head)
	text := m.Text
	if m.File != nil {
		text = fmt.Sprintf("[文件 %s，%d 字节] %s", m.File.Name, m.File.Size, text)
	}
	for _, line := range strings.Split(text, "\n") {
		c.printf("│ %s\n", line)
	}
	c.forgetButtons(chatID, m)
	if len(m.Buttons) > 0 {
		if chatID == c.who.user.ID && c.newBatch {
			c.buttons, c.newBatch = nil, false
		}
		var row []string
		for _, r := range m.Buttons {
			for _, b := range r {
				if chatID == c.who.user.ID {
					c.buttons = append(c.buttons, pressable{chatID: chatID, messageID: m.ID, data: b.CallbackData, url: b.URL, label: b.Text})
					row = append(row, fmt.Sprintf("[%d] %s", len(c.buttons), b.Text))
				} else {
					row = append(row, "["+b.Text+"]")
				}
			}
		}
		c.printf("│ %s\n", strings.Join(row, "  "))
	}
	c.printf("└\n")
}

// forgetButtons drops the numbers of buttons a message no longer has (a step was answered).
func (c *demoChat) forgetButtons(chatID int64, m telegramtest.Message) {
	if len(m.Buttons) > 0 || chatID != c.who.user.ID {
		return
	}
	kept := c.buttons[:0]
	for _, b := range c.buttons {
		if b.messageID != m.ID {
			kept = append(kept, b)
		}
	}
	c.buttons = kept
}

// isTerminal reports whether r is an interactive terminal (then the demo prompts instead of
// echoing input).
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// reshowButtons gives numbers to the buttons of messages in the current persona's chat that were
// shown while acting as someone else (lists sent to the leader while acting as HR). They are not
// printed again as if they were new: one line per message names it and numbers its buttons, for
// the newest few.
func (c *demoChat) reshowButtons() {
	if len(c.buttons) > 0 {
		return
	}
	const maxListed = 5
	var withButtons []telegramtest.Message
	for _, m := range c.tg.MessagesTo(c.who.user.ID) {
		if len(m.Buttons) > 0 {
			withButtons = append(withButtons, m)
		}
	}
	withButtons = withButtons[max(0, len(withButtons)-maxListed):]
	for _, m := range withButtons {
		var row []string
		for _, r := range m.Buttons {
			for _, b := range r {
				c.buttons = append(c.buttons, pressable{chatID: c.who.user.ID, messageID: m.ID, data: b.CallbackData, url: b.URL, label: b.Text})
				row = append(row, fmt.Sprintf("[%d] %s", len(c.buttons), b.Text))
			}
		}
		first, _, _ := strings.Cut(m.Text, "\n")
		if r := []rune(first); len(r) > 24 {
			first = string(r[:24]) + "…"
		}
		c.printf("（上面已显示过的消息「%s」可以操作：%s）\n", first, strings.Join(row, "  "))
	}
}

var weekdayCN = [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}
