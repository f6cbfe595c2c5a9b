package handlers_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/handlers"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/testkit"
)

// TestServicesRefuseWithoutTheRoutingTable: with the routing table's role refusals turned off (roles
// then only decide menus), a guest and a cadre send every staff command (with and without
// arguments) and press every staff button with plausible payloads. The services alone must refuse:
// no other person's data in any reply, no document or picture, and no change anywhere in Redis
// beyond the attacker's own conversation state. This is the proof that the rule lives in the
// services; the routing refusal is only a courtesy that answers earlier.
func TestServicesRefuseWithoutTheRoutingTable(t *testing.T) {
	u := testkit.NewApp(t)
	// Something worth stealing: a case (the cadre asked for a talk), an appointment, an invite.
	q := u.Say(testkit.CadreID, "/checkin")
	for i := 0; i < 5; i++ {
		cur := u.Message(testkit.CadreID, q.ID)
		if len(cur.Buttons) == 0 {
			t.Fatalf("question %d has no buttons: %q", i+1, cur.Text)
		}
		u.Press(testkit.CadreID, cur, cur.Buttons[0][0].Label) // the fifth: 希望谈一谈
	}
	cases, err := u.Store.Cases(u.Ctx, true)
	if err != nil || len(cases) != 1 {
		t.Fatalf("cases = %v, %v; want the talk request's", cases, err)
	}
	caseID := cases[0].ID
	leader := strconv.FormatInt(testkit.LeaderID, 10)
	if got := u.Say(testkit.HRID, "/appoint "+leader+" 李强 党委书记 震泽镇 2026年11月23日").Text; !strings.Contains(got, "确认") {
		t.Fatalf("/appoint preview: %q", got)
	}
	u.Press(testkit.HRID, u.Front.Messages(testkit.HRID)[len(u.Front.Messages(testkit.HRID))-1], "确认登记")
	appts, err := u.Store.Appointments(u.Ctx)
	if err != nil || len(appts) != 1 {
		t.Fatalf("appointments = %v, %v", appts, err)
	}
	apptID := appts[0].ID
	// HR opens the case, which writes an audit entry naming both.
	heads := u.Front.Messages(testkit.HRID)
	n := len(heads)
	u.Forge(testkit.HRID, heads[n-1], "cs:v:"+caseID)
	if audit, err := u.Store.AuditLog(u.Ctx, 10); err != nil || len(audit) == 0 {
		t.Fatalf("audit after HR opened the case: %v, %v", audit, err)
	}
	if got := u.Say(testkit.AdminID, "/invite 赵敏 松陵街道 科员").Text; !strings.Contains(got, "邀请码") {
		t.Fatalf("/invite: %q", got)
	}

	handlers.MenusOnly(u.Handlers)
	commands, prefixes := handlers.GuardedCommands(u.Handlers)
	slices.Sort(commands)
	slices.Sort(prefixes)
	if len(commands) < 10 || len(prefixes) < 3 {
		t.Fatalf("guarded commands %v, buttons %v: the routing table is not what this test expects", commands, prefixes)
	}
	args := []string{"", "松陵街道", "12", "明细", leader, strconv.FormatInt(testkit.CadreID, 10) + " 管理员",
		"某人 松陵街道 科员 管理员", leader + " 李强 镇长 震泽镇 2026年11月23日", caseID}
	datas := []string{"", "ok", "no", "v:" + caseID, "a:" + caseID, "c:" + caseID, "x:" + caseID, "xy:" + caseID,
		"r:" + caseID, "n:" + caseID, "who:" + leader, "pause:" + apptID, "resume:" + apptID, "cancel:" + apptID,
		"cancelok:" + apptID, "next:1", "p:1", "1"}
	// Other people's data that must not reach the attackers.
	secrets := []string{"王芳", "陈静", "李强", "赵敏", caseID, apptID}

	before := snapshot(t, u.Ctx, u.Store)
	for _, who := range []int64{testkit.GuestID, testkit.CadreID} {
		var sent []testkit.Sent
		for _, c := range commands {
			for _, a := range args {
				n := len(u.Front.Messages(who))
				u.Say(who, strings.TrimSpace("/"+c+" "+a))
				got := u.Front.Messages(who)[n:]
				refused := false
				for _, m := range got {
					// A format hint before anything is read ("用法：…") is the front's business
					// and carries no data; everything else must be the service's refusal.
					refused = refused || strings.Contains(m.Text, ganwei.MsgStaffOnly) || strings.Contains(m.Text, ganwei.MsgAdminOnly) ||
						strings.HasPrefix(m.Text, "用法：") || strings.HasPrefix(m.Text, "期数请在")
				}
				if !refused {
					t.Errorf("%d sent /%s %s: no refusal by the service in %+v", who, c, a, got)
				}
				sent = append(sent, got...)
			}
		}
		for _, p := range prefixes {
			for _, d := range datas {
				last, _ := u.Front.Last(who)
				n := len(u.Front.Messages(who))
				u.Forge(who, last, p+":"+d)
				sent = append(sent, u.Front.Messages(who)[n:]...)
			}
		}
		for _, a := range u.Front.Answers() {
			for _, s := range secrets {
				if strings.Contains(a.Text, s) {
					t.Errorf("%d got the notice %q, which carries %q", who, a.Text, s)
				}
			}
		}
		for _, m := range sent {
			for _, l := range testkit.Labels(m.Buttons) {
				for _, s := range secrets {
					if strings.Contains(l, s) {
						t.Errorf("%d was offered the button %q, which carries %q", who, l, s)
					}
				}
			}
			if who == testkit.CadreID && strings.Contains(m.Text, "张伟") {
				continue // their own name
			}
			for _, s := range secrets {
				if strings.Contains(m.Text, s) {
					t.Errorf("%d was sent %q, which carries %q", who, m.Text, s)
				}
			}
			if m.File != "" {
				t.Errorf("%d was sent the file %q", who, m.File)
			}
		}
		// The attacker's own dialog may be their check-in, never a staff flow.
		if d, err := u.Store.Dialog(u.Ctx, who); err == nil && d.Kind != "checkin" {
			t.Errorf("%d is left in a %q dialog (step %q): a staff flow started without the service's consent", who, d.Kind, d.Step)
		}
	}
	after := snapshot(t, u.Ctx, u.Store)
	for k, v := range after {
		if before[k] != v && !attackersOwn(k) {
			t.Errorf("the attack changed %s", k)
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok && !attackersOwn(k) {
			t.Errorf("the attack deleted %s", k)
		}
	}
}

// attackersOwn are keys an attacker's own messages legitimately touch: the questions they asked
// (free text reaching the policy answerer is not an attack), rate limits and one-off notices.
func attackersOwn(key string) bool {
	for _, part := range []string{":q:", ":questions", ":unanswered", ":rate:", ":notice:", ":once:", ":dialog:", ":asked"} {
		if strings.Contains(key, part) {
			return true
		}
	}
	return false
}

// snapshot reads every key under the store's prefix with a dump of its value.
func snapshot(t *testing.T, ctx context.Context, s *redisstore.Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	iter := s.Client().Scan(ctx, 0, s.Prefix()+":*", 500).Iterator()
	for iter.Next(ctx) {
		v, err := s.Client().Dump(ctx, iter.Val()).Result()
		if err != nil {
			t.Fatalf("dump %s: %v", iter.Val(), err)
		}
		out[iter.Val()] = v
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestAppointOffersOnlyTheOfficersUnits: the cadres offered as buttons when registering a new
// leader are those of the units an HR officer covers, never another unit's people.
func TestAppointOffersOnlyTheOfficersUnits(t *testing.T) {
	u := testkit.NewApp(t)
	if err := u.Store.SetScope(u.Ctx, testkit.HRID, []string{"震泽镇"}); err != nil {
		t.Fatal(err)
	}
	got := testkit.Labels(u.Say(testkit.HRID, "/appoint").Buttons)
	if !slices.Equal(got, []string{"李强"}) {
		t.Errorf("scoped HR was offered %v, want only 李强 (震泽镇)", got)
	}
	got = testkit.Labels(u.Say(testkit.AdminID, "/appoint").Buttons)
	if !slices.Contains(got, "李强") || !slices.Contains(got, "张伟") {
		t.Errorf("an admin was offered %v, want every unit's cadres", got)
	}
}

// TestPauseStaysInTheOfficersUnits: a unit-scoped HR officer cannot pause or resume check-ins of
// another unit, or of a person there.
func TestPauseStaysInTheOfficersUnits(t *testing.T) {
	u := testkit.NewApp(t)
	if err := u.Store.SetScope(u.Ctx, testkit.HRID, []string{"震泽镇"}); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"/pause 松陵街道", "/pause " + strconv.FormatInt(testkit.CadreID, 10), "/resume 松陵街道"} {
		if got := u.Say(testkit.HRID, line).Text; !strings.Contains(got, "您负责的单位是：震泽镇") {
			t.Errorf("%s by HR of 震泽镇: %q", line, got)
		}
	}
	if users, units, _ := u.Store.Paused(u.Ctx); len(users)+len(units) != 0 {
		t.Errorf("paused after the refusals: %v %v", users, units)
	}
	if got := u.Say(testkit.HRID, "/pause 震泽镇").Text; strings.Contains(got, "您负责的单位是") {
		t.Errorf("/pause of one's own unit refused: %q", got)
	}
}
