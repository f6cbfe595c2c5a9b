package main

import (
	"strings"
	"testing"
	"time"
)

func TestLoadDelivery(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	c, err := loadDelivery(env("GANWEI_WORKERS", "8", "GANWEI_INBOX_LIMIT", "100", "GANWEI_DRAIN_TIMEOUT", "5s",
		"GANWEI_CLAIM_TIMEOUT", "10s", "GANWEI_RATE_LIMIT", "20", "GANWEI_HANDLER_TIMEOUT", "90s", "GANWEI_MAX_DELIVERIES", "3"))
	if err != nil || c.Workers != 8 || c.InboxLimit != 100 || c.ShutdownTimeout != 5*time.Second ||
		c.ClaimIdle != 10*time.Second || c.GlobalRate != 20 || c.HandlerTimeout != 90*time.Second || c.MaxDeliveries != 3 {
		t.Fatalf("loadDelivery = %+v, %v", c, err)
	}
	if c, err := loadDelivery(env("GANWEI_RATE_LIMIT", "off")); err != nil || c.GlobalRate >= 0 || c.PerChatRate >= 0 {
		t.Fatalf("GANWEI_RATE_LIMIT=off gives %+v, %v; want pacing off", c, err)
	}
	for _, bad := range [][]string{
		{"GANWEI_WORKERS", "0"}, {"GANWEI_INBOX_LIMIT", "many"}, {"GANWEI_DRAIN_TIMEOUT", "20"},
		{"GANWEI_CLAIM_TIMEOUT", "-1s"}, {"GANWEI_RATE_LIMIT", "45"}, {"GANWEI_HANDLER_TIMEOUT", "0s"},
		{"GANWEI_HANDLER_TIMEOUT", "10ms"}, {"GANWEI_HANDLER_TIMEOUT", "3h"}, {"GANWEI_HANDLER_TIMEOUT", "soon"},
		{"GANWEI_MAX_DELIVERIES", "0"}, {"GANWEI_MAX_DELIVERIES", "1000"},
	} {
		if _, err := loadDelivery(env(bad...)); err == nil || !strings.Contains(err.Error(), bad[0]) {
			t.Errorf("%s=%s: err = %v, want one naming the variable", bad[0], bad[1], err)
		}
	}
}
