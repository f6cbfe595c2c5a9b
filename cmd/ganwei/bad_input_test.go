package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/ganwei-bot/ganwei/redistest"
)

// /pause of a person or unit nobody is registered under (a typo, an id with a digit missing) is
// refused with the reason, instead of pausing nothing while HR believes the person is left alone.
func TestPauseOfAnUnknownPersonOrUnitIsRefused(t *testing.T) {
	rd := redistest.New(t)
	h := newHarness(t, rd.Client, rd.Prefix)
	for _, target := range []string{"发改", "700000000", "99999999999999999999"} {
		if r := h.say(hrUser.ID, "/pause "+target); !strings.Contains(r.Text, "没有找到") {
			t.Errorf("/pause %s answered %q; want 没有找到", target, r.Text)
		}
	}
	users, units, err := h.store.Paused(h.ctx)
	if err != nil || len(users) != 0 || len(units) != 0 {
		t.Errorf("paused after refused /pause: %v %v %v", users, units, err)
	}
	for _, target := range []string{cadreD.Unit, strconv.FormatInt(cadreA.ID, 10)} {
		if r := h.say(hrUser.ID, "/pause "+target); !strings.Contains(r.Text, "已暂停") {
			t.Errorf("/pause %s answered %q; want 已暂停", target, r.Text)
		}
		if r := h.say(hrUser.ID, "/resume "+target); !strings.Contains(r.Text, "已恢复") {
			t.Errorf("/resume %s answered %q; want 已恢复", target, r.Text)
		}
	}
}

// `admin summary --json --unit U` for a unit with no figures yet still marks the running period
// as running ("open": true), as it does for every other group: a script reading "open": false
// would take the empty figures for a closed period's.
func TestAdminSummaryOfAUnitWithoutFiguresSaysTheRunningPeriodIsOpen(t *testing.T) {
	rd := redistest.New(t)
	out, errOut, code := runCLI(t, rd, "admin", "summary", "--json", "--unit", "新设单位")
	if code != 0 {
		t.Fatalf("admin summary --unit: exit %d: %s", code, errOut)
	}
	var got struct {
		Open bool `json:"open"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("decode %q: %v", out, err)
	}
	if !got.Open {
		t.Errorf("running period of a unit without figures: %s; want \"open\": true", out)
	}
}
