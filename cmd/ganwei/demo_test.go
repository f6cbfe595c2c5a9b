//go:build !nodemo

package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei/workdays"
)

func TestDemoStartsAtTheNextWorkingMorning(t *testing.T) {
	cal := workdays.New(shanghai)
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct{ now, want string }{
		{"2026-12-01 02:38", "2026-12-01 09:00"}, // a Tuesday night: that morning
		{"2026-12-01 09:00", "2026-12-02 09:00"}, // at 09:00 sharp: the next one
		{"2026-12-04 18:00", "2026-12-07 09:00"}, // Friday evening: Monday
		{"2026-09-30 20:00", "2026-10-08 09:00"}, // before the National Day holiday (1–7 Oct)
	} {
		if got := demoStart(at(tc.now), cal).Format("2006-01-02 15:04"); got != tc.want {
			t.Errorf("demoStart(%s) = %s, want %s", tc.now, got, tc.want)
		}
	}
}

func TestDemoAdvanceAcceptsADurationOrATime(t *testing.T) {
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, shanghai)
	for _, tc := range []struct {
		args    string
		want    time.Duration
		wantErr string
	}{
		{"1d", 24 * time.Hour, ""},
		{"3h", 3 * time.Hour, ""},
		{"to 2026-12-07 09:00", 5 * 24 * time.Hour, ""},
		{"to 2026-12-03", 24 * time.Hour, ""},
		{"to 2026-12-01 09:00", 0, "只能前进"},
		{"to 明天", 0, "无法识别的时间"},
		{"soon", 0, "无法识别的时长"},
		{"", 0, "用法"},
	} {
		got, err := parseAdvance(strings.Fields(tc.args), now, shanghai)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf(":advance %s: err %v, want %q", tc.args, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf(":advance %s = %v, %v; want %v", tc.args, got, err, tc.want)
		}
	}
}

// The tour walks through the three jobs and ends by itself, with figures in HR's summary.
func TestDemoTourPlaysTheThreeJobsAndEnds(t *testing.T) {
	env, out, errOut := testEnv(map[string]string{}, "")
	if code := Main(context.Background(), env, []string{"demo", "--tour"}); code != 0 {
		t.Fatalf("tour exit %d: %s\n%s", code, errOut.String(), out.String())
	}
	got := out.String()
	for _, want := range []string{"演示时间从", "09:00", "【导览】一、政策咨询", "来源：", "已登记：陈刚", "✅ 已阅知",
		"下一份：《权力清单》", "已阅知 1 / 5", "从左到右 很差 → 很好", "3 个工作日内", "时间前进到",
		"身心状态：平均", "各单位（上期）", "待跟进的关爱事项共", "导览结束"} {
		if !strings.Contains(got, want) {
			t.Errorf("tour transcript lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(got)
	}
}

// Switching persona does not print an already shown message again as if it were new.
func TestDemoSwitchShowsOnlyWhatIsNew(t *testing.T) {
	env, out, errOut := testEnv(map[string]string{}, ":time\n:as hr\n/appoint 20002 陈刚 党委书记 七都镇\n:press 确认登记\n:as leader\n:press 已阅知\n")
	if code := Main(context.Background(), env, []string{"demo"}); code != 0 {
		t.Fatalf("demo exit %d: %s", code, errOut.String())
	}
	got := out.String()
	if n := strings.Count(got, "│ 【四项清单·任职提醒告知】"); n != 2 { // sent, then updated with ✅
		t.Errorf("the notice is printed %d times, want 2 (sent, then acknowledged):\n%s", n, got)
	}
	for _, want := range []string{"演示时间：", "可以操作：[2] 已阅知", "✅ 已阅知"} {
		if !strings.Contains(got, want) {
			t.Errorf("transcript lacks %q:\n%s", want, got)
		}
	}
}
