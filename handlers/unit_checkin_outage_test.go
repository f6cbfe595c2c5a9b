package handlers_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/testkit"
)

// flakyAnswers is the store whose check-in writes fail while down is set, as when Redis drops
// between reading the dialog and saving the answer.
type flakyAnswers struct {
	*redisstore.Store
	down atomic.Bool
}

func (f *flakyAnswers) SubmitCheckIn(ctx context.Context, c *ganwei.CheckIn) (*ganwei.SubmitResult, error) {
	if f.down.Load() {
		return nil, ganwei.Errorf(ganwei.EUNAVAILABLE, "redis down")
	}
	return f.Store.SubmitCheckIn(ctx, c)
}

func (f *flakyAnswers) WithdrawCheckIn(ctx context.Context, userID int64, period string) error {
	if f.down.Load() {
		return ganwei.Errorf(ganwei.EUNAVAILABLE, "redis down")
	}
	return f.Store.WithdrawCheckIn(ctx, userID, period)
}

// TestUnitCheckInWhileAnswersCannotBeSaved: an answer, the optional line or 取消 that cannot be
// saved leaves the check-in where it was and says so plainly; the same press or line works once
// storage is back, and nothing is counted twice.
func TestUnitCheckInWhileAnswersCannotBeSaved(t *testing.T) {
	u := testkit.NewApp(t)
	flaky := &flakyAnswers{Store: u.Store}
	u.Handlers.CheckIns = flaky
	c := testkit.CadreID
	q := u.Say(c, "/checkin")

	flaky.down.Store(true)
	u.Press(c, q, "较差")
	wantText(t, "answer not saved", last(t, u, c).Text, []string{"这一题的回答还没有保存", "再点一次"})
	if got := u.Message(c, q.ID); got.Text != q.Text || len(got.Buttons) != len(q.Buttons) {
		t.Errorf("the question moved on although the answer was not saved: %q", got.Text)
	}
	if got := stored(t, u, c, period); got != nil {
		t.Fatalf("stored %+v while down", got)
	}
	flaky.down.Store(false)
	u.Press(c, q, "较差")
	wantText(t, "retry", u.Message(c, q.ID).Text, []string{"2/5"})
	for _, l := range []string{"较轻", "充分", "都已落实", "暂时不用"} {
		u.Press(c, u.Message(c, q.ID), l)
	}

	flaky.down.Store(true)
	wantText(t, "line not saved", u.Say(c, "谢谢组织关心").Text, []string{"这句补充还没有保存", "五个问题的回答已保存", "跳过"})
	if d, err := u.Store.Dialog(u.Ctx, c); err != nil || d.Step != ganwei.QuestionNote {
		t.Fatalf("the dialog after a line that was not saved: %+v, %v", d, err)
	}
	flaky.down.Store(false)
	wantText(t, "line again", u.Say(c, "谢谢组织关心").Text, []string{"已记录"})
	got := stored(t, u, c, period)
	if got == nil || got.Wellbeing != 2 || got.Note != "谢谢组织关心" {
		t.Fatalf("stored %+v", got)
	}
	aggs, err := u.Store.Aggregates(u.Ctx, []string{period}, "")
	if err != nil || aggs[0].Responses != 1 {
		t.Errorf("aggregates %+v, %v; want the answer counted once", aggs, err)
	}

	// 取消 of a second round while down: nothing changes, and it works once storage is back.
	again := u.Say(c, "/checkin")
	u.Press(c, again, "很好")
	flaky.down.Store(true)
	u.Press(c, u.Message(c, again.ID), "取消")
	wantText(t, "取消 while down", last(t, u, c).Text, []string{"暂时连不上", "没有保存"})
	if d, err := u.Store.Dialog(u.Ctx, c); err != nil || d == nil {
		t.Errorf("取消 that failed ended the dialog: %v", err)
	}
	flaky.down.Store(false)
	u.Press(c, u.Message(c, again.ID), "取消")
	wantText(t, "取消", u.Message(c, again.ID).Text, []string{"保留您之前的回答"})
	if got := stored(t, u, c, period); got.Wellbeing != 2 || got.Note != "谢谢组织关心" {
		t.Errorf("after 取消 the answer is %+v; want the first round back", got)
	}
	if !strings.Contains(u.Message(c, q.ID).Text, "已记录") && !strings.Contains(u.Message(c, q.ID).Text, "已收到") {
		t.Errorf("the first round's message reads %q", u.Message(c, q.ID).Text)
	}
}
