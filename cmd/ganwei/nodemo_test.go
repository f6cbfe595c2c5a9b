package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestNodemoBuildLeavesDemoOut: the production build (-tags nodemo, as in the Dockerfile) links
// none of the stand-ins or the embedded Redis, and its demo and --embedded-redis say why they are
// missing instead of failing obscurely.
func TestNodemoBuildLeavesDemoOut(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go tool not found: %v", err)
	}
	out, err := exec.Command(goBin, "list", "-deps", "-tags", "nodemo", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, demoOnly := range []string{"/telegramtest", "/wecomtest", "/embeddedredis", "/redistest", "miniredis", "gopher-lua"} {
			if strings.Contains(pkg, demoOnly) {
				t.Errorf("nodemo build links %s", pkg)
			}
		}
	}

	bin := filepath.Join(t.TempDir(), "ganwei")
	if out, err := exec.Command(goBin, "build", "-tags", "nodemo", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build -tags nodemo: %v\n%s", err, out)
	}
	for _, c := range []struct {
		args []string
		env  []string
		want string
	}{
		{[]string{"demo"}, nil, "not in this build"},
		{[]string{"serve", "--embedded-redis"}, []string{"TELEGRAM_BOT_TOKEN=123456:ABCdefghijklmnopqrstuvwxyz0123456789"}, "embedded Redis (--embedded-redis) is not in this build"},
	} {
		cmd := exec.Command(bin, c.args...)
		cmd.Env = append([]string{"PATH=/usr/bin:/bin"}, c.env...)
		out, err := cmd.CombinedOutput()
		if code := cmd.ProcessState.ExitCode(); err == nil || code != 1 {
			t.Errorf("%v: exit %d (%v), want 1", c.args, code, err)
		}
		if !strings.Contains(string(out), c.want) {
			t.Errorf("%v said %q, want it to contain %q", c.args, out, c.want)
		}
	}
}
