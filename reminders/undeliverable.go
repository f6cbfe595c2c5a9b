package reminders

// Sends that fail: tried again later, or, when the leader cannot be reached, the step marked failed and HR told once.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ganwei-bot/ganwei"
)

// Undeliverable reports whether a send failed because the person cannot be reached at all:
// the front end reports it blocked (Telegram: 403, they blocked the bot or never started it) or
// unknown (Telegram: 400 "chat not found", a wrong id, or someone who never opened the bot).
// Retrying will not help; HR must act.
func Undeliverable(err error) bool {
	return errors.Is(err, ganwei.ErrRecipientBlocked) || errors.Is(err, ganwei.ErrRecipientUnknown)
}

// sendFailed records a send that did not go through. An undeliverable send marks the step failed
// and tells HR, once per appointment; anything else (Telegram unreachable beyond the Sender's
// retries) tries again later.
func (s *Service) sendFailed(ctx context.Context, job ganwei.ReminderJob, a *ganwei.Appointment, st *ganwei.StepState, expect ganwei.StepStatus, now time.Time, sendErr error) error {
	if ctx.Err() != nil {
		// Stopping. The Sender never abandons a request under way, so nothing went out: hand the
		// job back for a replica or the next start.
		s.release(ctx, []ganwei.ReminderJob{job})
		return sendErr
	}
	if !Undeliverable(sendErr) {
		s.Logger.Warn("reminder send failed; will retry", "appointment", a.ID, "step", st.ID, "err", sendErr)
		_, err := s.Queue.CompleteReminderJob(ctx, job, ganwei.JobResult{KeepNext: true, Next: now.Add(retryAfterError)})
		return err
	}
	reason, told := errBlocked, false
	if errors.Is(sendErr, ganwei.ErrRecipientUnknown) {
		reason = errChatNotFound
	}
	for _, other := range a.Steps {
		if other.ID != st.ID && other.Status == ganwei.StepFailed && (other.Error == errBlocked || other.Error == errChatNotFound) {
			told = true // HR heard about this person already; the digest keeps listing it
		}
	}
	s.Logger.Warn("reminder undeliverable", "appointment", a.ID, "step", st.ID, "reason", reason)
	ok, err := s.Queue.CompleteReminderJob(ctx, job, ganwei.JobResult{Expect: expect, Status: ganwei.StepFailed, Error: reason})
	if err != nil || !ok || told {
		return err
	}
	channel := s.channelOf(ctx, a.PersonID)
	why := "对方可能屏蔽了敢为助手，或还没有和它开始对话"
	if reason == errChatNotFound {
		why = strings.TrimLeft(spaced(channel), " ") + "找不到这个对话：账号可能填错了，或对方还从未打开过敢为助手"
	}
	open := "打开敢为助手"
	if channel == ganwei.PlatformLabel(ganwei.PlatformTelegram) {
		open += "、发送 /start"
	}
	s.notifyHR(ctx, a.Unit, fmt.Sprintf("【四项清单·无法送达】《%s》没能通过%s发给%s（%s）：%s。\n请核对账号，并联系本人在%s中%s；然后在 /reminders 中取消这条登记，再用 /appoint 重新登记。",
		st.Title, spaced(channel), a.Name, strings.TrimSpace(a.Unit+a.Position), why, spaced(channel), open))
	return nil
}

// spaced puts spaces around a Latin name set in Chinese text (「通过 Telegram 发给」).
func spaced(name string) string {
	if name != "" && name[0] < 0x80 {
		return " " + name + " "
	}
	return name
}

// channelOf names, for HR, the channel a push to the person goes to: their preferred one when
// they have an account there, else their first account's (as channels.Router chooses).
func (s *Service) channelOf(ctx context.Context, personID int64) string {
	u, err := s.Users.User(ctx, personID)
	if err != nil || len(u.Accounts) == 0 {
		return "敢为助手"
	}
	if p, ok := s.Users.(interface {
		PreferredChannel(ctx context.Context, personID int64) (string, error)
	}); ok {
		if want, err := p.PreferredChannel(ctx, personID); err == nil && u.AccountOn(want) != "" {
			return ganwei.PlatformLabel(want)
		}
	}
	return ganwei.PlatformLabel(u.Accounts[0].Platform())
}

// Reasons recorded on a step that cannot be delivered (shown by `ganwei admin reminders`).
const (
	errBlocked      = "blocked: the leader blocked the bot or never started it"
	errChatNotFound = "chat not found: wrong Telegram id, or the leader never opened the bot"
)
