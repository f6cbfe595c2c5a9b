package handlers_test

import (
	"strings"
	"testing"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/testkit"
	"github.com/ganwei-bot/ganwei/weblink"
)

// TestUnitWebGivesStaffALinkAndCadresAPoliteRefusal: /web sends HR a one-time console link;
// a cadre or a guest gets the staff-only sentence and no link.
func TestUnitWebGivesStaffALinkAndCadresAPoliteRefusal(t *testing.T) {
	u := testkit.NewApp(t)
	u.Handlers.RegisterWeb(&weblink.Service{Users: u.Store, Store: u.Store, Now: u.Clock.Now, PublicURL: "https://console.example"})
	reply := u.Say(testkit.HRID, "/web")
	if !strings.Contains(reply.Text, "https://console.example"+weblink.SignInPath) || !strings.Contains(reply.Text, "5 分钟") {
		t.Errorf("HR /web: %q, want a console link", reply.Text)
	}
	for _, id := range []int64{testkit.CadreID, testkit.GuestID} {
		reply := u.Say(id, "/web")
		if strings.Contains(reply.Text, "console.example") || !strings.Contains(reply.Text, ganwei.MsgStaffOnly) && !strings.Contains(reply.Text, "组织部") {
			t.Errorf("/web by %d: %q, want a polite refusal without a link", id, reply.Text)
		}
	}
}
