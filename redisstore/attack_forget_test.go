package redisstore_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei"
)

// TestAttackForgetRacingALinkLeavesNoAccount: /forgetme and the redemption of the person's link
// code (or an administrator's mapping) at the same moment. Whichever wins, no account index is
// left leading to the forgotten person, and the forgotten person has no profile.
func TestAttackForgetRacingALinkLeavesNoAccount(t *testing.T) {
	ctx := context.Background()
	s, clk := mustOpenStore(t)
	for i := range 60 {
		id := int64(5000 + i)
		if err := s.SaveUser(ctx, &ganwei.User{ID: id, Accounts: []ganwei.Account{ganwei.TelegramAccount(id)}, Name: "周" + strconv.Itoa(i), Unit: "七都镇", Role: ganwei.RoleCadre}); err != nil {
			t.Fatal(err)
		}
		code, err := s.CreateInvite(ctx, &ganwei.Invite{Name: "周", Unit: "七都镇", Role: ganwei.RoleCadre, PersonID: id, CreatedBy: id, ExpiresAt: clk.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		wecom, mapped := ganwei.WeComAccount(fmt.Sprintf("zhou%d", i)), ganwei.WeComAccount(fmt.Sprintf("zhoumap%d", i))
		var wg sync.WaitGroup
		wg.Add(3)
		go func() { defer wg.Done(); _, _ = s.RedeemInvite(ctx, code, wecom) }()
		go func() { defer wg.Done(); _ = s.LinkAccount(ctx, id, mapped) }()
		go func() {
			defer wg.Done()
			if _, err := s.Forget(ctx, id); err != nil {
				t.Errorf("forget %d: %v", id, err)
			}
		}()
		wg.Wait()
		if _, err := s.User(ctx, id); ganwei.ErrorCode(err) != ganwei.ENOTFOUND {
			continue // a link landed after the deletion and made nothing: fine only if no profile
		}
		for _, a := range []ganwei.Account{wecom, mapped, ganwei.TelegramAccount(id)} {
			raw, _ := s.Client().Get(ctx, s.Prefix()+":account:"+string(a)).Result()
			if raw == strconv.FormatInt(id, 10) {
				t.Errorf("round %d: %s still leads to the forgotten person %d", i, a, id)
			}
		}
	}
}
