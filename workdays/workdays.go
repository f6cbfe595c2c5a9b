// Package workdays knows which days are working days in mainland China: Monday to Friday, minus
// the official public holidays, plus the make-up working days (调休) on weekends that the State
// Council publishes each year. The schedule comes from github.com/6tail/lunar-go's HolidayUtil,
// a maintained calendar library that tracks those notices, rather than from a hand-typed table.
package workdays

import (
	"fmt"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"
)

// Calendar answers working-day questions in one time zone (the organization's, not the
// server's: a reminder due "on Monday" means Monday in Suzhou).
type Calendar struct {
	Location *time.Location
}

// New returns a calendar for loc (Asia/Shanghai when nil).
func New(loc *time.Location) *Calendar {
	if loc == nil {
		loc = time.FixedZone("CST", 8*3600)
	}
	return &Calendar{Location: loc}
}

// DayKind says why a day is or is not a working day.
type DayKind int

// Kinds of day.
const (
	Workday       DayKind = iota // an ordinary Monday to Friday
	Weekend                      // Saturday or Sunday
	Holiday                      // an official public holiday (法定节假日)
	MakeUpWorkday                // a weekend day that is worked (调休上班)
)

// Kind classifies the calendar day of t in the calendar's zone, with the holiday's name when
// the schedule names one.
func (c *Calendar) Kind(t time.Time) (DayKind, string) {
	t = t.In(c.Location)
	if h := HolidayUtil.GetHolidayByYmd(t.Year(), int(t.Month()), t.Day()); h != nil {
		if h.IsWork() {
			return MakeUpWorkday, h.GetName()
		}
		return Holiday, h.GetName()
	}
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return Weekend, ""
	}
	return Workday, ""
}

// IsWorkday reports whether t falls on a working day.
func (c *Calendar) IsWorkday(t time.Time) bool {
	k, _ := c.Kind(t)
	return k == Workday || k == MakeUpWorkday
}

// NextWorkdayAt returns t itself when it is on a working day, otherwise the given clock time
// (hour:minute) on the next working day. Used to move a due time off a weekend or holiday.
func (c *Calendar) NextWorkdayAt(t time.Time, hour, minute int) time.Time {
	if c.IsWorkday(t) {
		return t
	}
	d := t.In(c.Location)
	for i := 0; i < 60; i++ { // the longest break (Spring Festival) is well under 60 days
		d = time.Date(d.Year(), d.Month(), d.Day()+1, hour, minute, 0, 0, c.Location)
		if c.IsWorkday(d) {
			return d
		}
	}
	return d
}

// AddWorkdays returns the date n working days after t's date, at the given clock time. n = 0
// gives t's own date when that is a working day, otherwise the next working day.
func (c *Calendar) AddWorkdays(t time.Time, n, hour, minute int) time.Time {
	d := t.In(c.Location)
	d = time.Date(d.Year(), d.Month(), d.Day(), hour, minute, 0, 0, c.Location)
	if n == 0 {
		return c.NextWorkdayAt(d, hour, minute)
	}
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if c.IsWorkday(d) {
			n--
		}
	}
	return d
}

// Covers reports whether the library carries the official schedule for the year; beyond it only
// weekends are known, which the operator should hear about.
func Covers(year int) bool {
	return HolidayUtil.GetHolidaysByYear(year).Len() > 0
}

// String names a kind in Chinese for messages.
func (k DayKind) String() string {
	switch k {
	case Workday:
		return "工作日"
	case Weekend:
		return "周末"
	case Holiday:
		return "法定节假日"
	case MakeUpWorkday:
		return "调休上班日"
	}
	return fmt.Sprintf("DayKind(%d)", int(k))
}
