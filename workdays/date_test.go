package workdays_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei/workdays"
)

func TestParseDateReadsChineseForms(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	today := time.Date(2026, 11, 26, 10, 0, 0, 0, loc)
	for in, want := range map[string]string{
		"2026年11月2日":      "2026-11-02",
		"2026年11月2号":      "2026-11-02",
		"2026 年 11 月 2 日": "2026-11-02",
		"２０２６年１１月２日":      "2026-11-02",
		"11月2日":           "2026-11-02",
		"11月2号":           "2026-11-02",
		"2026.11.2":       "2026-11-02",
		"2026．11．2":       "2026-11-02",
		"2026/11/2":       "2026-11-02",
		"2026-11-02":      "2026-11-02",
		"2026-9-29":       "2026-09-29",
		"20261102":        "2026-11-02",
		"1月5日":            "2027-01-05", // late in the year, January is next January
		"6月1日":            "2026-06-01",
		"2025年12月31日":     "2025-12-31",
	} {
		got, err := workdays.ParseDate(in, today, loc)
		if err != nil {
			t.Errorf("ParseDate(%q) error %v, want %s", in, err, want)
			continue
		}
		if got.Format(time.DateOnly) != want || got.Location() != loc || got.Hour() != 0 {
			t.Errorf("ParseDate(%q) = %v, want %s midnight", in, got, want)
		}
	}
}

func TestParseDateRefusesAmbiguousOrWrongDates(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	today := time.Date(2026, 11, 26, 10, 0, 0, 0, loc)
	for in, want := range map[string]string{
		"11/2":       "几月几日",
		"11.2":       "几月几日",
		"2/11/2026":  "顺序不明确",
		"02.11.2026": "顺序不明确",
		"26.11.2":    "顺序不明确",
		"26年11月2日":   "顺序不明确",
		"2026-2-30":  "没有30日",
		"2026年13月1日": "月份 13 不存在",
		"2026/11-2":  "分隔符",
		"2024年11月2日": "超过一年",
		"下周一":        "不是能识别的日期",
		"":           "请写上任职日期",
	} {
		_, err := workdays.ParseDate(in, today, loc)
		if err == nil || !workdays.IsDateError(err) || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseDate(%q) error %v, want a DateError saying %q", in, err, want)
		}
	}
}

func TestLooksLikeDate(t *testing.T) {
	for in, want := range map[string]bool{
		"2026年11月2日": true, "11月2日": true, "2026.11.2": true, "11/2": true, "2026-13-45": true, "20261102": true,
		"七都镇": false, "第2中学": false, "2026": false, "党委书记": false, "": false,
	} {
		if got := workdays.LooksLikeDate(in); got != want {
			t.Errorf("LooksLikeDate(%q) = %v, want %v", in, got, want)
		}
	}
}
