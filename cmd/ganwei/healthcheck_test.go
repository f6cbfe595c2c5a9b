package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHealthcheck(t *testing.T) {
	healthy := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" || !healthy {
			http.Error(w, "no", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	env, _, _ := testEnv(map[string]string{"GANWEI_HTTP_ADDR": addr}, "")
	if code := Main(context.Background(), env, []string{"healthcheck"}); code != 0 {
		t.Errorf("healthcheck against a healthy server exit %d, want 0", code)
	}
	healthy = false
	if code := Main(context.Background(), env, []string{"healthcheck"}); code == 0 {
		t.Errorf("healthcheck against an unhealthy server exit 0, want failure")
	}
	srv.Close()
	if code := Main(context.Background(), env, []string{"healthcheck"}); code == 0 {
		t.Errorf("healthcheck with nothing listening exit 0, want failure")
	}
}
