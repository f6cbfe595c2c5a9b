//go:build !nodemo

package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/redisstore"
)

// The scripted tour (ganwei demo --tour): a short, narrated walk through the three jobs, played
// on the same chat as the interactive demo and ended by itself. Lines starting with "》" are the
// narration; the others are demo input, as a person would type them.

// tourColleagues answer the check-in alongside the demo cadre, so that the summary has enough
// answers per unit to show figures (units with fewer than ganwei.MinGroupSize are hidden).
var tourColleagues = []ganwei.User{
	{ID: 20101, Name: "李强", Unit: "吴江区发改委", Position: "科长", Role: ganwei.RoleCadre},
	{ID: 20102, Name: "王芳", Unit: "吴江区发改委", Position: "科员", Role: ganwei.RoleCadre},
	{ID: 20103, Name: "赵敏", Unit: "七都镇", Position: "副镇长", Role: ganwei.RoleCadre},
	{ID: 20104, Name: "孙磊", Unit: "七都镇", Position: "党政办主任", Role: ganwei.RoleCadre},
	{ID: 20105, Name: "周洁", Unit: "七都镇", Position: "科员", Role: ganwei.RoleCadre},
}

// tourScript is the tour for a demo starting at now; periodEnd is when the running check-in
// period closes (its figures are shown after that); leader is the person id of the new leader
// the tour registers (on 企业微信 it is his 企业微信 chat id).
func tourScript(now, periodEnd time.Time, loc *time.Location, leader string) []string {
	return []string{
		"》敢为助手做三件事：解答干部政策问题；按时向新任职主要领导发送“四项清单”；定期请干部填写关爱问卷。下面用两分钟走一遍，演示时间为 " + demoTime(now, loc) + "。",
		"》一、政策咨询。一位还没有绑定身份的访客直接提问：",
		":as guest",
		"犯了错误还能容错吗？",
		"》二、四项清单。组织部李娟登记新任职的七都镇党委书记陈刚：",
		":as hr",
		"/appoint " + leader + " 陈刚 党委书记 七都镇 " + now.In(loc).Format("2006年1月2日"),
		":press 确认登记",
		"》第一份《任职提醒告知》已发给陈刚。切换为陈刚，读完后点“已阅知”（这是向组织部登记的阅知确认）：",
		":as leader",
		":press 已阅知",
		"》陈刚随时可以发送 /help 查看自己走到了哪一步、下一份何时发来：",
		"/help",
		"》组织部查看谁已阅知：",
		":as hr",
		"/reminders",
		"》三、关爱问卷。干部张伟填写本期问卷（另有 5 位同事已经填写，演示自动生成）：",
		":as cadre",
		"/checkin",
		":press 较好",
		":press 一般",
		":press 部分到位",
		":press 都已落实",
		":press 希望谈一谈",
		":press 跳过",
		"》为保护个人，汇总只显示已经结束的一期，作答不足 3 人的单位不显示。把时间拨到本期结束之后（期间机器人照常发出到期的清单和提醒）：",
		":advance to " + periodEnd.Add(time.Hour).In(loc).Format("2006-01-02 15:04"),
		"》组织部查看汇总和待跟进事项：",
		":as hr",
		"/summary",
		"/cases",
		"》导览结束。运行 ganwei demo 可以自己以各个身份试用（:as cadre|leader|hr|admin|guest）。",
	}
}

// seedTour stores the tour's colleagues and their answers for the running period.
func seedTour(ctx context.Context, store *redisstore.Store, period string) error {
	answers := []struct {
		w, s int
		sup  ganwei.Support
		ben  ganwei.Benefits
	}{{4, 3, ganwei.SupportEnough, ganwei.BenefitsOK}, {3, 4, ganwei.SupportPartly, ganwei.BenefitsOK},
		{4, 2, ganwei.SupportEnough, ganwei.BenefitsOK}, {2, 4, ganwei.SupportPartly, ganwei.BenefitsPending},
		{5, 2, ganwei.SupportEnough, ganwei.BenefitsOK}}
	for i, u := range tourColleagues {
		if err := store.SaveUser(ctx, &u); err != nil {
			return fmt.Errorf("seed tour colleague: %w", err)
		}
		a := answers[i]
		if _, err := store.SubmitCheckIn(ctx, &ganwei.CheckIn{UserID: u.ID, Unit: u.Unit, Period: period,
			Wellbeing: a.w, Stress: a.s, Support: a.sup, Benefits: a.ben, TalkAnswered: true}); err != nil {
			return fmt.Errorf("seed tour answer: %w", err)
		}
	}
	return nil
}

// tour plays the script and returns.
func (c *demoChat) tour(ctx context.Context, script []string) error {
	for _, line := range script {
		if ctx.Err() != nil {
			return nil
		}
		if text, ok := strings.CutPrefix(line, "》"); ok {
			c.printf("\n【导览】%s\n", text)
			continue
		}
		c.printf("%s> %s\n", c.who.user.Name, line)
		if _, err := c.do(ctx, line); err != nil {
			return fmt.Errorf("tour step %q: %w", line, err)
		}
	}
	return nil
}
