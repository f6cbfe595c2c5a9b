package testkit

import (
	"context"
	"sync"
	"time"

	"github.com/ganwei-bot/ganwei"
)

// Shanghai is the time zone Ganwei's people live in (GANWEI_TIMEZONE's default).
var Shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600) // no tzdata: China has no daylight saving
	}
	return loc
}()

// At parses "2006-01-02 15:04" in Shanghai; it panics on a malformed literal (a test bug).
func At(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, Shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

// Clock is a clock the test moves; pass its Now wherever a clock is injected. Safe for
// concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Seeded people, one of every role (the guest is not stored). Their ids are also their private
// chat ids.
const (
	GuestID  int64 = 9001
	CadreID  int64 = 9002
	LeaderID int64 = 9003 // a cadre newly appointed as a principal leader
	HRID     int64 = 9004
	AdminID  int64 = 9005
)

// People are the seeded users by id. Tests that change one change a copy (maps.Clone).
var People = map[int64]ganwei.User{
	CadreID:  {ID: CadreID, Name: "张伟", Unit: "松陵街道", Position: "科员", Role: ganwei.RoleCadre},
	LeaderID: {ID: LeaderID, Name: "李强", Unit: "震泽镇", Position: "镇长", Role: ganwei.RoleCadre},
	HRID:     {ID: HRID, Name: "王芳", Unit: "区委组织部", Position: "干部科科长", Role: ganwei.RoleHR},
	AdminID:  {ID: AdminID, Name: "陈静", Unit: "区委组织部", Position: "副部长", Role: ganwei.RoleAdmin},
}

// Seed saves the seeded people.
func Seed(ctx context.Context, users interface {
	SaveUser(ctx context.Context, u *ganwei.User) error
}) error {
	for _, id := range []int64{CadreID, LeaderID, HRID, AdminID} {
		u := People[id]
		if err := users.SaveUser(ctx, &u); err != nil {
			return err
		}
	}
	return nil
}
