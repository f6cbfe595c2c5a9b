package redisstore_test

import (
	"context"
	"testing"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
)

// TestUserByAccountIsOneRoundTrip: finding the person behind an event's account reads the
// account index and the profile in one round trip, and reads them afresh each time: a role
// revoked a moment ago is what the next event sees. An index left pointing at someone who no
// longer names the account leads nowhere.
func TestUserByAccountIsOneRoundTrip(t *testing.T) {
	r := redistest.New(t)
	s := redisstore.New(r.Client, r.Prefix+"ganwei")
	ctx := context.Background()
	if err := s.SaveUser(ctx, &ganwei.User{ID: 501, Name: "李娟", Role: ganwei.RoleHR}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UserByAccount(ctx, "telegram:501"); err != nil { // loads the script
		t.Fatal(err)
	}
	r.RoundTrips.Reset()
	u, err := s.UserByAccount(ctx, "telegram:501")
	if err != nil || u.ID != 501 || u.Role != ganwei.RoleHR {
		t.Fatalf("UserByAccount = %+v, %v", u, err)
	}
	if n := r.RoundTrips.Trips(); n != 1 {
		t.Errorf("UserByAccount took %d round trips, want 1", n)
	}
	r.RoundTrips.Reset()
	if _, pref, err := s.PushTarget(ctx, 501); err != nil || pref != "" {
		t.Fatalf("PushTarget: %q, %v", pref, err)
	}
	if n := r.RoundTrips.Trips(); n != 1 {
		t.Errorf("PushTarget took %d round trips, want 1", n)
	}

	if err := s.SetRole(ctx, 501, ganwei.RoleGuest); err != nil {
		t.Fatal(err)
	}
	if u, err := s.UserByAccount(ctx, "telegram:501"); err != nil || u.Role != ganwei.RoleGuest {
		t.Errorf("after revocation: %+v, %v; want the guest role at once", u, err)
	}
	if _, err := s.UserByAccount(ctx, "telegram:999"); ganwei.ErrorCode(err) != ganwei.ENOTFOUND {
		t.Errorf("unbound account: %v, want ENOTFOUND", err)
	}
	// An index pointing at a person who does not name the account (written by hand, or left
	// behind) is not trusted.
	r.Client.Set(ctx, r.Prefix+"ganwei:account:wecom:intruder", "501", 0)
	if _, err := s.UserByAccount(ctx, "wecom:intruder"); ganwei.ErrorCode(err) != ganwei.ENOTFOUND {
		t.Errorf("stray index: %v, want ENOTFOUND", err)
	}
}

// TestPersonIDsAreAllocatedNotTaken: whatever account a new person comes with, their id comes
// from the counter; an account already bound keeps its person (and redeeming a second invite
// updates that person's profile, not their id); a link code adds the account to its person and
// refuses one bound to someone else; deleting a person removes only the links that lead to them.
func TestPersonIDsAreAllocatedNotTaken(t *testing.T) {
	r := redistest.New(t)
	s := redisstore.New(r.Client, r.Prefix+"ganwei")
	ctx := context.Background()
	invite := func(inv ganwei.Invite) string {
		t.Helper()
		code, err := s.CreateInvite(ctx, &inv)
		if err != nil {
			t.Fatal(err)
		}
		return code
	}
	wc, err := s.RedeemInvite(ctx, invite(ganwei.Invite{Name: "周洁", Unit: "发改委", Role: ganwei.RoleCadre}), "wecom:zhoujie")
	if err != nil || wc.ID != ganwei.PersonIDBase+1 {
		t.Fatalf("first person: %+v, %v; want id %d", wc, err, ganwei.PersonIDBase+1)
	}
	// A Telegram user whose number is that id is someone else.
	tg, err := s.RedeemInvite(ctx, invite(ganwei.Invite{Name: "钱七", Role: ganwei.RoleCadre}), ganwei.TelegramAccount(wc.ID))
	if err != nil || tg.ID == wc.ID || tg.ID != ganwei.PersonIDBase+2 {
		t.Fatalf("look-alike Telegram user: %+v, %v", tg, err)
	}
	if u, _ := s.User(ctx, wc.ID); u.Name != "周洁" || len(u.Accounts) != 1 || u.Accounts[0] != "wecom:zhoujie" {
		t.Errorf("first person after the look-alike bound: %+v", u)
	}
	// Same account, second invite: same person, new profile.
	again, err := s.RedeemInvite(ctx, invite(ganwei.Invite{Name: "周洁", Unit: "区委组织部", Role: ganwei.RoleHR}), "wecom:zhoujie")
	if err != nil || again.ID != wc.ID || again.Role != ganwei.RoleHR || !again.CreatedAt.Equal(wc.CreatedAt) {
		t.Errorf("second invite on the same account: %+v, %v", again, err)
	}
	// A link code adds an account; one bound to someone else is refused.
	link := invite(ganwei.Invite{Name: "周洁", Role: ganwei.RoleCadre, PersonID: wc.ID})
	if _, err := s.RedeemInvite(ctx, link, ganwei.TelegramAccount(wc.ID)); ganwei.ErrorCode(err) != ganwei.ECONFLICT {
		t.Errorf("link code for an account bound to another person: %v, want ECONFLICT", err)
	}
	link = invite(ganwei.Invite{Name: "周洁", Role: ganwei.RoleCadre, PersonID: wc.ID})
	linked, err := s.RedeemInvite(ctx, link, "telegram:4242")
	if err != nil || linked.ID != wc.ID || len(linked.Accounts) != 2 || linked.Role != ganwei.RoleHR {
		t.Errorf("link code: %+v, %v; want the same person with two accounts and their role", linked, err)
	}
	// Leaders and operators get persons the same way, once.
	id, created, err := s.PersonForAccount(ctx, "telegram:777", &ganwei.User{Name: "赵敏"})
	if err != nil || !created || id != ganwei.PersonIDBase+3 {
		t.Errorf("PersonForAccount: %d, %v, %v", id, created, err)
	}
	if id2, created, err := s.PersonForAccount(ctx, "telegram:777", nil); err != nil || created || id2 != id {
		t.Errorf("PersonForAccount again: %d, %v, %v; want %d", id2, created, err, id)
	}
	if _, _, err := s.PersonForAccount(ctx, "telegram:abc", nil); ganwei.ErrorCode(err) != ganwei.EINVALID {
		t.Errorf("a malformed account: %v, want EINVALID", err)
	}
	// Deleting the look-alike removes their link only.
	if err := s.DeleteUser(ctx, tg.ID); err != nil {
		t.Fatal(err)
	}
	if id, err := s.PersonByAccount(ctx, "wecom:zhoujie"); err != nil || id != wc.ID {
		t.Errorf("after deleting another person: %d, %v", id, err)
	}
	if _, err := s.PersonByAccount(ctx, ganwei.TelegramAccount(wc.ID)); ganwei.ErrorCode(err) != ganwei.ENOTFOUND {
		t.Errorf("deleted person's account: %v, want ENOTFOUND", err)
	}
}

// BenchmarkResolveAccount compares finding an event's person in one script call with the two
// reads it took before (account index, then profile); it reports round trips per op.
func BenchmarkResolveAccount(b *testing.B) {
	r := redistest.New(b)
	s := redisstore.New(r.Client, r.Prefix+"ganwei")
	ctx := context.Background()
	if err := s.SaveUser(ctx, &ganwei.User{ID: 501, Name: "李娟", Role: ganwei.RoleHR}); err != nil {
		b.Fatal(err)
	}
	b.Run("script", func(b *testing.B) {
		_, _ = s.UserByAccount(ctx, "telegram:501")
		r.RoundTrips.Reset()
		for b.Loop() {
			if _, err := s.UserByAccount(ctx, "telegram:501"); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(r.RoundTrips.Trips())/float64(b.N), "trips/op")
	})
	b.Run("two-reads", func(b *testing.B) {
		r.RoundTrips.Reset()
		for b.Loop() {
			id, err := s.PersonByAccount(ctx, "telegram:501")
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.User(ctx, id); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(r.RoundTrips.Trips())/float64(b.N), "trips/op")
	})
}
