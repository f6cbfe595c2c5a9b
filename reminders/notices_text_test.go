package reminders

import (
	"strings"
	"testing"

	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/workdays"
)

// TestDigestLinesRead: the digest says how long a step has waited in words that hold at any
// length ("至今" within the first day, never "已 0 天"), and leaves out a reminder count of zero (a
// step escalated without reminders); a failed step is listed as 无法送达.
func TestDigestLinesRead(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	at := func(day, hour int) time.Time { return time.Date(2026, 11, day, hour, 0, 0, 0, loc) }
	s := &Service{Calendar: workdays.New(loc)}
	now := at(23, 16)
	a := &ganwei.Appointment{Name: "陈刚", Unit: "七都镇", Position: "党委书记", Status: ganwei.AppointmentActive,
		Steps: []*ganwei.StepState{
			{ID: "a", Title: "权力清单", NeedsAck: true, Status: ganwei.StepSent, SentAt: at(23, 9), Reminders: 1},
			{ID: "b", Title: "责任清单", NeedsAck: true, Status: ganwei.StepSent, SentAt: at(19, 9), Escalated: now},
			{ID: "c", Title: "负面清单", NeedsAck: true, Status: ganwei.StepFailed},
		}}
	got := s.digestText([]*ganwei.Appointment{a}, now, func(string) bool { return true })
	for _, want := range []string{
		"1. 陈刚（七都镇党委书记）《权力清单》：11月23日 09:00发出，至今未确认，已提醒 1 次\n",
		"2. 陈刚（七都镇党委书记）《责任清单》：11月19日 09:00发出，已 4 天未确认\n",
		"3. 陈刚（七都镇党委书记）《负面清单》无法送达\n",
		"以下 3 项尚未确认或无法送达：",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("digest lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "0 天") || strings.Contains(got, "0 次") {
		t.Errorf("digest counts zero:\n%s", got)
	}
}
