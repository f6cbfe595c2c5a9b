package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
	"github.com/ganwei-bot/ganwei/testkit"
)

// TestAdminRoleSetsRoleAndScope: 'ganwei admin role' makes someone HR for some units, refuses
// units for other roles and unknown people, and revokes.
func TestAdminRoleSetsRoleAndScope(t *testing.T) {
	r := redistest.New(t)
	vars := map[string]string{"REDIS_URL": r.URL, "GANWEI_REDIS_PREFIX": r.Prefix}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	store := redisstore.New(r.Client, r.Prefix)
	if err := testkit.Seed(ctx, store); err != nil {
		t.Fatal(err)
	}
	runOut := func(args ...string) (string, int) {
		var out, errOut bytes.Buffer
		env := Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return vars[k] }}
		code := Main(ctx, env, args)
		return out.String() + errOut.String(), code
	}
	out, code := runOut("admin", "role", "--id", "9002", "--role", "hr", "--units", "七都镇, 震泽镇")
	if code != 0 || !strings.Contains(out, "七都镇, 震泽镇") {
		t.Fatalf("exit %d: %s", code, out)
	}
	u, err := store.User(ctx, testkit.CadreID)
	if err != nil || u.Role != ganwei.RoleHR || len(u.Scope) != 2 || !u.Covers("震泽镇") || u.Covers("松陵街道") {
		t.Fatalf("after admin role: %+v, %v", u, err)
	}
	if out, code := runOut("admin", "role", "--id", "9002", "--role", "cadre", "--units", "七都镇"); code != 2 {
		t.Errorf("units for a cadre: exit %d, %s; want a usage error", code, out)
	}
	if out, code := runOut("admin", "role", "--id", "123", "--role", "hr"); code != 2 || !strings.Contains(out, "没有找到") {
		t.Errorf("unknown person: exit %d, %s", code, out)
	}
	if _, code := runOut("admin", "role", "--id", "9002", "--role", "guest"); code != 0 {
		t.Fatalf("revoke exit %d", code)
	}
	if u, _ := store.User(ctx, testkit.CadreID); u.Role != ganwei.RoleGuest || len(u.Scope) != 0 {
		t.Errorf("after revoking: %+v", u)
	}
}
