package redistest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// readyTimeout bounds how long a fresh redis-server may take to answer PING.
const readyTimeout = 10 * time.Second

// Server is a Redis server this package started: a redis-server process or
// an embedded miniredis. Its methods are safe for concurrent use.
type Server struct {
	// Addr is host:port, fixed for the server's life (Restart reuses it).
	Addr string
	// Kind is KindPrivate or KindEmbedded.
	Kind string

	mini *miniredis.Miniredis

	mu     sync.Mutex
	dir    string
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has been waited for
	closed bool
}

// Stop takes the server down to simulate an outage: the redis-server process
// is killed (as in a crash, so its in-memory data is gone), a miniredis stops
// listening (and keeps its data). Clients then get connection errors.
func (s *Server) Stop() error {
	if s.mini != nil {
		s.mini.Close()
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.killLocked()
}

func (s *Server) killLocked() error {
	if s.cmd == nil {
		return nil
	}
	if err := s.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("kill redis-server: %w", err)
	}
	<-s.exited
	s.cmd = nil
	return nil
}

// Restart brings a stopped server back on the same address and waits until
// it answers PING. A restarted redis-server starts empty.
func (s *Server) Restart() error {
	if s.mini != nil {
		return s.mini.Restart()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("redistest: restart of a closed server")
	}
	if err := s.killLocked(); err != nil {
		return err
	}
	return s.spawnLocked()
}

// Close stops the server for good and removes its working directory.
func (s *Server) Close() {
	if s.mini != nil {
		s.mini.Close()
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.killLocked()
	if s.dir != "" {
		os.RemoveAll(s.dir)
	}
}

// startRedisServer starts a private redis-server on a free loopback port.
// Picking a port by binding :0 and releasing it can race with another
// process, so a failed start is retried on a new port.
func startRedisServer() (*Server, error) {
	dir, err := os.MkdirTemp("", "redistest-")
	if err != nil {
		return nil, fmt.Errorf("temp dir for redis-server: %w", err)
	}
	var lastErr error
	for range 3 {
		port, err := freePort()
		if err != nil {
			lastErr = err
			continue
		}
		s := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), Kind: KindPrivate, dir: dir}
		s.mu.Lock()
		err = s.spawnLocked()
		s.mu.Unlock()
		if err == nil {
			return s, nil
		}
		lastErr = err
	}
	os.RemoveAll(dir)
	return nil, fmt.Errorf("start redis-server: %w", lastErr)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// spawnLocked starts the process and waits for PING. s.mu is held.
func (s *Server) spawnLocked() error {
	_, port, _ := net.SplitHostPort(s.Addr)
	// No persistence: test data must not outlive the run, and fsync would
	// only slow tests down.
	cmd := exec.Command("redis-server",
		"--port", port, "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no",
		"--dir", s.dir, "--logfile", "redis.log",
	)
	cmd.Dir = s.dir
	setParentDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("run redis-server: %w", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	s.cmd, s.exited = cmd, exited

	if err := waitReady(s.Addr, exited); err != nil {
		s.killLocked()
		return err
	}
	return nil
}

// waitReady pings addr until it answers, the process exits or readyTimeout
// passes. Polling is the only way to learn that a separate process is up.
func waitReady(addr string, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
	defer c.Close()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		err := c.Ping(ctx).Err()
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("redis-server on %s exited at start-up (see its redis.log): %w", addr, err)
		case <-ctx.Done():
			return fmt.Errorf("redis-server on %s not ready after %v: %w", addr, readyTimeout, err)
		case <-tick.C:
		}
	}
}
