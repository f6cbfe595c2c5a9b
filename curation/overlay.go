package curation

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"testing/fstest"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/knowledge"
)

// version reads version n; 0 is the empty overlay.
func (e *Editor) version(ctx context.Context, n int64) (*ganwei.KBVersion, error) {
	if n == 0 {
		return &ganwei.KBVersion{}, nil
	}
	if n < 0 {
		return nil, ganwei.Errorf(ganwei.ENOTFOUND, "没有第 %d 版", n)
	}
	return e.Versions.KBVersion(ctx, n)
}

// entries reads a version's overlay entries.
func (e *Editor) entries(ctx context.Context, v *ganwei.KBVersion) (map[string]*knowledge.Entry, error) {
	digests := slices.Sorted(maps.Values(v.Entries))
	blobs, err := e.Versions.KBBlobs(ctx, digests)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*knowledge.Entry, len(v.Entries))
	for id, d := range v.Entries {
		raw, ok := blobs[d]
		if !ok {
			return nil, fmt.Errorf("knowledge version %d: entry %s has no stored content", v.N, id)
		}
		var en knowledge.Entry
		if err := json.Unmarshal(raw, &en); err != nil {
			return nil, fmt.Errorf("decode entry %s of version %d: %w", id, v.N, err)
		}
		out[id] = &en
	}
	return out, nil
}

// OverlayFile is the name of the one knowledge file the overlay is rendered as; an entry read
// from it (knowledge.Entry.File ends with ":"+OverlayFile) was written or changed by curators.
const OverlayFile = "console.yaml"

// overlayFile is the overlay as one knowledge file (knowledge.Load's schema).
type overlayFile struct {
	Entries []*knowledge.Entry `yaml:"entries,omitempty"`
	Retire  []string           `yaml:"retire,omitempty"`
}

// overlayFS renders the overlay as a file system of one knowledge file, the Library's top layer.
func overlayFS(entries map[string]*knowledge.Entry, retired []string) (fs.FS, error) {
	f := overlayFile{Retire: retired}
	for _, id := range slices.Sorted(maps.Keys(entries)) {
		f.Entries = append(f.Entries, entries[id])
	}
	raw, err := yaml.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("encode knowledge overlay: %w", err)
	}
	return fstest.MapFS{OverlayFile: &fstest.MapFile{Data: raw}}, nil
}

// install makes version n, whose overlay is fsys, the Library's top layer.
func (e *Editor) install(n int64, fsys fs.FS) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.live.Load() >= n {
		return nil // a newer version is already in
	}
	if err := e.Library.SetOverlay(fsys); err != nil {
		return err
	}
	e.live.Store(n)
	e.failed, e.failErr = 0, nil
	return nil
}

// Sync installs the live version when another replica made it (one GET when nothing changed),
// and reports whether it did. A version that cannot be installed is reported once, then left
// until a newer one comes.
func (e *Editor) Sync(ctx context.Context) (bool, error) {
	n, err := e.Versions.KBLive(ctx)
	if err != nil {
		return false, err
	}
	e.mu.Lock()
	same := n == e.live.Load() || n == e.failed
	e.mu.Unlock()
	if same {
		return false, nil
	}
	v, err := e.version(ctx, n)
	if err != nil {
		return false, err
	}
	entries, err := e.entries(ctx, v)
	if err != nil {
		return false, err
	}
	overlay, err := overlayFS(entries, v.Retired)
	if err != nil {
		return false, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	// Versions only grow: a smaller number means this replica installed a newer one meanwhile
	// (its own change), except 0, which means the versions were removed from Redis.
	if live := e.live.Load(); n == live || n < live && n != 0 {
		return false, nil
	}
	var ov fs.FS
	if n != 0 {
		ov = overlay
	}
	if err := e.Library.SetOverlay(ov); err != nil {
		e.failed, e.failErr = n, err
		return false, fmt.Errorf("knowledge version %d: %w", n, err)
	}
	e.live.Store(n)
	e.failed, e.failErr = 0, nil
	return true, nil
}

// InstallProblem reports the live version this replica could not install and why (for example
// an entry written in the console that clashes with one a new release ships), or 0 and nil.
// Answers meanwhile come from the last version installed; a new version (an edit or a rollback
// that passes the gate) clears it.
func (e *Editor) InstallProblem() (int64, []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.failErr == nil {
		return 0, nil
	}
	if r, ok := refusal(e.failErr, "", "").(*Refusal); ok && len(r.Problems) > 0 {
		return e.failed, r.Problems
	}
	return e.failed, []string{"内容无法载入，请联系管理员查看服务日志"}
}

// DefaultFollowInterval is how often a replica looks for a new version.
const DefaultFollowInterval = 2 * time.Second

// Follow calls Sync every interval until ctx ends, so that a change made on any replica reaches
// this one's answers within an interval.
func (e *Editor) Follow(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = DefaultFollowInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	failing := false // log a run of failures (Redis down) once
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			changed, err := e.Sync(ctx)
			if err != nil && !failing {
				e.logger().Warn("knowledge: follow the curators' versions", "err", err)
			}
			failing = err != nil
			if changed {
				e.logger().Info("knowledge: installed a new version", "version", e.Live())
			}
		}
	}
}

// Change is what making another version live would do to one entry, for the rollback
// confirmation.
type Change struct {
	ID, Title string
	What      string // in Chinese
}

// Compare lists, entry by entry, what making version to live would change from version from
// (for HR; both must exist).
func (e *Editor) Compare(ctx context.Context, from, to int64) ([]Change, error) {
	if _, err := (ganwei.Authorizer{Users: e.Users, AdminIDs: e.AdminIDs}).Authorize(ctx, ganwei.RoleHR); err != nil {
		return nil, err
	}
	vf, err := e.version(ctx, from)
	if err != nil {
		return nil, err
	}
	vt, err := e.version(ctx, to)
	if err != nil {
		return nil, err
	}
	ids := map[string]bool{}
	for _, v := range []*ganwei.KBVersion{vf, vt} {
		for id := range v.Entries {
			ids[id] = true
		}
		for _, id := range v.Retired {
			ids[id] = true
		}
	}
	before, err := e.entries(ctx, vf)
	if err != nil {
		return nil, err
	}
	after, err := e.entries(ctx, vt)
	if err != nil {
		return nil, err
	}
	var out []Change
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		sf, st := stateOf(vf, id), stateOf(vt, id)
		if sf == st {
			continue
		}
		c := Change{ID: id}
		switch {
		case after[id] != nil:
			c.Title, c.What = after[id].Title, fmt.Sprintf("改为第 %d 版时的内容", to)
		case st == "retired":
			c.What = "停用"
		case sf == "retired":
			c.What = "恢复使用（内置内容）"
		default:
			c.What = "撤下工作台编写或修改的内容（内置条目恢复内置内容）"
		}
		if c.Title == "" && before[id] != nil {
			c.Title = before[id].Title
		}
		if c.Title == "" && e.Library != nil {
			if en, ok := e.Library.Base().Entry(id); ok {
				c.Title = en.Title
			}
		}
		out = append(out, c)
	}
	return out, nil
}
