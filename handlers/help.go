package handlers

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/checkin"
)

// /help is written per role: what this person can do, in the order they will need it, then the
// commands. The texts live here and only here.

var (
	helpAsk = "【政策咨询】直接打字提问即可，例如「提拔看哪些方面？」「犯了错误还能容错吗？」；发送 /topics 按主题浏览。回答都注明出处。"

	helpGuest = "【绑定身份】如您是本区干部，请向组织部索取邀请码，发送「/start 邀请码」完成绑定，之后可使用关爱问卷等功能。"

	helpFourLists = "【四项清单】您新任主要领导后，组织部会按时向您发送四份清单：权力清单（岗位权力边界）、" +
		"责任清单（必须落实的责任）、负面清单（纪律红线）和风险防控清单（岗位风险点及防控措施），任职满一个月时再回访一次。每份读完后请点消息下方的「已阅知」：这是向组织部登记的阅知确认，" +
		"组织部能看到您是否已确认、何时确认；未确认时会再次提醒。"

	helpHR = "【组织部工作】\n" +
		"• 新任职领导：/appoint 登记，之后四项清单按时自动发出；/reminders 查看谁已阅知、谁还没有。\n" +
		"• 干部绑定：/invite 生成邀请码，发给本人绑定身份。\n" +
		"• 关爱问卷：/summary 查看汇总（每期结束后显示数据，作答不足 " + strconv.Itoa(ganwei.MinGroupSize) + " 人的单位不显示）；/cases 处理谈心谈话等跟进事项，查看个人回答会记入审计日志。\n" +
		"• 知识库：/unanswered 查看答不上来的提问，供补充知识库。"

	helpAdmin = "【管理员】/users 查看人员及角色，/role 调整或撤销角色，/audit 查看个人数据的查看记录。"
)

// helpCheckIn explains the check-in to a cadre: who sees the answers and how to delete them.
func helpCheckIn() string {
	return fmt.Sprintf("【关爱问卷】组织部定期请您花一分钟回答 %d 个小问题（身心状态、工作压力、支持、待遇、是否想谈一谈），也可随时发送 /checkin 填写。", checkInQuestions) +
		"您的具体回答只有您本人和组织部授权人员可见，每次查看都记入审计日志；汇总只显示整体情况，不显示个人。" +
		fmt.Sprintf("如选择希望谈一谈，组织部会在 %d 个工作日内与您联系。", checkin.FollowUpWorkingDays) +
		"/mycheckins 查看自己的记录，/forgetme 删除您的问卷和资料。"
}

// help sends the role's help text.
func (h *Handlers) help(ctx context.Context, r *Request) {
	h.send(ctx, r.ChatID, h.helpText(ctx, r.User), nil)
}

// helpText is /help for u: sections by role, where a new leader stands in the 四项清单, then
// the commands u may use.
func (h *Handlers) helpText(ctx context.Context, u *ganwei.User) string {
	sections := []string{fmt.Sprintf("%s！我是敢为助手，下面是您可以使用的功能。", ganwei.GreetingFor(u)), helpAsk}
	role := u.Role
	if role == ganwei.RoleGuest {
		sections = append(sections, helpGuest)
	}
	if role.AtLeast(ganwei.RoleCadre) && h.CheckIns != nil {
		sections = append(sections, helpCheckIn())
	}
	if a := h.leaderAppointment(ctx); a != nil {
		sections = append(sections, helpFourLists+"\n"+h.sequenceProgress(a))
	}
	if role.IsStaff() {
		sections = append(sections, helpHR)
	}
	if role.AtLeast(ganwei.RoleAdmin) {
		sections = append(sections, helpAdmin)
	}
	var cmds strings.Builder
	cmds.WriteString("全部命令：")
	for _, c := range h.Commands(role) {
		fmt.Fprintf(&cmds, "\n/%s — %s", c.Name, c.Description)
	}
	sections = append(sections, cmds.String())
	if h.Contact != "" {
		sections = append(sections, fmt.Sprintf("遇到问题请联系%s。", h.Contact))
	}
	return strings.Join(sections, "\n\n")
}

// leaderAppointment is the actor's running 四项清单 appointment, or nil (none, reminders not
// wired, or the store unreachable: help then leaves the section out rather than fail).
func (h *Handlers) leaderAppointment(ctx context.Context) *ganwei.Appointment {
	if h.office == nil {
		return nil
	}
	a, err := h.office.Mine(ctx)
	if err != nil {
		h.Logger.Warn("list appointments for help", "err", err)
		return nil
	}
	return a
}

// sequenceProgress shows where the leader stands: each list with its state, and when the next
// one comes.
func (h *Handlers) sequenceProgress(a *ganwei.Appointment) string {
	var b strings.Builder
	fmt.Fprintf(&b, "您的进度（%s）：", strings.TrimSpace(a.Unit+a.Position))
	var next *ganwei.StepState
	for i, st := range a.Steps {
		state := st.Status.Label()
		switch st.Status {
		case ganwei.StepAcknowledged:
			state = "已阅知 " + h.fmtTime(st.AckedAt)
		case ganwei.StepSent:
			state = "已发送，待您点「已阅知」"
			if !st.NeedsAck {
				state = "已发送"
			}
		case ganwei.StepScheduled:
			state = "将于 " + h.fmtTime(st.DueAt) + " 发送"
			if next == nil {
				next = st
			}
		}
		fmt.Fprintf(&b, "\n%d. %s — %s", i+1, st.Title, state)
	}
	switch {
	case a.Status == ganwei.AppointmentPaused:
		b.WriteString("\n组织部已暂停后续清单的发送。")
	case next != nil:
		fmt.Fprintf(&b, "\n下一份：《%s》，%s 发给您。", next.Title, h.fmtTime(next.DueAt))
	default:
		b.WriteString("\n四份清单都已发出。")
	}
	return b.String()
}
