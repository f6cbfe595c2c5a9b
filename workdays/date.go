package workdays

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/width"
)

// DateError is a date that could not be read. Its message is a Simplified Chinese sentence meant
// for the person who typed the date.
type DateError struct{ msg string }

func (e *DateError) Error() string { return e.msg }

// DateHint is how a date is best written, for messages.
const DateHint = "请写成 2026年11月2日、2026-11-02、2026.11.2 或 2026/11/2"

// maxDateDistance bounds how far an appointment date may lie from today: a date further away is
// a typo (a wrong year), not an appointment.
const maxDateDistance = 366 * 24 * time.Hour

var (
	fullDate  = regexp.MustCompile(`^(\d{4})(?:年(\d{1,2})月(\d{1,2})[日号]?|([./-])(\d{1,2})([./-])(\d{1,2}))$`)
	monthDay  = regexp.MustCompile(`^(\d{1,2})月(\d{1,2})[日号]?$`)
	compact   = regexp.MustCompile(`^(\d{4})(\d{2})(\d{2})$`)
	shortPair = regexp.MustCompile(`^\d{1,2}[./-]\d{1,2}$`)
	dayFirst  = regexp.MustCompile(`^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$`)
	shortYear = regexp.MustCompile(`^\d{2}(?:年|[./-])\d{1,2}(?:月|[./-])\d{1,2}[日号]?$`)
	dateChars = regexp.MustCompile(`^[0-9年月日号./-]+$`)
)

// normalizeDate folds full-width digits and punctuation and drops spaces: "２０２６年 11月 2日"
// and "2026．11．2" read like their plain forms.
func normalizeDate(s string) string {
	s = strings.NewReplacer("。", ".", "、", ".", "—", "-", "－", "-", "／", "/").Replace(s)
	s = width.Narrow.String(s)
	return strings.Join(strings.Fields(s), "")
}

// LooksLikeDate reports whether s is meant as a date (digits with 年月日 or . / - between them),
// whether or not it is a valid one, so that a malformed date is refused rather than taken for
// part of a unit's name.
func LooksLikeDate(s string) bool {
	s = normalizeDate(s)
	if !dateChars.MatchString(s) || strings.Trim(s, "0123456789") == s {
		return false
	}
	return strings.ContainsAny(s, "年月./-") || compact.MatchString(s)
}

// ParseDate reads an appointment date in the forms people write in Chinese offices:
// 2026年11月2日, 2026-11-02, 2026.11.2, 2026/11/2, 20261102, and 11月2日 (the year closest to
// today). It refuses what could be read two ways (11/2, 2/11/2026, a two-digit year), dates that
// do not exist, and dates more than a year from today, with a *DateError saying why. The result
// is midnight of that day in loc.
func ParseDate(s string, today time.Time, loc *time.Location) (time.Time, error) {
	raw := strings.TrimSpace(s)
	s = normalizeDate(s)
	var y, m, d int
	switch {
	case s == "":
		return time.Time{}, &DateError{"请写上任职日期，" + DateHint + "。"}
	case fullDate.MatchString(s):
		g := fullDate.FindStringSubmatch(s)
		if g[2] != "" {
			y, m, d = atoi(g[1]), atoi(g[2]), atoi(g[3])
		} else {
			if g[4] != g[6] {
				return time.Time{}, &DateError{fmt.Sprintf("「%s」的分隔符前后不一致，%s。", raw, DateHint)}
			}
			y, m, d = atoi(g[1]), atoi(g[5]), atoi(g[7])
		}
	case compact.MatchString(s):
		g := compact.FindStringSubmatch(s)
		y, m, d = atoi(g[1]), atoi(g[2]), atoi(g[3])
	case monthDay.MatchString(s):
		g := monthDay.FindStringSubmatch(s)
		m, d = atoi(g[1]), atoi(g[2])
		return nearestYear(raw, m, d, today, loc)
	case shortPair.MatchString(s):
		return time.Time{}, &DateError{fmt.Sprintf("「%s」看不出是几月几日（也可能是几日几月），请写明年月日，例如 2026年11月2日。", raw)}
	case dayFirst.MatchString(s), shortYear.MatchString(s):
		return time.Time{}, &DateError{fmt.Sprintf("「%s」的年、月、日顺序不明确，请把四位年份写在前面，例如 2026年11月2日。", raw)}
	default:
		return time.Time{}, &DateError{fmt.Sprintf("「%s」不是能识别的日期，%s。", raw, DateHint)}
	}
	t, err := civil(raw, y, m, d, loc)
	if err != nil {
		return time.Time{}, err
	}
	if dist := t.Sub(today.In(loc)); dist > maxDateDistance || dist < -maxDateDistance {
		return time.Time{}, &DateError{fmt.Sprintf("任职日期 %d年%d月%d日 离今天超过一年，请核对年份。", y, m, d)}
	}
	return t, nil
}

// nearestYear picks the year that puts month/day closest to today (an appointment is recent or
// imminent), so 1月5日 typed in late December means next January.
func nearestYear(raw string, m, d int, today time.Time, loc *time.Location) (time.Time, error) {
	today = today.In(loc)
	var best time.Time
	var bestDist time.Duration = -1
	var lastErr error
	for _, y := range []int{today.Year() - 1, today.Year(), today.Year() + 1} {
		t, err := civil(raw, y, m, d, loc)
		if err != nil {
			lastErr = err // 2月29日 exists only in some years
			continue
		}
		dist := t.Sub(today)
		if dist < 0 {
			dist = -dist
		}
		if bestDist < 0 || dist < bestDist {
			best, bestDist = t, dist
		}
	}
	if bestDist < 0 {
		return time.Time{}, lastErr
	}
	return best, nil
}

// civil builds the date, refusing one that does not exist (2月30日, 13月).
func civil(raw string, y, m, d int, loc *time.Location) (time.Time, error) {
	if m < 1 || m > 12 {
		return time.Time{}, &DateError{fmt.Sprintf("「%s」里的月份 %d 不存在，请核对。", raw, m)}
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, loc)
	if d < 1 || t.Day() != d {
		return time.Time{}, &DateError{fmt.Sprintf("%d年%d月没有%d日，请核对。", y, m, d)}
	}
	return t, nil
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// FormatDate writes a date the way the preview shows it: 2026年11月2日（星期一）.
func FormatDate(t time.Time) string {
	return fmt.Sprintf("%d年%d月%d日（星期%s）", t.Year(), int(t.Month()), t.Day(), []string{"日", "一", "二", "三", "四", "五", "六"}[t.Weekday()])
}

// IsDateError reports whether err is a date that could not be read.
func IsDateError(err error) bool {
	var de *DateError
	return errors.As(err, &de)
}
