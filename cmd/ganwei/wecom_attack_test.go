package main

import (
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/wecomtest"
)

// A 已阅知 press arriving from another person, on the new leader's own card (a forwarded card, or
// a callback made up by someone holding the app's keys), records nothing and changes neither the
// step nor the leader's card; the leader's own press afterwards still works.
func TestWeComAttackAckPressedByAnotherPerson(t *testing.T) {
	h := newWeComHarness(t, false, nil)
	leader := h.chat(wzhao.userID)
	before := h.wc.Last()
	appt, _, err := h.app.reminders.Appoint(h.ctx, &ganwei.Appointment{PersonID: leader, Name: wzhao.user.Name,
		Position: "党委书记", Unit: "七都镇", Date: "2026-11-20"})
	if err != nil {
		t.Fatalf("appoint: %v", err)
	}
	card := h.wc.Wait(t, wzhao.userID, before, wecomtest.HasButton("已阅知"))
	waitStepSent(t, h, appt.ID)

	for _, intruder := range []string{wzhang.userID, whr.userID, "stranger01"} {
		h.wc.Press(t, intruder, card, "已阅知")
		h.app.wecom.Wait()
		var got wecomtest.Message
		for _, m := range h.wc.Messages(wzhao.userID) {
			if m.TaskID == card.TaskID {
				got = m
			}
		}
		if got.Updates != 0 || got.Replaced != "" {
			t.Errorf("%s's press changed the leader's card: %+v", intruder, got)
		}
		cardID, _ := strconv.Atoi(strings.TrimPrefix(card.TaskID, "gw"))
		if code, err := h.store.TakeWeComResponseCode(h.ctx, cardID); err != nil || code != "" {
			t.Errorf("%s's press left its response code %q on the leader's card (%v)", intruder, code, err)
		}
		a, err := h.store.Appointment(h.ctx, appt.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st := a.Steps[0]; st.Status == ganwei.StepAcknowledged {
			t.Fatalf("%s's press acknowledged the leader's step: %+v", intruder, st)
		}
	}
	acked := h.press(wzhao.userID, card, "已阅知")
	if !strings.HasPrefix(acked.Replaced, "✅ 已阅知") || acked.Updates != 1 {
		t.Errorf("the leader's own press after the intruders: %+v, want the card updated once", acked)
	}
	if a, _ := h.store.Appointment(h.ctx, appt.ID); a.Steps[0].Status != ganwei.StepAcknowledged {
		t.Errorf("the leader's own press was not recorded: %+v", a.Steps[0])
	}
}

// A text far longer than 企业微信 itself allows (2048 bytes) is answered with the polite "too
// long" sentence, is not echoed back and does not enter the unanswered queue.
func TestWeComAttackHugeTextMessage(t *testing.T) {
	h := newWeComHarness(t, false, nil)
	huge := strings.Repeat("请问容错", 40000) // 160,000 characters, 480 KB
	got := h.say(wzhang.userID, huge)
	if reply := got.Text + got.Title + got.Body; !strings.Contains(reply, "太长") && !strings.Contains(reply, "有点长") {
		t.Errorf("a huge message was answered %.200q, want the polite too-long sentence", got.Text+got.Title+got.Body)
	}
	for _, m := range h.wc.Messages(wzhang.userID) {
		if len(m.Text) > 4096 || strings.Contains(m.Text, strings.Repeat("请问容错", 20)) {
			t.Errorf("a reply echoes the huge text (%d bytes)", len(m.Text))
		}
	}
	if n, err := h.store.CountUnanswered(h.ctx); err != nil || n != 0 {
		t.Errorf("the unanswered queue holds %d (%v), want 0", n, err)
	}
	if got := h.say(wzhang.userID, "/whoami"); !strings.Contains(got.Text, "身份：") {
		t.Errorf("after the huge text the cadre's /whoami answered %+v", got)
	}
}

// Accounts of the two platforms live apart: a 企业微信 userid spelled like a bound person's
// Telegram id, or their 企业微信 userid in another case, is a stranger; binding with a code
// already used by someone else binds nothing.
func TestWeComAttackLookalikeUserIDsAreStrangers(t *testing.T) {
	h := newWeComHarness(t, false, nil)
	tg := ganwei.User{ID: 9001, Name: "孙磊", Unit: "发改委", Role: ganwei.RoleHR, Accounts: []ganwei.Account{ganwei.TelegramAccount(9001)}}
	if err := h.store.SaveUser(h.ctx, &tg); err != nil {
		t.Fatal(err)
	}
	for _, fake := range []string{"9001", "telegram:9001", strings.ToUpper(whr.userID)} {
		got := h.say(fake, "/whoami")
		if !strings.Contains(got.Text, "访客") || strings.Contains(got.Text, "孙磊") || strings.Contains(got.Text, whr.user.Name) {
			t.Errorf("企业微信 user %q is taken for someone: %q", fake, got.Text)
		}
		if got := h.say(fake, "/web"); strings.Contains(got.Text, "/console/signin/") {
			t.Errorf("企业微信 user %q got a console link", fake)
		}
	}
	code, err := h.store.CreateInvite(h.ctx, &ganwei.Invite{Name: "周敏", Unit: "发改委", Position: "副主任", Role: ganwei.RoleCadre})
	if err != nil {
		t.Fatal(err)
	}
	h.say("zhoumin", "绑定 "+code)
	if got := h.say("intruder", "绑定 "+code); !strings.Contains(got.Text, "已经用过") {
		t.Errorf("a used code bound again: %q", got.Text)
	}
	if _, err := h.store.PersonByAccount(h.ctx, "wecom:intruder"); ganwei.ErrorCode(err) != ganwei.ENOTFOUND {
		t.Errorf("the intruder is bound to someone: %v", err)
	}
}

// A client that sends a request's head and trickles its body (slowloris) to the public listener
// — the console's sign-in, which reads no body, or the callback — is hung up on once the read
// timeout has passed, instead of holding the connection for ever.
func TestAttackSlowRequestsAreCutOff(t *testing.T) {
	old := httpReadTimeout
	httpReadTimeout = 300 * time.Millisecond
	t.Cleanup(func() { httpReadTimeout = old })
	h := newWeComHarness(t, false, nil)
	for _, path := range []string{"/console/signin/abc", "/console/signout", "/wecom/callback?msg_signature=x&timestamp=1&nonce=n"} {
		conn, err := net.Dial("tcp", h.addr)
		if err != nil {
			t.Fatal(err)
		}
		head := "POST " + path + " HTTP/1.1\r\nHost: " + h.addr +
			"\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\ncsrf=abc"
		if _, err := conn.Write([]byte(head)); err != nil {
			t.Fatal(err)
		}
		// The rest never comes. Whether or not the server answered, it must hang up well before
		// this guard.
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err = io.Copy(io.Discard, conn)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Errorf("POST %s: the connection is still held after 5 s of a trickled body", path)
		}
		conn.Close()
	}
}

// waitStepSent waits until the scheduler has recorded step 1 of appointment id as sent, so that
// the card the test presses on is the one the store knows.
func waitStepSent(t *testing.T, h *wecomHarness, id string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		a, err := h.store.Appointment(h.ctx, id)
		if err == nil && len(a.Steps) > 0 && a.Steps[0].Status != ganwei.StepScheduled {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("step 1 of %s not recorded as sent: %+v, %v", id, a, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
