//go:build !nodemo

package main

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/bot"
	"github.com/ganwei-bot/ganwei/knowledge"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/wecomtest"
)

// runWeComDemo is `ganwei demo --channel wecom`: the terminal chat through the 企业微信 front
// end, against the wecomtest stand-in (callbacks encrypted and signed, cards, card updates), with
// the demo's people as 企业微信 members (userid demo_<persona>).
func runWeComDemo(ctx context.Context, env Env, cfg *Config, as string, tour bool, clock *demoClock, store *redisstore.Store, answerer *knowledge.Answerer, logger *slog.Logger) error {
	period := cfg.CheckIn.Calendar.PeriodAt(clock.Now())
	if tour {
		if err := seedTour(ctx, store, period.ID); err != nil {
			return err
		}
	}
	wc := wecomtest.NewServer()
	defer wc.Close()
	for _, p := range demoPersonas {
		if p.user.Role == ganwei.RoleGuest {
			continue
		}
		account := ganwei.WeComAccount(wecomDemoUser(p))
		id, _, err := store.PersonForAccount(ctx, account, &p.user)
		if err != nil {
			return err
		}
		u := p.user
		u.ID, u.Accounts = id, []ganwei.Account{account}
		if err := store.SaveUser(ctx, &u); err != nil {
			return fmt.Errorf("seed demo user %s: %w", p.key, err)
		}
	}
	cfg.WeCom = WeComConfig{CorpID: wecomtest.CorpID, AgentID: wecomtest.AgentID, Secret: wecomtest.Secret,
		Token: wecomtest.Token, AESKey: wecomtest.AESKey, APIURL: wc.URL}
	a, err := newApp(ctx, cfg, store, bot.Config{GlobalRate: -1, PerChatRate: -1}, answerer, logger)
	if err != nil {
		return err
	}
	a.wecom.UserRate, a.wecom.UserBurst = 50, 50
	runCtx, stop := context.WithCancel(ctx)
	ready, done := make(chan string, 1), make(chan error, 1)
	go func() { done <- a.run(runCtx, "127.0.0.1:0", ready) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			logger.Warn("demo stopped", "err", err)
		}
	}()
	select {
	case addr := <-ready:
		wc.SetCallback("http://" + addr + "/wecom/callback")
	case err := <-done:
		return err
	}
	d := &wecomDemo{env: env, wc: wc, app: a, clock: clock, seen: map[string]map[int]int{}}
	if err := d.switchTo(as); err != nil {
		return usageErrorf("%v", err)
	}
	d.printf("敢为助手 · 企业微信离线演示（消息经加密回调进入，带按钮的消息是模板卡片）\n")
	d.printf("输入文字即以当前身份发给应用（绑定身份请发送「绑定 邀请码」）；输入按钮编号或 :press 按钮文字 按下卡片上的按钮。\n")
	d.printf("演示命令：:as cadre|leader|hr|admin|guest 切换身份，:time，:advance 2d，:quit 退出。\n")
	d.printf("演示时间从 %s 开始（%s）。当前身份：%s\n\n", demoTime(clock.Now(), cfg.Location), cfg.Location, d.whoLine())
	d.settle()
	if tour {
		// The leader is named by their 企业微信 account, as HR would type it.
		leader := string(ganwei.WeComAccount(wecomDemoUser(demoPersonaNamed("leader"))))
		return d.tour(ctx, tourScript(clock.Now(), period.End, cfg.Location, leader))
	}
	return d.loop(ctx)
}

// tour plays the narrated tour (the Telegram demo's script) through the 企业微信 front end.
func (d *wecomDemo) tour(ctx context.Context, script []string) error {
	for _, line := range script {
		if ctx.Err() != nil {
			return nil
		}
		if text, ok := strings.CutPrefix(line, "》"); ok {
			d.printf("\n【导览】%s\n", text)
			continue
		}
		d.printf("%s> %s\n", d.who.user.Name, line)
		if _, err := d.do(line); err != nil {
			return fmt.Errorf("tour step %q: %w", line, err)
		}
	}
	return nil
}

// press presses the most recent button labelled label on the current persona's cards. A card
// the scheduler sends in the background may not be on screen yet: it waits a few seconds for it.
func (d *wecomDemo) press(label string) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		for i := len(d.buttons) - 1; i >= 0; i-- {
			if d.buttons[i].label == label {
				b := d.buttons[i]
				return d.wc.Click(wecomDemoUser(d.who), b.card, b.key)
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("屏幕上没有「%s」按钮", label)
		}
		d.settle()
	}
}

func wecomDemoUser(p persona) string { return "demo_" + p.key }

// wecomDemo is the terminal side of the 企业微信 demo.
type wecomDemo struct {
	env     Env
	wc      *wecomtest.Server
	app     *app
	clock   *demoClock
	who     persona
	seen    map[string]map[int]int // userid → message seq → updates shown
	buttons []wecomButton
}

type wecomButton struct {
	card  wecomtest.Message
	key   string
	label string
}

func (d *wecomDemo) printf(format string, args ...any) { fmt.Fprintf(d.env.Stdout, format, args...) }

func (d *wecomDemo) whoLine() string {
	return fmt.Sprintf("%s · %s（企业微信账号 %s）", d.who.label, d.who.user.Name, wecomDemoUser(d.who))
}

func (d *wecomDemo) switchTo(key string) error {
	for _, p := range demoPersonas {
		if p.key == key {
			d.who, d.buttons = p, nil
			return nil
		}
	}
	return fmt.Errorf("unknown persona %q: choose cadre, leader, hr, admin or guest", key)
}

func (d *wecomDemo) loop(ctx context.Context) error {
	interactive := isTerminal(d.env.Stdin)
	in := bufio.NewScanner(d.env.Stdin)
	for ctx.Err() == nil {
		if interactive {
			d.printf("%s> ", d.who.user.Name)
		}
		if !in.Scan() {
			return in.Err()
		}
		line := strings.TrimSpace(in.Text())
		if !interactive && line != "" {
			d.printf("%s> %s\n", d.who.user.Name, line)
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		quit, err := d.do(line)
		if err != nil {
			d.printf("（%v）\n", err)
		}
		if quit {
			return nil
		}
	}
	return nil
}

func (d *wecomDemo) do(line string) (bool, error) {
	fields := strings.Fields(line)
	switch {
	case fields[0] == ":quit" || fields[0] == ":q":
		return true, nil
	case fields[0] == ":as" && len(fields) == 2:
		if err := d.switchTo(fields[1]); err != nil {
			return false, err
		}
		d.printf("已切换为：%s\n", d.whoLine())
		d.settle()
		return false, nil
	case fields[0] == ":time":
		d.printf("演示时间：%s\n", demoTime(d.clock.Now(), d.app.cfg.Location))
		return false, nil
	case fields[0] == ":advance":
		dur, err := parseAdvance(fields[1:], d.clock.Now(), d.app.cfg.Location)
		if err != nil {
			return false, err
		}
		d.clock.advance(dur)
		d.app.reminders.Wake()
		d.app.checkins.Kick()
		d.printf("时间前进到 %s。\n", demoTime(d.clock.Now(), d.app.cfg.Location))
		d.settle()
		return false, nil
	case fields[0] == ":press" && len(fields) > 1:
		if err := d.press(strings.TrimSpace(strings.TrimPrefix(line, ":press"))); err != nil {
			return false, err
		}
		d.settle()
		return false, nil
	case strings.HasPrefix(fields[0], ":"):
		return false, fmt.Errorf("未知的演示命令 %s", fields[0])
	}
	if n, err := strconv.Atoi(line); err == nil {
		if n < 1 || n > len(d.buttons) {
			return false, fmt.Errorf("屏幕上没有编号为 %d 的按钮", n)
		}
		b := d.buttons[n-1]
		if err := d.wc.Click(wecomDemoUser(d.who), b.card, b.key); err != nil {
			return false, err
		}
	} else if err := d.wc.SendText(wecomDemoUser(d.who), line); err != nil {
		return false, err
	}
	d.settle()
	return false, nil
}

// settle waits until the event is handled and background sends are done, then prints what the
// current persona received: new messages, and cards updated since last shown.
func (d *wecomDemo) settle() {
	d.app.wecom.Wait()
	time.Sleep(150 * time.Millisecond) // a reminder or notice sent in the background
	user := wecomDemoUser(d.who)
	if d.seen[user] == nil {
		d.seen[user] = map[int]int{}
	}
	for _, m := range d.wc.Messages(user) {
		shown, ok := d.seen[user][m.Seq]
		if ok && shown == m.Updates {
			continue
		}
		d.seen[user][m.Seq] = m.Updates
		d.print(m, ok)
	}
}

func (d *wecomDemo) print(m wecomtest.Message, updated bool) {
	switch m.Type {
	case "text":
		d.printf("敢为助手：%s\n\n", m.Text)
		return
	case "file", "image":
		d.printf("敢为助手：[文件 %s]\n\n", m.Filename)
		return
	}
	head := "[卡片]"
	if updated {
		head = "[卡片已更新]"
	}
	d.printf("%s %s\n", head, m.Title)
	if m.Body != "" {
		d.printf("%s\n", m.Body)
	}
	if m.Replaced != "" {
		d.printf("（按钮：%s）\n", m.Replaced)
	}
	for _, b := range m.Buttons {
		d.buttons = append(d.buttons, wecomButton{card: m, key: b.Key, label: b.Text})
		d.printf("  [%d] %s\n", len(d.buttons), b.Text)
	}
	d.printf("\n")
}
