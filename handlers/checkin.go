package handlers

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"

	"github.com/ganwei-bot/ganwei"
)

// The check-in dialog: five button questions and an optional free-text line. Its state is a
// ganwei.Dialog of kind "checkin" in Redis, so a restart mid-dialog continues where the person
// was. Answers are never logged: log lines carry ids and error causes only.

const dialogCheckIn = "checkin"

// msgUseLatestCheckIn answers a press on a button of an earlier question or questionnaire.
const msgUseLatestCheckIn = "请使用最新一条问卷消息里的按钮。"

// Dialog steps, in order.
var checkinSteps = []string{"w", "s", "sup", "ben", "talk", "note"}

func (h *Handlers) registerCheckIn() {
	if h.CheckIns == nil || h.Periods == nil {
		return // check-ins not wired (a tool or test that builds Handlers without them)
	}
	h.addCommand(&command{name: "checkin", desc: "填写关爱问卷", minRole: ganwei.RoleCadre, fn: h.checkinCmd})
	h.addCommand(&command{name: "mycheckins", desc: "查看我的问卷记录", minRole: ganwei.RoleCadre, fn: h.myCheckIns})
	// Anyone may delete what is stored about them, also after their role was revoked.
	h.addCommand(&command{name: "forgetme", desc: "删除我的问卷和资料", minRole: ganwei.RoleGuest, fn: h.forgetMe})
	h.addCallback("ci", ganwei.RoleCadre, h.checkinButton)
	h.addCallback("fg", ganwei.RoleGuest, h.forgetButton)
	h.addDialog(dialogCheckIn, h.checkinText)
	h.registerCheckInStaff()
}

// SendCheckInPrompt is the scheduled prompt (or reminder): a short, kind invitation with a start
// button. The dialog begins only when the person presses it, so nothing expires unseen.
func (h *Handlers) SendCheckInPrompt(ctx context.Context, u *ganwei.User, p ganwei.Period, reminder bool) error {
	name := u.Name
	if name == "" {
		name = "您"
	}
	text := fmt.Sprintf("%s好！本期关爱问卷（%s）来了：5 个小问题，点按钮就能答，不到一分钟。\n"+
		"您的回答只有您本人和组织部授权人员可见，汇总时不显示个人。", name, p.Label)
	if reminder {
		text = fmt.Sprintf("%s好，轻轻提醒一下：本期关爱问卷（%s）您还没有填写。有空时点下面的按钮就好，不到一分钟。", name, p.Label)
	}
	_, err := h.Messenger.Send(ctx, u.ID, text, keyboard([]models.InlineKeyboardButton{button("开始填写", "ci:go")}))
	return err
}

// checkinCmd starts the dialog, or continues an open one.
func (h *Handlers) checkinCmd(ctx context.Context, r *Request) {
	d, err := h.loadDialog(ctx, r.User.ID)
	if err != nil {
		h.fail(ctx, r.ChatID, "load dialog", err)
		return
	}
	if d != nil && d.Kind == dialogCheckIn {
		id := h.send(ctx, r.ChatID, "接着上次的进度继续：\n\n"+h.question(d), h.questionKeyboard(d))
		d.MessageID = id
		h.saveDialog(ctx, r, d)
		return
	}
	d = h.newCheckInDialog(ctx, r.User.ID)
	d.MessageID = h.send(ctx, r.ChatID, h.question(d), h.questionKeyboard(d))
	h.saveDialog(ctx, r, d)
}

// newCheckInDialog starts a check-in for the current period, noting when the person already
// answered it (the first question then says the new answer replaces the old).
func (h *Handlers) newCheckInDialog(ctx context.Context, userID int64) *ganwei.Dialog {
	p := h.Periods.PeriodAt(h.Now())
	d := &ganwei.Dialog{Kind: dialogCheckIn, Step: checkinSteps[0], Data: map[string]string{"period": p.ID}}
	if prev, err := h.CheckIns.CheckIn(ctx, userID, p.ID); err == nil && prev != nil {
		d.Data["again"] = "1"
	}
	return d
}

// question is the text of the dialog's current step.
func (h *Handlers) question(d *ganwei.Dialog) string {
	head := fmt.Sprintf("关爱问卷 · %s\n", ganwei.PeriodLabel(d.Data["period"]))
	switch d.Step {
	case "w":
		intro := "回答只有您本人和组织部授权人员可见。\n\n"
		if d.Data["again"] == "1" {
			intro = "您本期已经填过了，重新填写会替换上次的回答。\n\n"
		}
		return head + intro + "1/5 最近一段时间，您的身心状态怎么样？\n（1 很差 … 5 很好）"
	case "s":
		return head + "2/5 工作压力大吗？\n（1 很轻 … 5 很大）"
	case "sup":
		return head + "3/5 工作中得到的支持够吗？"
	case "ben":
		return head + "4/5 休假、体检、补贴等待遇落实了吗？"
	case "talk":
		return head + "5/5 想和组织谈一谈吗？（谈心谈话）"
	case "note":
		return head + "最后，还有什么想对组织说的吗？直接回复一句话即可，也可以跳过。"
	}
	return head
}

func (h *Handlers) questionKeyboard(d *ganwei.Dialog) *models.InlineKeyboardMarkup {
	a := func(text, val string) models.InlineKeyboardButton { return button(text, "ci:a:"+d.Step+":"+val) }
	var rows [][]models.InlineKeyboardButton
	switch d.Step {
	case "w":
		rows = append(rows, []models.InlineKeyboardButton{a("1 很差", "1"), a("2", "2"), a("3", "3"), a("4", "4"), a("5 很好", "5")})
	case "s":
		rows = append(rows, []models.InlineKeyboardButton{a("1 很轻", "1"), a("2", "2"), a("3", "3"), a("4", "4"), a("5 很大", "5")})
	case "sup":
		var row []models.InlineKeyboardButton
		for _, v := range ganwei.Supports {
			row = append(row, a(v.Label(), string(v)))
		}
		rows = append(rows, row)
	case "ben":
		var row []models.InlineKeyboardButton
		for _, v := range ganwei.BenefitsAll {
			row = append(row, a(v.Label(), string(v)))
		}
		rows = append(rows, row)
	case "talk":
		rows = append(rows, []models.InlineKeyboardButton{a("希望谈一谈", "1"), a("暂时不用", "0")})
	case "note":
		rows = append(rows, []models.InlineKeyboardButton{button("跳过", "ci:skip")})
	}
	nav := []models.InlineKeyboardButton{}
	if d.Step != checkinSteps[0] {
		nav = append(nav, button("← 上一步", "ci:back"))
	}
	nav = append(nav, button("取消", "ci:cancel"))
	return keyboard(append(rows, nav)...)
}

func stepIndex(step string) int {
	for i, s := range checkinSteps {
		if s == step {
			return i
		}
	}
	return -1
}

// validAnswer accepts only what the step's buttons offer: a modified client could send anything.
func validAnswer(step, val string) bool {
	switch step {
	case "w", "s":
		n, err := strconv.Atoi(val)
		return err == nil && n >= 1 && n <= 5
	case "sup":
		for _, v := range ganwei.Supports {
			if string(v) == val {
				return true
			}
		}
	case "ben":
		for _, v := range ganwei.BenefitsAll {
			if string(v) == val {
				return true
			}
		}
	case "talk":
		return val == "0" || val == "1"
	}
	return false
}

// checkinButton handles every check-in button: ci:go, ci:a:{step}:{value}, ci:back, ci:cancel,
// ci:skip.
func (h *Handlers) checkinButton(ctx context.Context, r *Request, data string) {
	d, err := h.loadDialog(ctx, r.User.ID)
	if err != nil {
		h.answer(ctx, r.Callback.ID, "", false)
		h.fail(ctx, r.ChatID, "load dialog", err)
		return
	}
	if d != nil && d.Kind != dialogCheckIn {
		d = nil
	}
	if data == "go" {
		h.answer(ctx, r.Callback.ID, "", false)
		if d == nil {
			d = h.newCheckInDialog(ctx, r.User.ID)
		}
		d.MessageID = r.MessageID
		if h.saveDialog(ctx, r, d) {
			h.edit(ctx, r, h.question(d), h.questionKeyboard(d))
		}
		return
	}
	if d == nil {
		h.answer(ctx, r.Callback.ID, "这份问卷已经结束或超时了，发送 /checkin 可以重新填写。", true)
		return
	}
	if d.MessageID != 0 && r.MessageID != 0 && d.MessageID != r.MessageID {
		h.answer(ctx, r.Callback.ID, msgUseLatestCheckIn, false)
		return
	}
	d.MessageID = r.MessageID
	switch {
	case data == "cancel":
		if err := h.Dialogs.ClearDialog(ctx, r.User.ID); err != nil {
			h.answer(ctx, r.Callback.ID, "", false)
			h.fail(ctx, r.ChatID, "clear dialog", err)
			return
		}
		h.answer(ctx, r.Callback.ID, "已取消", false)
		h.edit(ctx, r, "已取消本次问卷，没有保存任何回答。想填写时随时发送 /checkin。", nil)
		return
	case data == "back":
		if i := stepIndex(d.Step); i > 0 {
			d.Step = checkinSteps[i-1]
		}
	case data == "skip":
		if d.Step != "note" {
			h.answer(ctx, r.Callback.ID, msgUseLatestCheckIn, false)
			return
		}
		h.answer(ctx, r.Callback.ID, "", false)
		h.finishCheckIn(ctx, r, d, "", true)
		return
	case strings.HasPrefix(data, "a:"):
		step, val, _ := strings.Cut(strings.TrimPrefix(data, "a:"), ":")
		if step != d.Step || !validAnswer(step, val) {
			h.answer(ctx, r.Callback.ID, msgUseLatestCheckIn, false)
			return
		}
		d.Data[step] = val
		d.Step = checkinSteps[stepIndex(step)+1]
	default:
		h.answer(ctx, r.Callback.ID, msgStaleButton, true)
		return
	}
	if !h.saveDialog(ctx, r, d) {
		h.answer(ctx, r.Callback.ID, "", false)
		return
	}
	h.answer(ctx, r.Callback.ID, "", false)
	h.edit(ctx, r, h.question(d), h.questionKeyboard(d))
}

// checkinText takes the free-text line.
func (h *Handlers) checkinText(ctx context.Context, r *Request, d *ganwei.Dialog) {
	if d.Step != "note" {
		// Only the last step takes text. Anything typed before it is a question in its own
		// right: answer it, and leave the check-in waiting on its buttons.
		if h.onText != nil {
			h.onText(ctx, r)
		}
		h.send(ctx, r.ChatID, "您的关爱问卷还没填完，可以继续点问卷消息里的按钮；想退出可以点「取消」或发送 /cancel。", nil)
		return
	}
	note := strings.TrimSpace(r.Text)
	if utf8.RuneCountInString(note) > ganwei.MaxNoteLen {
		h.send(ctx, r.ChatID, fmt.Sprintf("这句话有点长，请精简到 %d 字以内再发给我，或点「跳过」。", ganwei.MaxNoteLen), nil)
		return
	}
	h.finishCheckIn(ctx, r, d, note, false)
}

// finishCheckIn saves the answer and its aggregates in one step and says what happens next.
func (h *Handlers) finishCheckIn(ctx context.Context, r *Request, d *ganwei.Dialog, note string, fromButton bool) {
	w, _ := strconv.Atoi(d.Data["w"])
	s, _ := strconv.Atoi(d.Data["s"])
	c := &ganwei.CheckIn{
		UserID: r.User.ID, Unit: r.User.Unit, Period: d.Data["period"], Wellbeing: w, Stress: s,
		Support: ganwei.Support(d.Data["sup"]), Benefits: ganwei.Benefits(d.Data["ben"]),
		Talk: d.Data["talk"] == "1", Note: note,
	}
	res, err := h.CheckIns.SubmitCheckIn(ctx, c)
	if err != nil {
		// The dialog stays as it was: pressing 跳过 or sending the line again retries, and the
		// store never counts an answer twice.
		if ganwei.ErrorCode(err) == ganwei.EUNAVAILABLE {
			h.Logger.Error("save check-in", "user_id", r.User.ID, "err", err)
			h.send(ctx, r.ChatID, "抱歉，系统暂时繁忙，这次回答还没有保存。请过几分钟再点「跳过」或重新发送，已选的答案都还在。", nil)
			return
		}
		h.fail(ctx, r.ChatID, "save check-in", err)
		return
	}
	if err := h.Dialogs.ClearDialog(ctx, r.User.ID); err != nil {
		h.Logger.Warn("clear check-in dialog", "user_id", r.User.ID, "err", err)
	}
	h.Logger.Info("check-in recorded", "user_id", r.User.ID, "period", c.Period) // never the answers, nor whether they asked for help
	var b strings.Builder
	b.WriteString("已记录，谢谢您抽出时间。")
	if res.Updated {
		b.WriteString("本期之前的回答已替换为这一次。")
	}
	b.WriteString("\n\n接下来：")
	if res.CaseID != "" {
		fmt.Fprintf(&b, "组织部会安排专人在近几个工作日内与您联系（%s），请留意电话或消息。", strings.Join(c.FollowUpReasons(), "、"))
		if h.Contact != "" {
			fmt.Fprintf(&b, "如有急事，也可以直接联系%s。", h.Contact)
		}
	} else {
		b.WriteString("您的回答只计入汇总，组织部看到的是整体情况。")
	}
	b.WriteString("\n本期内想修改，再发送 /checkin 即可；/mycheckins 查看自己的记录，/forgetme 可删除。")
	text := b.String()
	if fromButton {
		h.edit(ctx, r, text, nil)
		return
	}
	if d.MessageID != 0 {
		_ = h.Messenger.Edit(ctx, r.ChatID, d.MessageID, h.question(d)+"\n\n（已收到您的补充）", nil)
	}
	h.send(ctx, r.ChatID, text, nil)
}

// edit replaces the message the button belongs to, or sends a new one when there is none.
func (h *Handlers) edit(ctx context.Context, r *Request, text string, kb *models.InlineKeyboardMarkup) {
	if r.MessageID == 0 {
		h.send(ctx, r.ChatID, text, kb)
		return
	}
	if err := h.Messenger.Edit(ctx, r.ChatID, r.MessageID, text, kb); err != nil {
		h.Logger.Warn("edit message", "chat_id", r.ChatID, "err", err)
	}
}

// answerLine renders one answer for its owner or authorised HR.
func answerLine(c *ganwei.CheckIn) string {
	talk := "否"
	if c.Talk {
		talk = "是"
	}
	line := fmt.Sprintf("身心状态 %d · 工作压力 %d · 工作支持 %s · 待遇 %s · 希望谈心 %s",
		c.Wellbeing, c.Stress, c.Support.Label(), c.Benefits.Label(), talk)
	if c.Note != "" {
		line += "\n  补充：" + c.Note
	}
	return line
}

// myCheckIns shows the person their own answers (no audit entry: it is their own data).
func (h *Handlers) myCheckIns(ctx context.Context, r *Request) {
	list, err := h.CheckIns.CheckIns(ctx, r.User.ID, 12)
	if err != nil {
		h.fail(ctx, r.ChatID, "list own check-ins", err)
		return
	}
	if len(list) == 0 {
		h.send(ctx, r.ChatID, "您还没有填写过关爱问卷。发送 /checkin 开始，不到一分钟。", nil)
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "您最近 %d 次的关爱问卷：\n", len(list))
	for _, c := range list {
		fmt.Fprintf(&b, "\n%s\n%s\n", ganwei.PeriodLabel(c.Period), answerLine(c))
	}
	b.WriteString("\n这些记录只有您本人和组织部授权人员可见。发送 /forgetme 可全部删除。")
	h.send(ctx, r.ChatID, b.String(), nil)
}

// forgetMe asks for confirmation before deleting.
func (h *Handlers) forgetMe(ctx context.Context, r *Request) {
	h.send(ctx, r.ChatID, "确定要删除您的全部问卷回答、跟进记录中的身份和个人资料吗？\n"+
		"删除后无法恢复；汇总统计里的人数会保留，但不再与您关联。删除后如需继续使用，请向组织部重新索取邀请码。",
		keyboard([]models.InlineKeyboardButton{button("确认删除", "fg:yes"), button("取消", "fg:no")}))
}

func (h *Handlers) forgetButton(ctx context.Context, r *Request, data string) {
	h.answer(ctx, r.Callback.ID, "", false)
	if data != "yes" {
		h.edit(ctx, r, "好的，没有删除任何内容。", nil)
		return
	}
	if err := h.CheckIns.ForgetCheckIns(ctx, r.User.ID); err != nil {
		h.fail(ctx, r.ChatID, "forget check-ins", err)
		return
	}
	h.Logger.Info("user data deleted on request", "user_id", r.User.ID)
	h.syncMenu(ctx, &ganwei.User{ID: r.User.ID, Role: ganwei.RoleGuest})
	h.edit(ctx, r, "已删除您的问卷回答、个人资料和跟进记录中的身份信息。汇总统计只保留人数，不再与您关联。感谢您一直以来的配合。", nil)
}
