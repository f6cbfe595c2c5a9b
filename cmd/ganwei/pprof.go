//go:build pprof

package main

// Profiling the running bot, for load tests only: a binary built with `-tags pprof` serves
// net/http/pprof on GANWEI_PPROF_ADDR (for example 127.0.0.1:6060). Release builds do not
// contain it.

import (
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof on http.DefaultServeMux
	"os"
	"time"
)

func init() {
	addr := os.Getenv("GANWEI_PPROF_ADDR")
	if addr == "" {
		return
	}
	srv := &http.Server{Addr: addr, Handler: http.DefaultServeMux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.ListenAndServe() }()
}
