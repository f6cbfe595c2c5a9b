package curation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/knowledge"
)

// Audit actions of the curators' changes (ganwei.AuditEntry.Action).
const (
	AuditKBAdd      = "kb_add"
	AuditKBEdit     = "kb_edit"
	AuditKBRetire   = "kb_retire"
	AuditKBRollback = "kb_rollback"
	AuditKBResolve  = "kb_resolve" // took a question off the unanswered queue
)

// MsgCuratorsOnly refuses an edit to someone who may only read the knowledge base.
const MsgCuratorsOnly = "抱歉，知识库条目由负责全区的组织部工作人员或管理员修改；您可以浏览和做命中测试。"

// Limits of one entry written from the console, and of the overlay as a whole: they keep a
// version small and the answers readable in a chat.
const (
	MaxTitle          = 60
	MaxCategory       = 20
	MaxQuestions      = 20
	MaxQuestion       = 100
	MaxAnswer         = 1500
	MaxExcerpt        = 3000
	MaxCitationField  = 100
	MaxRelated        = 5
	MaxOverlayEntries = 300
)

// newIDPrefix starts the ids of entries written in the console (C-1, C-2 …).
const newIDPrefix = "C-"

// Editor is the curators' versioned overlay on the knowledge base: entries added, edited and
// retired from the console (or any front end), kept in Redis and shared by every replica. Each
// change is a new version with who and when; it goes live only when the whole knowledge base with
// it passes the same gate as `ganwei kb check` (the files check and the tuned evaluation set), and
// any earlier version can be made live again. Who may change it: administrators and HR officers
// covering the whole district; scoped HR read only. Every method takes the actor from the context.
type Editor struct {
	Versions ganwei.KBVersionStore
	Users    ganwei.UserLookup
	Audit    ganwei.AuditTrail
	// Library is the bot's knowledge base: a change that goes live is installed into it at once,
	// and Sync installs the changes other replicas made.
	Library *knowledge.Library
	// Gate is the check a candidate must pass (nil: knowledge.EvalGate(), as `kb check`).
	Gate     func(*knowledge.Base) error
	AdminIDs map[int64]bool
	Now      func() time.Time
	Logger   *slog.Logger

	gateOnce sync.Once
	gate     func(*knowledge.Base) error
	mu       sync.Mutex   // serialises installs into Library
	live     atomic.Int64 // the version installed into Library
	failed   int64        // a version that could not be installed, not retried
	failErr  error        // why, for the 知识库 page
}

// Refusal is a change that did not go live because the knowledge base with it fails the gate:
// what is wrong, in Chinese, for the curator to fix. Its ganwei code is EINVALID.
type Refusal struct {
	Summary  string
	Problems []string                // the files check (missing fields, duplicate questions …)
	Failures []knowledge.GateFailure // the tuned questions answered wrongly with the change
}

func (r *Refusal) Error() string {
	return fmt.Sprintf("knowledge change refused: %s (%d problems, %d failed questions)", r.Summary, len(r.Problems), len(r.Failures))
}

// Unwrap gives the refusal its ganwei code and message.
func (r *Refusal) Unwrap() error { return ganwei.Errorf(ganwei.EINVALID, "%s", r.Summary) }

func (e *Editor) now() time.Time {
	if e.Now == nil {
		return time.Now()
	}
	return e.Now()
}

func (e *Editor) logger() *slog.Logger {
	if e.Logger == nil {
		return slog.Default()
	}
	return e.Logger
}

func (e *Editor) runGate(b *knowledge.Base) error {
	e.gateOnce.Do(func() {
		e.gate = e.Gate
		if e.gate == nil {
			e.gate = knowledge.EvalGate()
		}
	})
	return e.gate(b)
}

// authorizeCurator returns the actor when they may change the knowledge base: an administrator,
// or an HR officer covering every unit. The knowledge base answers the whole district, so an
// officer covering some units reads it but does not change it.
func authorizeCurator(ctx context.Context, users ganwei.UserLookup, adminIDs map[int64]bool) (*ganwei.User, error) {
	u, err := ganwei.Authorizer{Users: users, AdminIDs: adminIDs}.Authorize(ctx, ganwei.RoleHR)
	if err != nil {
		return nil, err
	}
	if u.Scoped() {
		return nil, ganwei.Errorf(ganwei.EFORBIDDEN, "%s", MsgCuratorsOnly)
	}
	return u, nil
}

// MayEdit is nil when the actor may change the knowledge base, else the refusal; pages use it to
// offer the forms, and every change checks it again.
func (e *Editor) MayEdit(ctx context.Context) error {
	_, err := authorizeCurator(ctx, e.Users, e.AdminIDs)
	return err
}

// Live is the version installed into the Library on this replica.
func (e *Editor) Live() int64 { return e.live.Load() }

// History is up to limit versions, newest first, and the live version number, for HR.
func (e *Editor) History(ctx context.Context, limit int) ([]*ganwei.KBVersion, int64, error) {
	if _, err := (ganwei.Authorizer{Users: e.Users, AdminIDs: e.AdminIDs}).Authorize(ctx, ganwei.RoleHR); err != nil {
		return nil, 0, err
	}
	live, err := e.Versions.KBLive(ctx)
	if err != nil {
		return nil, 0, err
	}
	vs, err := e.Versions.KBVersions(ctx, live, limit)
	if err != nil {
		return nil, 0, err
	}
	return vs, live, nil
}

// Version is one version, for HR (ENOTFOUND for an unknown number).
func (e *Editor) Version(ctx context.Context, n int64) (*ganwei.KBVersion, error) {
	if _, err := (ganwei.Authorizer{Users: e.Users, AdminIDs: e.AdminIDs}).Authorize(ctx, ganwei.RoleHR); err != nil {
		return nil, err
	}
	return e.version(ctx, n)
}

// Add writes a new entry; its id is given here (C-n). base is the live version the form was
// opened at.
func (e *Editor) Add(ctx context.Context, d Draft) (*ganwei.KBVersion, error) {
	u, err := authorizeCurator(ctx, e.Users, e.AdminIDs)
	if err != nil {
		return nil, err
	}
	entry, err := d.entry()
	if err != nil {
		return nil, err
	}
	return e.change(ctx, u, ganwei.KBAdd, -1, func(st *state, shipped *knowledge.Base) error {
		if len(st.entries) >= MaxOverlayEntries {
			return ganwei.Errorf(ganwei.EINVALID, "工作台已写入 %d 个条目，达到上限；请先停用不再需要的条目", len(st.entries))
		}
		for {
			n, err := e.Versions.KBNextNumber(ctx)
			if err != nil {
				return err
			}
			id := fmt.Sprintf("%s%d", newIDPrefix, n)
			if _, taken := shipped.Entry(id); !taken && st.entries[id] == nil {
				entry.ID = id
				break
			}
		}
		st.entries[entry.ID] = entry
		st.id, st.title = entry.ID, entry.Title
		return nil
	})
}

// Edit replaces an entry (shipped or written in the console) with d. base is the live version the
// form was opened at: if the entry changed since, the edit is refused (ECONFLICT) rather than
// overwrite someone else's change.
func (e *Editor) Edit(ctx context.Context, d Draft, base int64) (*ganwei.KBVersion, error) {
	u, err := authorizeCurator(ctx, e.Users, e.AdminIDs)
	if err != nil {
		return nil, err
	}
	entry, err := d.entry()
	if err != nil {
		return nil, err
	}
	entry.ID = d.ID
	if base < 0 {
		return nil, errBadBase
	}
	return e.change(ctx, u, ganwei.KBEdit, base, func(st *state, shipped *knowledge.Base) error {
		cur, err := st.current(d.ID, shipped)
		if err != nil {
			return err
		}
		entry.Glossary, entry.Citation.Year = cur.Glossary, cur.Citation.Year // not on the form
		if sameEntry(cur, entry) {
			return ganwei.Errorf(ganwei.EINVALID, "内容没有改动，无需保存")
		}
		st.entries[d.ID] = entry
		st.id, st.title = d.ID, entry.Title
		return nil
	})
}

// Retire takes an entry out of answers (and out of other entries' related links). base as in Edit.
func (e *Editor) Retire(ctx context.Context, id string, base int64) (*ganwei.KBVersion, error) {
	u, err := authorizeCurator(ctx, e.Users, e.AdminIDs)
	if err != nil {
		return nil, err
	}
	if base < 0 {
		return nil, errBadBase
	}
	return e.change(ctx, u, ganwei.KBRetire, base, func(st *state, shipped *knowledge.Base) error {
		cur, err := st.current(id, shipped)
		if err != nil {
			return err
		}
		delete(st.entries, id)
		if _, ok := shipped.Entry(id); ok {
			st.retired = append(st.retired, id)
			sort.Strings(st.retired)
		}
		st.id, st.title = id, cur.Title
		return nil
	})
}

// Rollback makes version to's overlay live again, as a new version (0: the shipped files alone).
// base must be the live version the curator saw, so that a change made meanwhile is not undone
// unseen.
func (e *Editor) Rollback(ctx context.Context, to, base int64) (*ganwei.KBVersion, error) {
	u, err := authorizeCurator(ctx, e.Users, e.AdminIDs)
	if err != nil {
		return nil, err
	}
	if base < 0 {
		return nil, errBadBase
	}
	return e.change(ctx, u, ganwei.KBRollback, base, func(st *state, _ *knowledge.Base) error {
		if base != st.live {
			return ganwei.Errorf(ganwei.ECONFLICT, "知识库在您打开页面后又有了新的第 %d 版，请刷新后再确认回滚", st.live)
		}
		if to < 0 || to >= st.live {
			return ganwei.Errorf(ganwei.EINVALID, "只能回滚到第 0 版至第 %d 版", max(st.live-1, 0))
		}
		target, err := e.version(ctx, to)
		if err != nil {
			return err
		}
		st.entries, err = e.entries(ctx, target)
		if err != nil {
			return err
		}
		st.retired = slices.Clone(target.Retired)
		st.to = to
		return nil
	})
}

var errBadBase = ganwei.Errorf(ganwei.EINVALID, "版本号无效，请刷新页面后再试")

// state is the overlay being changed: the entries by id and the retired shipped ids.
type state struct {
	live    int64
	liveV   *ganwei.KBVersion
	baseV   *ganwei.KBVersion
	entries map[string]*knowledge.Entry
	retired []string
	// what the change was about, for the version record
	id, title string
	to        int64
}

// current returns the entry id as it stands (the overlay's, else the shipped one not retired),
// refusing when it changed after the base version the curator started from.
func (st *state) current(id string, shipped *knowledge.Base) (*knowledge.Entry, error) {
	if st.baseV != nil && stateOf(st.baseV, id) != stateOf(st.liveV, id) {
		return nil, ganwei.Errorf(ganwei.ECONFLICT, "条目 %s 在您打开表单后已被修改（现为第 %d 版），请重新打开后再改", id, st.live)
	}
	if e := st.entries[id]; e != nil {
		return e, nil
	}
	if e, ok := shipped.Entry(id); ok && !slices.Contains(st.retired, id) {
		return e, nil
	}
	return nil, ganwei.Errorf(ganwei.ENOTFOUND, "没有条目 %s（可能已停用）", id)
}

// stateOf is how version v holds id: its digest, "retired", or "" (as shipped).
func stateOf(v *ganwei.KBVersion, id string) string {
	if v == nil {
		return ""
	}
	if d, ok := v.Entries[id]; ok {
		return d
	}
	if slices.Contains(v.Retired, id) {
		return "retired"
	}
	return ""
}

// maxAttempts bounds the retries when another replica's change lands first.
const maxAttempts = 3

// change applies mutate to the live overlay, gates the knowledge base with it, and commits it as
// the next version; another change landing first makes it start over (with the same base, so an
// edit of an entry someone just changed is refused).
func (e *Editor) change(ctx context.Context, u *ganwei.User, action string, base int64, mutate func(*state, *knowledge.Base) error) (*ganwei.KBVersion, error) {
	shipped, err := e.Library.Candidate(nil)
	if err != nil {
		return nil, fmt.Errorf("load shipped knowledge: %w", err)
	}
	for attempt := 1; ; attempt++ {
		live, err := e.Versions.KBLive(ctx)
		if err != nil {
			return nil, err
		}
		if base > live || base < -1 {
			return nil, ganwei.Errorf(ganwei.EINVALID, "版本号无效（现为第 %d 版），请刷新页面后再试", live)
		}
		st := &state{live: live}
		if st.liveV, err = e.version(ctx, live); err != nil {
			return nil, err
		}
		if base >= 0 && base != live {
			if st.baseV, err = e.version(ctx, base); err != nil {
				return nil, err
			}
		} else if base == live {
			st.baseV = st.liveV
		}
		if st.entries, err = e.entries(ctx, st.liveV); err != nil {
			return nil, err
		}
		st.retired = slices.Clone(st.liveV.Retired)
		if err := mutate(st, shipped); err != nil {
			return nil, err
		}
		v := &ganwei.KBVersion{N: live + 1, At: e.now(), By: u.ID, Action: action, EntryID: st.id, Title: st.title, To: st.to,
			Entries: map[string]string{}, Retired: st.retired}
		if u.ID == 0 {
			v.Operator = u.Name
		}
		blobs := map[string][]byte{}
		for id, en := range st.entries {
			raw, err := json.Marshal(en)
			if err != nil {
				return nil, fmt.Errorf("encode entry %s: %w", id, err)
			}
			sum := sha256.Sum256(raw)
			d := hex.EncodeToString(sum[:16])
			v.Entries[id], blobs[d] = d, raw
		}
		overlay, err := overlayFS(st.entries, st.retired)
		if err != nil {
			return nil, err
		}
		cand, err := e.Library.Candidate(overlay)
		if err != nil {
			return nil, refusal(err, st.id, action)
		}
		if err := e.runGate(cand); err != nil {
			return nil, refusal(err, st.id, action)
		}
		err = e.Versions.KBCommit(ctx, v, blobs)
		if ganwei.ErrorCode(err) == ganwei.ECONFLICT && attempt < maxAttempts {
			continue
		}
		if err != nil {
			return nil, err
		}
		e.audit(ctx, u, v)
		if err := e.install(v.N, overlay); err != nil {
			e.logger().Error("knowledge: install the new version", "version", v.N, "err", err)
		}
		return v, nil
	}
}

// refusal turns a failed check into what the curator reads; a new entry's id, which it never
// got, reads 本条目.
func refusal(err error, id, action string) error {
	name := func(s string) string { return s }
	if action == ganwei.KBAdd && id != "" {
		re := regexp.MustCompile(`\b` + regexp.QuoteMeta(id) + `\b`)
		name = func(s string) string { return re.ReplaceAllString(s, "本条目") }
	}
	var pe knowledge.ProblemsError
	var ge *knowledge.GateError
	switch {
	case errors.As(err, &pe):
		r := &Refusal{Summary: "条目内容未通过检查，未生效"}
		for _, p := range pe {
			s := p.Message
			if p.ID != "" {
				s = p.ID + "：" + s
			}
			r.Problems = append(r.Problems, name(s))
		}
		return r
	case errors.As(err, &ge):
		r := &Refusal{Summary: "修改后知识库未通过评测，未生效。" + ge.Summary()}
		for _, f := range ge.Failures {
			f.Why = name(f.Why)
			r.Failures = append(r.Failures, f)
		}
		return r
	}
	return err
}

func (e *Editor) audit(ctx context.Context, u *ganwei.User, v *ganwei.KBVersion) {
	if e.Audit == nil {
		return
	}
	action := map[string]string{ganwei.KBAdd: AuditKBAdd, ganwei.KBEdit: AuditKBEdit, ganwei.KBRetire: AuditKBRetire, ganwei.KBRollback: AuditKBRollback}[v.Action]
	detail := fmt.Sprintf("%s %s（第 %d 版）", v.EntryID, v.Title, v.N)
	if v.Action == ganwei.KBRollback {
		detail = fmt.Sprintf("回到第 %d 版（成为第 %d 版）", v.To, v.N)
	}
	entry := &ganwei.AuditEntry{At: v.At, Actor: u.ID, Operator: v.Operator, Action: action, Detail: detail}
	if err := e.Audit.Audit(ctx, entry); err != nil {
		e.logger().Error("knowledge: audit a change", "version", v.N, "err", err)
	}
}
