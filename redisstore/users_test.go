package redisstore_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
)

// clock is a settable clock for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// mustOpenStore returns a store on a real Redis under a prefix this test owns, with a clock.
func mustOpenStore(tb testing.TB) (*redisstore.Store, *clock) {
	tb.Helper()
	r := redistest.New(tb)
	s := redisstore.New(r.Client, r.Prefix+"ganwei")
	c := &clock{t: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)}
	s.Now = c.Now
	return s, c
}

func TestUsers(t *testing.T) {
	ctx := context.Background()
	s, _ := mustOpenStore(t)

	if _, err := s.User(ctx, 42); ganwei.ErrorCode(err) != ganwei.ENOTFOUND {
		t.Fatalf("User(unknown) error = %v, want ENOTFOUND", err)
	}
	big := int64(7_123_456_789) // Telegram ids exceed 32 bits
	for _, u := range []*ganwei.User{
		{ID: big, Name: "张伟", Unit: "发改委", Position: "副主任", Role: ganwei.RoleCadre},
		{ID: 5, Name: "李娟", Unit: "组织部", Role: ganwei.RoleHR},
	} {
		if err := s.SaveUser(ctx, u); err != nil {
			t.Fatalf("SaveUser(%d): %v", u.ID, err)
		}
	}
	got, err := s.User(ctx, big)
	if err != nil || got.Name != "张伟" || got.Role != ganwei.RoleCadre || got.ID != big {
		t.Fatalf("User(%d) = %+v, %v", big, got, err)
	}
	list, err := s.Users(ctx)
	if err != nil || len(list) != 2 || list[0].ID != 5 || list[1].ID != big {
		t.Fatalf("Users() = %v, %v; want ids [5 %d]", list, err, big)
	}
	if err := s.SetRole(ctx, big, ganwei.RoleHR); err != nil {
		t.Fatalf("SetRole: %v", err)
	}
	if got, _ := s.User(ctx, big); got.Role != ganwei.RoleHR || got.ID != big {
		t.Fatalf("after SetRole: %+v", got)
	}
	if err := s.SetRole(ctx, 999, ganwei.RoleHR); ganwei.ErrorCode(err) != ganwei.ENOTFOUND {
		t.Fatalf("SetRole(unknown) = %v, want ENOTFOUND", err)
	}
	if err := s.DeleteUser(ctx, big); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	if list, _ := s.Users(ctx); len(list) != 1 {
		t.Fatalf("after delete Users() = %d users, want 1", len(list))
	}
}

func TestSaveUserValidates(t *testing.T) {
	s, _ := mustOpenStore(t)
	tests := []struct {
		name string
		u    ganwei.User
	}{
		{"no id", ganwei.User{Name: "张伟"}},
		{"no name", ganwei.User{ID: 1}},
		{"long name", ganwei.User{ID: 1, Name: string(make([]rune, 40))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.SaveUser(context.Background(), &tt.u); ganwei.ErrorCode(err) != ganwei.EINVALID {
				t.Errorf("SaveUser(%+v) = %v, want EINVALID", tt.u, err)
			}
		})
	}
}

func TestInvites(t *testing.T) {
	ctx := context.Background()
	s, clk := mustOpenStore(t)
	newCode := func(role ganwei.Role, ttl time.Duration) string {
		t.Helper()
		code, err := s.CreateInvite(ctx, &ganwei.Invite{Name: "赵六", Unit: "七都镇", Position: "镇长", Role: role, ExpiresAt: clk.Now().Add(ttl)})
		if err != nil {
			t.Fatalf("CreateInvite: %v", err)
		}
		return code
	}
	code := newCode(ganwei.RoleCadre, time.Hour)
	if len(code) != 10 {
		t.Fatalf("code %q: want 10 characters", code)
	}

	// Typed by hand: lower case with spaces still binds.
	typed := code[:5] + " " + string([]rune(code[5:]))
	u, err := s.RedeemInvite(ctx, toLower(typed), ganwei.TelegramAccount(77))
	if err != nil || u.ID <= ganwei.PersonIDBase || u.Name != "赵六" || u.Role != ganwei.RoleCadre {
		t.Fatalf("RedeemInvite = %+v, %v; want a new person id above PersonIDBase", u, err)
	}
	if got, err := s.User(ctx, u.ID); err != nil || got.Unit != "七都镇" || !got.HasAccount("telegram:77") {
		t.Fatalf("bound user = %+v, %v", got, err)
	}
	if _, err := s.User(ctx, 77); ganwei.ErrorCode(err) != ganwei.ENOTFOUND {
		t.Fatalf("the Telegram id became a person id: %v", err)
	}

	tests := []struct {
		name string
		code string
		want string
	}{
		{"used", code, ganwei.ECONFLICT},
		{"unknown", "ABCDEFGHJK", ganwei.ENOTFOUND},
		{"garbage", "'; DROP", ganwei.ENOTFOUND},
		{"empty", "", ganwei.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.RedeemInvite(ctx, tt.code, ganwei.TelegramAccount(88)); ganwei.ErrorCode(err) != tt.want {
				t.Errorf("RedeemInvite(%q) = %v, want %s", tt.code, err, tt.want)
			}
		})
	}
	if _, err := s.PersonByAccount(ctx, ganwei.TelegramAccount(88)); ganwei.ErrorCode(err) != ganwei.ENOTFOUND {
		t.Fatalf("a failed redeem bound the account: %v", err)
	}

	expiring := newCode(ganwei.RoleHR, time.Hour)
	clk.Add(2 * time.Hour)
	if _, err := s.RedeemInvite(ctx, expiring, ganwei.TelegramAccount(99)); ganwei.ErrorCode(err) != ganwei.EEXPIRED {
		t.Fatalf("RedeemInvite(expired) = %v, want EEXPIRED", err)
	}
}

func TestRedeemInviteConcurrently(t *testing.T) {
	ctx := context.Background()
	s, clk := mustOpenStore(t)
	code, err := s.CreateInvite(ctx, &ganwei.Invite{Name: "赵六", Unit: "七都镇", Role: ganwei.RoleCadre, ExpiresAt: clk.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for i := range 20 {
		wg.Add(1)
		go func(id int64) {
			defer wg.Done()
			if _, err := s.RedeemInvite(ctx, code, ganwei.TelegramAccount(id)); err == nil {
				mu.Lock()
				won++
				mu.Unlock()
			}
		}(int64(100 + i))
	}
	wg.Wait()
	if won != 1 {
		t.Fatalf("%d accounts bound one code, want exactly 1", won)
	}
}

func TestDialogs(t *testing.T) {
	ctx := context.Background()
	s, _ := mustOpenStore(t)
	if _, err := s.Dialog(ctx, 1); ganwei.ErrorCode(err) != ganwei.ENOTFOUND {
		t.Fatalf("Dialog(none) = %v, want ENOTFOUND", err)
	}
	d := &ganwei.Dialog{Kind: "checkin", Step: "mood", Data: map[string]string{"a": "1"}}
	if err := s.SaveDialog(ctx, 1, d, time.Minute); err != nil {
		t.Fatal(err)
	}
	got, err := s.Dialog(ctx, 1)
	if err != nil || got.Kind != "checkin" || got.Data["a"] != "1" {
		t.Fatalf("Dialog = %+v, %v", got, err)
	}
	if err := s.ClearDialog(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Dialog(ctx, 1); ganwei.ErrorCode(err) != ganwei.ENOTFOUND {
		t.Fatalf("after clear Dialog = %v, want ENOTFOUND", err)
	}
}

func TestUnavailable(t *testing.T) {
	srv := redistest.StartServer(t)
	r := redistest.NewOn(t, srv)
	s := redisstore.New(r.Client, r.Prefix+"ganwei")
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	_, err := s.User(context.Background(), 1)
	if ganwei.ErrorCode(err) != ganwei.EUNAVAILABLE {
		t.Fatalf("User with Redis down = %v (code %s), want EUNAVAILABLE", err, ganwei.ErrorCode(err))
	}
}

func toLower(s string) string {
	out := []rune(s)
	for i, r := range out {
		if r >= 'A' && r <= 'Z' {
			out[i] = r + 'a' - 'A'
		}
	}
	return string(out)
}

// A redeemed invite keeps neither the profile nor the Telegram id, and still says "used".
func TestRedeemedInviteKeepsNoIdentity(t *testing.T) {
	ctx := context.Background()
	rd := redistest.New(t)
	s := redisstore.New(rd.Client, rd.Prefix)
	code, err := s.CreateInvite(ctx, &ganwei.Invite{Name: "周洁", Unit: "七都镇", Role: ganwei.RoleCadre})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RedeemInvite(ctx, code, ganwei.TelegramAccount(4242)); err != nil {
		t.Fatal(err)
	}
	vals, _ := rd.Client.HGetAll(ctx, rd.Prefix+":invite:"+code).Result()
	for f, v := range vals {
		if strings.Contains(v, "4242") || strings.Contains(v, "周洁") || f == "payload" || f == "used_by" {
			t.Errorf("redeemed invite keeps %s=%s", f, v)
		}
	}
	if _, err := s.RedeemInvite(ctx, code, ganwei.TelegramAccount(4343)); ganwei.ErrorCode(err) != ganwei.ECONFLICT {
		t.Errorf("second redeem: %v, want ECONFLICT", err)
	}
}

// TestUsersPageReadsOnePageInIDOrder: a page is the slice of Users at offset, with the total.
func TestUsersPageReadsOnePageInIDOrder(t *testing.T) {
	ctx := context.Background()
	s, _ := mustOpenStore(t)
	for id := int64(1); id <= 7; id++ {
		if err := s.SaveUser(ctx, &ganwei.User{ID: 100 - id, Name: "干部", Unit: "震泽镇", Role: ganwei.RoleCadre}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		offset, limit int
		want          []int64
	}{{0, 3, []int64{93, 94, 95}}, {6, 3, []int64{99}}, {9, 3, nil}} {
		page, total, err := s.UsersPage(ctx, tc.offset, tc.limit)
		if err != nil || total != 7 {
			t.Fatalf("page %d+%d: total %d, %v", tc.offset, tc.limit, total, err)
		}
		var got []int64
		for _, u := range page {
			got = append(got, u.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("page %d+%d: %v, want %v", tc.offset, tc.limit, got, tc.want)
		}
	}
	if _, _, err := s.UsersPage(ctx, 0, 0); ganwei.ErrorCode(err) != ganwei.EINVALID {
		t.Errorf("empty page: %v, want EINVALID", err)
	}
}
