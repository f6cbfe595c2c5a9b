package knowledge

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
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
	// overlay is the top layer, above the operator directory: the curators' edits from the
	// console, kept in Redis by package curation and set with SetOverlay (nil when none).
	overlay fs.FS

	mu     sync.Mutex // serialises reloads
	stamp  string     // fingerprint of the operator directory at the last load
	failed string     // fingerprint of a version that failed, not retried until it changes
	gate   func(*Base) error
	onFail func(error)
	cur    atomic.Pointer[Base]
}

// Gate sets a check every reloaded Base must pass before it goes live (see EvalGate); a Base
// that fails it is dropped and the previous one stays. It does not apply to the load in Open:
// there is no previous Base to keep, and `ganwei kb check` is the place to catch that.
func (l *Library) Gate(check func(*Base) error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.gate = check
}

// OnReloadFailed sets who hears, once per failing version of the operator files, that a reload
// was refused and why (the bot tells its administrators).
func (l *Library) OnReloadFailed(notify func(error)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.onFail = notify
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

// Layers returns the file systems the Library loads from, embedded first (the overlay set with
// SetOverlay is not among them).
func (l *Library) Layers() []fs.FS { return l.layers }

// Candidate builds, without installing it, the Base that the Library's layers with overlay on top
// would give: what a curator's edit would make live. It validates as Load does; gate it with the
// same check as the reloads (EvalGate) before calling SetOverlay.
func (l *Library) Candidate(overlay fs.FS) (*Base, error) {
	if l.layers == nil {
		return nil, errors.New("a static knowledge base takes no overlay")
	}
	return Load(l.withOverlay(overlay)...)
}

// SetOverlay makes overlay the top layer and rebuilds the Base with it, without the gate: the
// overlay's version passed it when it was written (see package curation), and every replica must
// install the same version. On error the current Base and overlay stay. A nil overlay removes it.
func (l *Library) SetOverlay(overlay fs.FS) error {
	if l.layers == nil {
		return errors.New("a static knowledge base takes no overlay")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, err := Load(l.withOverlay(overlay)...)
	if err != nil {
		return fmt.Errorf("install knowledge overlay: %w", err)
	}
	l.overlay = overlay
	l.cur.Store(b)
	return nil
}

func (l *Library) withOverlay(overlay fs.FS) []fs.FS {
	layers := slices.Clone(l.layers)
	if overlay != nil {
		layers = append(layers, overlay)
	}
	return layers
}

// Reload rereads every layer and swaps in the new Base. On error the current Base stays, and the
// OnReloadFailed listener hears about it once per failing version.
func (l *Library) Reload() error {
	if l.layers == nil {
		return nil // static
	}
	tell, err := l.reload()
	if tell != nil {
		tell(err) // outside the lock: telling may mean sending messages
	}
	return err
}

func (l *Library) reload() (func(error), error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	stamp := l.fingerprint()
	b, err := Load(l.withOverlay(l.overlay)...)
	if err == nil && l.gate != nil && l.cur.Load() != nil {
		err = l.gate(b)
	}
	if err != nil {
		err = fmt.Errorf("reload knowledge: %w", err)
		if stamp == l.failed {
			return nil, err
		}
		l.failed = stamp
		return l.onFail, err
	}
	l.cur.Store(b)
	l.stamp, l.failed = stamp, ""
	return nil, nil
}

// ReloadIfChanged reloads when a file in the operator directory was added, removed or modified
// since the last load, and reports whether it did. Call it from a ticker, or before answering;
// reading a small directory's listing costs microseconds.
func (l *Library) ReloadIfChanged() (bool, error) {
	if l.dir == "" {
		return false, nil
	}
	l.mu.Lock()
	fp := l.fingerprint()
	same := fp == l.stamp || fp == l.failed // a failed version is retried only once it changes
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

// EvalGate returns a check for Gate: the embedded tuned evaluation set must reach its bars on
// the candidate Base (extractively, as `ganwei kb check` runs it). The error names the failed
// questions, for the administrators to pass on to whoever edited the files.
func EvalGate() func(*Base) error {
	cases, err := EmbeddedEval()
	return func(b *Base) error {
		if err != nil {
			return err
		}
		rep := RunEval(context.Background(), &Answerer{Library: StaticLibrary(b)}, cases)
		if rep.Pass() {
			return nil
		}
		ge := &GateError{InScope: rep.InScope, InScopeOK: rep.InScopeOK, OutOfScope: rep.OutOfScope, OutOfScopeOK: rep.OutOfScopeOK}
		for _, r := range rep.Results {
			if !r.OK {
				ge.Failures = append(ge.Failures, GateFailure{Question: r.Case.Q, Out: r.Case.Out, Why: r.Why})
			}
		}
		return ge
	}
}

// GateError is EvalGate's refusal: the tuned set's tallies against the bars and every question
// that failed, for whoever made the change.
type GateError struct {
	InScope, InScopeOK       int
	OutOfScope, OutOfScopeOK int
	Failures                 []GateFailure
}

// GateFailure is one tuned question the candidate got wrong, with why in Chinese.
type GateFailure struct {
	Question string
	Out      bool // the question must be declined
	Why      string
}

// Summary is the tallies against the bars, in Chinese.
func (e *GateError) Summary() string {
	return fmt.Sprintf("评测未达标：范围内正确 %d/%d（要求 %.0f%%），范围外拒答 %d/%d（要求 %.0f%%）",
		e.InScopeOK, e.InScope, 100*InScopeBar, e.OutOfScopeOK, e.OutOfScope, 100*OutOfScopeBar)
}

// Error is the summary and the first five failed questions.
func (e *GateError) Error() string {
	var fails []string
	for _, f := range e.Failures[:min(5, len(e.Failures))] {
		fails = append(fails, fmt.Sprintf("“%s”：%s", f.Question, f.Why))
	}
	return e.Summary() + "；例如\n" + strings.Join(fails, "\n")
}
