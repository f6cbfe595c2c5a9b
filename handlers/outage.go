package handlers

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/knowledge"
)

// identityTTL is how long who someone was stays usable when Redis cannot be asked. It is only a
// fallback: while Redis answers every update reads the stored user, so a revoked role takes
// effect at once; during an outage nothing that a role guards can be done anyway (it all needs
// Redis), so a stale role cannot be misused.
const identityTTL = 10 * time.Minute

// maxCachedIdentities bounds the cache; forgetting an entry only costs a guest answer during an
// outage.
const maxCachedIdentities = 10000

// identityCache remembers, per process, who recently acted from each account. It is read only
// while Redis cannot answer.
type identityCache struct {
	ttl time.Duration
	now func() time.Time

	mu    sync.Mutex
	users map[ganwei.Account]cachedIdentity
}

type cachedIdentity struct {
	user ganwei.User
	at   time.Time
}

func newIdentityCache(ttl time.Duration, now func() time.Time) *identityCache {
	return &identityCache{ttl: ttl, now: now, users: map[ganwei.Account]cachedIdentity{}}
}

func (c *identityCache) put(a ganwei.Account, u *ganwei.User) {
	if a == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.users) >= maxCachedIdentities {
		clear(c.users)
	}
	c.users[a] = cachedIdentity{user: *u, at: c.now()}
}

func (c *identityCache) get(a ganwei.Account) (*ganwei.User, bool) {
	if a == "" {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.users[a]
	if !ok || c.now().Sub(e.at) > c.ttl {
		return nil, false
	}
	u := e.user
	return &u, true
}

// Oncer reports true to exactly one caller per name within ttl, across replicas
// (redisstore.Store.Once).
type Oncer interface {
	Once(ctx context.Context, name string, ttl time.Duration) (bool, error)
}

// msgNotOurCommand answers a slash with no command of ours after it.
const msgNotOurCommand = "这不是我能识别的命令，请发送 /help 查看可用的命令；如要提问，直接用文字发给我即可。"

// dailyNotices remembers, in this process, which notices went out today (the fallback when
// Notices is nil or Redis cannot answer).
type dailyNotices struct {
	mu   sync.Mutex
	day  string
	sent map[string]bool
}

// first reports whether key is new today, and remembers it.
func (d *dailyNotices) first(day, key string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.day != day {
		d.day, d.sent = day, map[string]bool{}
	}
	if d.sent[key] {
		return false
	}
	d.sent[key] = true
	return true
}

// firstToday reports whether the notice kind has not yet gone to chatID today (in the
// organization's zone): once per chat per day across replicas when Notices is set.
func (h *Handlers) firstToday(ctx context.Context, kind string, chatID int64) bool {
	day := h.Now().In(h.Location).Format(time.DateOnly)
	key := kind + ":" + strconv.FormatInt(chatID, 10) + ":" + day
	if !h.noticed.first(day, key) {
		return false
	}
	if h.Notices == nil {
		return true
	}
	first, err := h.Notices.Once(ctx, key, 48*time.Hour)
	if err != nil {
		h.Logger.Warn("once-a-day notice: storage unavailable, counting in this process", "err", err)
		return true
	}
	return first
}

type noModelKey struct{}

// withoutModel marks a request whose text must not reach the language model (see gatedPhraser).
func withoutModel(ctx context.Context) context.Context {
	return context.WithValue(ctx, noModelKey{}, true)
}

// errModelWithheld makes the Answerer fall back to its extractive answer.
var errModelWithheld = errors.New("model withheld: the text may belong to an open check-in while storage is down")

// gatedPhraser keeps text marked withoutModel away from the model.
type gatedPhraser struct{ next knowledge.Phraser }

func (g gatedPhraser) Phrase(ctx context.Context, question string, passages []knowledge.Passage) (string, error) {
	if ctx.Value(noModelKey{}) != nil {
		return "", errModelWithheld
	}
	return g.next.Phrase(ctx, question, passages)
}

// gateModel puts the gate in front of the Answerer's model, on a copy so that other users of the
// Answerer are not affected.
func (h *Handlers) gateModel() {
	if h.Answerer == nil || h.Answerer.Phraser == nil {
		return
	}
	if _, done := h.Answerer.Phraser.(gatedPhraser); done {
		return
	}
	a := *h.Answerer
	a.Phraser = gatedPhraser{next: a.Phraser}
	h.Answerer = &a
}
