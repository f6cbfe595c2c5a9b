package knowledge

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Library holds the current Base and swaps it atomically on Reload, so readers never lock and never
// see a half-built index. A failed reload keeps the previous Base: a typo in an operator file must
// not take answers away from a running bot.
type Library struct {
	layers []fs.FS
	dir    string // operator directory, "" when none

	mu    sync.Mutex // serialises reloads
	stamp string     // fingerprint of the operator directory at the last load
	cur   atomic.Pointer[Base]
}

// Open builds a Library from the embedded files plus, when dir is not empty, the *.yaml files in
// dir (GANWEI_KNOWLEDGE_DIR), which add entries or replace embedded ones by id.
func Open(dir string) (*Library, error) {
	layers := []fs.FS{Embedded()}
	if dir != "" {
		st, err := os.Stat(dir)
		if err != nil {
			return nil, fmt.Errorf("open knowledge dir: %w", err)
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("open knowledge dir: %s is not a directory", dir)
		}
		layers = append(layers, os.DirFS(dir))
	}
	l := &Library{layers: layers, dir: dir}
	if err := l.Reload(); err != nil {
		return nil, err
	}
	return l, nil
}

// NewLibrary builds a Library from the given layers (later layers override earlier ones by id). It
// serves tests and tools that assemble their own file systems.
func NewLibrary(layers ...fs.FS) (*Library, error) {
	l := &Library{layers: layers}
	if err := l.Reload(); err != nil {
		return nil, err
	}
	return l, nil
}

// StaticLibrary wraps a Base that never reloads.
func StaticLibrary(b *Base) *Library {
	l := &Library{}
	l.cur.Store(b)
	return l
}

// Base returns the current snapshot. Hold on to it for the duration of one request so that a
// reload in between does not mix two versions.
func (l *Library) Base() *Base { return l.cur.Load() }

// Layers returns the file systems the Library loads from, embedded first.
func (l *Library) Layers() []fs.FS { return l.layers }

// Reload rereads every layer and swaps in the new Base. On error the current Base stays.
func (l *Library) Reload() error {
	if l.layers == nil {
		return nil // static
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	stamp := l.fingerprint()
	b, err := Load(l.layers...)
	if err != nil {
		return fmt.Errorf("reload knowledge: %w", err)
	}
	l.cur.Store(b)
	l.stamp = stamp
	return nil
}

// ReloadIfChanged reloads when a file in the operator directory was added, removed or modified
// since the last load, and reports whether it did. Call it from a ticker, or before answering;
// reading a small directory's listing costs microseconds.
func (l *Library) ReloadIfChanged() (bool, error) {
	if l.dir == "" {
		return false, nil
	}
	l.mu.Lock()
	same := l.fingerprint() == l.stamp
	l.mu.Unlock()
	if same {
		return false, nil
	}
	if err := l.Reload(); err != nil {
		return false, err
	}
	return true, nil
}

// fingerprint summarises the names, sizes and modification times of the operator files.
func (l *Library) fingerprint() string {
	if l.dir == "" {
		return ""
	}
	ents, err := os.ReadDir(l.dir)
	if err != nil {
		return "error:" + err.Error()
	}
	var parts []string
	for _, d := range ents {
		if d.IsDir() || !strings.HasSuffix(d.Name(), ".yaml") {
			continue
		}
		info, err := d.Info()
		if err != nil {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s/%d/%d", d.Name(), info.Size(), info.ModTime().UnixNano()))
	}
	sort.Strings(parts)
	return strings.Join(parts, ";")
}

// Watch calls ReloadIfChanged every interval until ctx ends, so that curators' edits in the
// operator directory go live without a restart. Errors go to logf (a broken file keeps the last
// good Base) and are retried on the next tick, after the curator saves a fix.
func (l *Library) Watch(ctx context.Context, interval time.Duration, logf func(format string, args ...any)) {
	if l.dir == "" {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			changed, err := l.ReloadIfChanged()
			if err != nil && logf != nil {
				logf("knowledge: reload failed, keeping the previous base: %v", err)
			} else if changed && logf != nil {
				logf("knowledge: reloaded %d entries", len(l.Base().Entries()))
			}
		}
	}
}
