package workdays_test

import (
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei/testkit"
	"github.com/ganwei-bot/ganwei/workdays"
)

var shanghai = testkit.Shanghai

func day(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

func TestKind(t *testing.T) {
	c := workdays.New(shanghai)
	tests := []struct {
		date string
		want workdays.DayKind
	}{
		{"2026-11-26 09:00", workdays.Workday},       // a Thursday
		{"2026-11-28 09:00", workdays.Weekend},       // a Saturday
		{"2026-10-01 09:00", workdays.Holiday},       // National Day
		{"2026-10-10 09:00", workdays.MakeUpWorkday}, // Saturday worked for National Day
		{"2026-02-17 09:00", workdays.Holiday},       // Spring Festival
		{"2026-02-28 09:00", workdays.MakeUpWorkday}, // Saturday worked for Spring Festival
	}
	for _, tt := range tests {
		if got, _ := c.Kind(day(tt.date)); got != tt.want {
			t.Errorf("Kind(%s) = %v, want %v", tt.date, got, tt.want)
		}
	}
}

func TestAddWorkdays(t *testing.T) {
	c := workdays.New(shanghai)
	tests := []struct {
		from string
		n    int
		want string
	}{
		{"2026-11-26 15:00", 1, "2026-11-27 09:00"}, // Thursday + 1 = Friday
		{"2026-11-27 15:00", 1, "2026-11-30 09:00"}, // Friday + 1 skips the weekend
		{"2026-09-30 10:00", 1, "2026-10-08 09:00"}, // across the National Day break
		{"2026-10-09 10:00", 1, "2026-10-10 09:00"}, // the 调休 Saturday counts
		{"2026-10-03 10:00", 0, "2026-10-08 09:00"}, // day 0 on a holiday moves on
		{"2026-11-26 15:00", 0, "2026-11-26 09:00"},
	}
	for _, tt := range tests {
		got := c.AddWorkdays(day(tt.from), tt.n, 9, 0)
		if !got.Equal(day(tt.want)) {
			t.Errorf("AddWorkdays(%s, %d) = %s, want %s", tt.from, tt.n, got.Format("2006-01-02 15:04"), tt.want)
		}
	}
}

func TestNextWorkdayAt(t *testing.T) {
	c := workdays.New(shanghai)
	if got := c.NextWorkdayAt(day("2026-11-28 20:00"), 9, 0); !got.Equal(day("2026-11-30 09:00")) {
		t.Errorf("NextWorkdayAt(Saturday) = %s, want Monday 09:00", got)
	}
	if got := c.NextWorkdayAt(day("2026-11-26 20:00"), 9, 0); !got.Equal(day("2026-11-26 20:00")) {
		t.Errorf("NextWorkdayAt(working day) = %s, want unchanged", got)
	}
	if !workdays.Covers(2026) {
		t.Errorf("Covers(2026) = false; the calendar library lacks this year's schedule")
	}
}
