package handlers

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/width"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/checkin"
	"github.com/ganwei-bot/ganwei/knowledge"
)

// The check-in dialog: five button questions and an optional free-text line. Its state is a
// ganwei.Dialog of kind "checkin" in Redis, so a restart mid-dialog continues where the person
// was. Answers are never logged: log lines carry ids and error causes only.

const dialogCheckIn = "checkin"

// msgUseLatestCheckIn answers a press on a button of an earlier question or questionnaire.
const msgUseLatestCheckIn = "请使用最新一条问卷消息里的按钮。"

// checkInQuestions is how many button questions a check-in has: every step but the optional line.
var checkInQuestions = len(checkinSteps) - 1

// Dialog steps, in order.
var checkinSteps = []string{ganwei.QuestionWellbeing, ganwei.QuestionStress, ganwei.QuestionSupport, ganwei.QuestionBenefits, ganwei.QuestionTalk, ganwei.QuestionNote}

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
	h.addDialog(dialogCheckIn, ganwei.RoleCadre, h.checkinText)
	h.registerCheckInStaff()
}

// SendCheckInPrompt is the scheduled prompt (or reminder): a short, kind invitation with a start
// button. The dialog begins only when the person presses it, so nothing expires unseen.
func (h *Handlers) SendCheckInPrompt(ctx context.Context, u *ganwei.User, p ganwei.Period, reminder bool) error {
	text := fmt.Sprintf("%s！本期关爱问卷（%s）请您填写：共 %d 个小问题，点按钮作答，约需一分钟。\n"+
		"您的回答只有您本人和组织部授权人员可见，汇总时不显示个人。", ganwei.GreetingFor(u), p.Label, checkInQuestions)
	if reminder {
		text = fmt.Sprintf("%s！提醒一下：本期关爱问卷（%s）您还没有填写。方便时点下面的按钮即可，约需一分钟。", ganwei.GreetingFor(u), p.Label)
	}
	_, err := h.Messenger.Send(ganwei.ToPerson(ctx), u.ID, text, keyboard([]ganwei.Button{button("开始填写", "ci:go")}))
	return err
}

// checkinCmd starts the dialog, or continues an open one.
func (h *Handlers) checkinCmd(ctx context.Context, r *Request) {
	d, err := h.loadDialog(ctx, r.User.ID)
	if err != nil {
		h.fail(ctx, r.ChatID, "load dialog", err)
		return
	}
	if d != nil && d.Kind == dialogCheckIn && h.ofRunningPeriod(d) {
		id := h.send(ctx, r.ChatID, "接着上次的进度继续：\n\n"+h.question(d), h.questionKeyboard(d))
		d.MessageID = id
		h.saveDialog(ctx, r, d)
		return
	}
	d = h.newCheckInDialog(ctx, r.User.ID)
	d.MessageID = h.send(ctx, r.ChatID, h.question(d), h.questionKeyboard(d))
	h.saveDialog(ctx, r, d)
}

// newCheckInDialog starts a check-in for the current period. When the person already answered
// it, the dialog starts from that answer (each step replaces one answer, saved at once) and keeps
// a copy, so that 取消 can put the earlier answer back.
func (h *Handlers) newCheckInDialog(ctx context.Context, userID int64) *ganwei.Dialog {
	p := h.Periods.PeriodAt(h.Now())
	d := &ganwei.Dialog{Kind: dialogCheckIn, Step: checkinSteps[0], Data: map[string]string{"period": p.ID}}
	if prev, err := h.CheckIns.CheckIn(ctx, userID, p.ID); err == nil && prev != nil {
		d.Data["again"] = "1"
		for k, v := range checkInFields(prev) {
			d.Data[k] = v
			d.Data["old."+k] = v
		}
		if prev.Note != "" {
			// Kept until a new line replaces it: 跳过 in a second round keeps the first line.
			d.Data[ganwei.QuestionNote], d.Data["old."+ganwei.QuestionNote] = prev.Note, prev.Note
		}
	}
	return d
}

// checkInFields renders the answered questions of c as dialog data.
func checkInFields(c *ganwei.CheckIn) map[string]string {
	m := map[string]string{}
	if c.Wellbeing > 0 {
		m[ganwei.QuestionWellbeing] = strconv.Itoa(c.Wellbeing)
	}
	if c.Stress > 0 {
		m[ganwei.QuestionStress] = strconv.Itoa(c.Stress)
	}
	if c.Support != "" {
		m[ganwei.QuestionSupport] = string(c.Support)
	}
	if c.Benefits != "" {
		m[ganwei.QuestionBenefits] = string(c.Benefits)
	}
	if c.TalkAnswered {
		m[ganwei.QuestionTalk] = "0"
		if c.Talk {
			m[ganwei.QuestionTalk] = "1"
		}
	}
	return m
}

// checkInFromDialog builds the check-in from the dialog's answers; prefix "old." gives the answer
// the dialog started from.
func checkInFromDialog(u *ganwei.User, d *ganwei.Dialog, prefix string) *ganwei.CheckIn {
	w, _ := strconv.Atoi(d.Data[prefix+ganwei.QuestionWellbeing])
	s, _ := strconv.Atoi(d.Data[prefix+ganwei.QuestionStress])
	talk := d.Data[prefix+ganwei.QuestionTalk]
	return &ganwei.CheckIn{
		UserID: u.ID, Unit: u.Unit, Period: d.Data["period"], Wellbeing: w, Stress: s,
		Support: ganwei.Support(d.Data[prefix+ganwei.QuestionSupport]), Benefits: ganwei.Benefits(d.Data[prefix+ganwei.QuestionBenefits]),
		Talk: talk == "1", TalkAnswered: talk != "", Note: d.Data[prefix+ganwei.QuestionNote],
	}
}

// question is the text of the dialog's current step.
func (h *Handlers) question(d *ganwei.Dialog) string {
	head := fmt.Sprintf("关爱问卷 · %s\n", ganwei.PeriodLabel(d.Data["period"]))
	switch d.Step {
	case ganwei.QuestionWellbeing:
		intro := "回答只有您本人和组织部授权人员可见，每答一题即保存。\n\n"
		if d.Data["again"] == "1" {
			intro = "您本期已经填过了，重新选择会逐题替换上次的回答。\n\n"
		}
		return head + intro + "1/5 最近一段时间，您的身心状态怎么样？\n" + scaleLegend(d.Step)
	case ganwei.QuestionStress:
		return head + "2/5 最近的工作压力有多大？\n" + scaleLegend(d.Step)
	case ganwei.QuestionSupport:
		return head + "3/5 工作中得到的支持够吗？"
	case ganwei.QuestionBenefits:
		return head + "4/5 休假、体检、补贴等待遇落实了吗？"
	case ganwei.QuestionTalk:
		return head + "5/5 想和组织谈一谈吗？（谈心谈话）"
	case ganwei.QuestionNote:
		return head + "五个问题都已保存，谢谢！\n最后，还有什么想对组织说的吗？直接回复一句话即可，也可以点「跳过」。"
	}
	return head
}

// scaleLabels name each point of the two scales, stored as 1–5 (身心 5 is best, 压力 5 is the
// heaviest: the stored meaning is unchanged so earlier answers and aggregates stay comparable).
// Every button says in words what it means, so the direction of the numbers does not matter.
var scaleLabels = map[string][]string{
	ganwei.QuestionWellbeing: {"很差", "较差", "一般", "较好", "很好"},
	ganwei.QuestionStress:    {"很轻", "较轻", "一般", "较重", "很重"},
}

// scaleLegend is the one line above a scale's buttons.
func scaleLegend(step string) string {
	l := scaleLabels[step]
	return fmt.Sprintf("（请点最贴近的一项：从左到右 %s → %s）", l[0], l[len(l)-1])
}

// stepOptions are the values a step's buttons offer, in the order shown; typing the position
// ("1", "2", ...) picks the same value.
func stepOptions(step string) []string {
	switch step {
	case ganwei.QuestionWellbeing, ganwei.QuestionStress:
		return []string{"1", "2", "3", "4", "5"}
	case ganwei.QuestionSupport:
		out := make([]string, len(ganwei.Supports))
		for i, v := range ganwei.Supports {
			out[i] = string(v)
		}
		return out
	case ganwei.QuestionBenefits:
		out := make([]string, len(ganwei.BenefitsAll))
		for i, v := range ganwei.BenefitsAll {
			out[i] = string(v)
		}
		return out
	case ganwei.QuestionTalk:
		return []string{"1", "0"}
	}
	return nil
}

func (h *Handlers) questionKeyboard(d *ganwei.Dialog) ganwei.Keyboard {
	a := func(text, val string) ganwei.Button { return button(text, "ci:a:"+d.Step+":"+val) }
	var rows [][]ganwei.Button
	switch d.Step {
	case ganwei.QuestionWellbeing, ganwei.QuestionStress:
		var row []ganwei.Button
		for i, label := range scaleLabels[d.Step] {
			row = append(row, a(label, strconv.Itoa(i+1)))
		}
		rows = append(rows, row)
	case ganwei.QuestionSupport:
		var row []ganwei.Button
		for _, v := range ganwei.Supports {
			row = append(row, a(v.Label(), string(v)))
		}
		rows = append(rows, row)
	case ganwei.QuestionBenefits:
		var row []ganwei.Button
		for _, v := range ganwei.BenefitsAll {
			row = append(row, a(v.Label(), string(v)))
		}
		rows = append(rows, row)
	case ganwei.QuestionTalk:
		rows = append(rows, []ganwei.Button{a("希望谈一谈", "1"), a("暂时不用", "0")})
	case ganwei.QuestionNote:
		rows = append(rows, []ganwei.Button{button("跳过", "ci:skip")})
	}
	nav := []ganwei.Button{}
	if d.Step != checkinSteps[0] {
		nav = append(nav, button("← 上一步", "ci:back"))
	}
	if d.Step != ganwei.QuestionNote {
		nav = append(nav, button("取消", "ci:cancel"))
	}
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
	return slices.Contains(stepOptions(step), val)
}

// typedAnswer reads an answer typed instead of tapped: the option's position ("2", "２") or its
// label ("充分", "希望谈一谈").
func typedAnswer(step, text string) (string, bool) {
	opts := stepOptions(step)
	if opts == nil {
		return "", false
	}
	t := strings.TrimSpace(width.Narrow.String(strings.Trim(strings.TrimSpace(text), "。.！!")))
	if n, err := strconv.Atoi(t); err == nil && n >= 1 && n <= len(opts) {
		return opts[n-1], true
	}
	labels := map[string]string{}
	switch step {
	case ganwei.QuestionWellbeing, ganwei.QuestionStress:
		for i, l := range scaleLabels[step] {
			labels[l] = strconv.Itoa(i + 1)
		}
	case ganwei.QuestionSupport:
		for _, v := range ganwei.Supports {
			labels[v.Label()] = string(v)
		}
		labels["部分"] = string(ganwei.SupportPartly)
	case ganwei.QuestionBenefits:
		for _, v := range ganwei.BenefitsAll {
			labels[v.Label()] = string(v)
		}
		labels["已落实"], labels["未落实"] = string(ganwei.BenefitsOK), string(ganwei.BenefitsPending)
	case ganwei.QuestionTalk:
		for _, w := range []string{"希望谈一谈", "想", "希望", "是", "要"} {
			labels[w] = "1"
		}
		for _, w := range []string{"暂时不用", "不用", "不想", "否", "不"} {
			labels[w] = "0"
		}
	}
	v, ok := labels[t]
	return v, ok
}

// checkinButton handles every check-in button: ci:go, ci:a:{step}:{value}, ci:back, ci:cancel,
// ci:skip.
func (h *Handlers) checkinButton(ctx context.Context, r *Request, data string) {
	d, err := h.loadDialog(ctx, r.User.ID)
	if err != nil {
		h.answer(ctx, r.Action.ID, "", false)
		h.fail(ctx, r.ChatID, "load dialog", err)
		return
	}
	if d != nil && d.Kind != dialogCheckIn {
		d = nil
	}
	if data == "go" {
		h.answer(ctx, r.Action.ID, "", false)
		if d == nil || !h.ofRunningPeriod(d) {
			d = h.newCheckInDialog(ctx, r.User.ID)
		}
		d.MessageID = r.MessageID
		if h.saveDialog(ctx, r, d) {
			h.edit(ctx, r, h.question(d), h.questionKeyboard(d))
		}
		return
	}
	if d == nil {
		h.answer(ctx, r.Action.ID, "这份问卷已经结束或超时了，已作答的部分都已保存。发送 /checkin 可以重新填写。", true)
		return
	}
	if d.MessageID != 0 && r.MessageID != 0 && d.MessageID != r.MessageID {
		h.answer(ctx, r.Action.ID, msgUseLatestCheckIn, false)
		return
	}
	d.MessageID = r.MessageID
	switch {
	case data == "cancel":
		h.answer(ctx, r.Action.ID, "", false)
		h.cancelCheckIn(ctx, r, d)
		return
	case data == "back":
		if i := stepIndex(d.Step); i > 0 {
			d.Step = checkinSteps[i-1]
		}
	case data == "skip":
		if d.Step != ganwei.QuestionNote {
			h.answer(ctx, r.Action.ID, msgUseLatestCheckIn, false)
			return
		}
		h.answer(ctx, r.Action.ID, "", false)
		h.finishCheckIn(ctx, r, d, "", true)
		return
	case strings.HasPrefix(data, "a:"):
		step, val, _ := strings.Cut(strings.TrimPrefix(data, "a:"), ":")
		if step != d.Step || !validAnswer(step, val) {
			h.answer(ctx, r.Action.ID, msgUseLatestCheckIn, false)
			return
		}
		h.answer(ctx, r.Action.ID, "", false)
		if h.recordAnswer(ctx, r, d, step, val) {
			h.edit(ctx, r, h.question(d), h.questionKeyboard(d))
		}
		return
	default:
		h.answer(ctx, r.Action.ID, msgStaleButton, true)
		return
	}
	if !h.saveDialog(ctx, r, d) {
		h.answer(ctx, r.Action.ID, "", false)
		return
	}
	h.answer(ctx, r.Action.ID, "", false)
	h.edit(ctx, r, h.question(d), h.questionKeyboard(d))
}

// recordAnswer saves one answer at once (the check-in as far as it has gone), then moves the
// dialog to the next step. A talk request opens its case now and alerts HR. When the answer
// cannot be saved the dialog stays on the question and the person is told; it returns false.
func (h *Handlers) recordAnswer(ctx context.Context, r *Request, d *ganwei.Dialog, step, val string) bool {
	if h.endClosedCheckIn(ctx, r, d) {
		return false
	}
	prev := d.Data[step]
	d.Data[step] = val
	res, err := h.CheckIns.SubmitCheckIn(ctx, checkInFromDialog(r.User, d, ""))
	if err != nil {
		d.Data[step] = prev
		if ganwei.ErrorCode(err) == ganwei.EUNAVAILABLE {
			h.Logger.Error("save check-in answer", "user_id", r.User.ID, "err", err)
			h.send(ctx, r.ChatID, "抱歉，系统暂时繁忙，这一题的回答还没有保存。请过几分钟再点一次，之前的回答都已保存。", nil)
			return false
		}
		h.fail(ctx, r.ChatID, "save check-in answer", err)
		return false
	}
	h.Logger.Info("check-in answer recorded", "user_id", r.User.ID, "period", d.Data["period"]) // never the answer
	d.Data["saved"] = "1"
	if res.CaseID != "" {
		d.Data["case"] = res.CaseID
	}
	if res.TalkRequested {
		h.alertTalkRequest(ctx, r.User, res.CaseID)
	}
	d.Step = checkinSteps[stepIndex(step)+1]
	return h.saveDialog(ctx, r, d)
}

// ofRunningPeriod reports whether the check-in dialog belongs to the period running now. One of a
// closed period is not continued by /checkin or 开始填写: they start the running period's, and
// what the old one saved stays as it was.
func (h *Handlers) ofRunningPeriod(d *ganwei.Dialog) bool {
	return d.Data["period"] == h.Periods.PeriodAt(h.Now()).ID
}

// endClosedCheckIn ends a dialog whose period closed while it was open, and reports whether it
// did. The closed period's figures are on show: any change to them (an answer added, taken back
// or moved to another unit) could be told apart by reading them before and after. What was
// answered before the close is kept as it was.
func (h *Handlers) endClosedCheckIn(ctx context.Context, r *Request, d *ganwei.Dialog) bool {
	now := h.Periods.PeriodAt(h.Now())
	if d.Data["period"] == now.ID {
		return false
	}
	if err := h.Dialogs.ClearDialog(ctx, r.User.ID); err != nil {
		h.Logger.Warn("clear check-in dialog", "user_id", r.User.ID, "err", err)
	}
	h.send(ctx, r.ChatID, fmt.Sprintf("%s的问卷已经结束，之前已作答的部分都已保存并计入当期汇总，不能再修改或取消。发送 /checkin 可以填写本期（%s）问卷。",
		ganwei.PeriodLabel(d.Data["period"]), now.Label), nil)
	return true
}

// alertTalkRequest tells HR that someone asked for a talk, with a button to the case. The
// message names no one and carries no answers: opening the case shows them, and is audited.
// Every admin and every HR officer covering the person's unit (User.Covers) gets it.
func (h *Handlers) alertTalkRequest(ctx context.Context, from *ganwei.User, caseID string) {
	if caseID == "" {
		return
	}
	users, err := h.Users.Users(ctx)
	if err != nil {
		h.Logger.Warn("list staff for talk alert", "err", err)
		return
	}
	staff := map[int64]bool{}
	for _, u := range users {
		if u.Role.IsStaff() && u.Covers(from.Unit) {
			staff[u.ID] = true
		}
	}
	admins, err := ganwei.AdminPersons(ctx, h.Users, h.AdminIDs, users) // GANWEI_ADMIN_IDS, by their accounts
	if err != nil {
		h.Logger.Warn("find administrators for talk alert", "err", err)
	}
	for _, id := range admins {
		staff[id] = true
	}
	delete(staff, from.ID)
	kb := keyboard([]ganwei.Button{button("查看跟进事项", "cs:v:"+caseID)})
	for id := range staff {
		h.push(ctx, id, "关爱问卷提醒：有一位同志希望与组织谈心谈话，请尽快安排。\n点下面的按钮查看（查看会记入审计日志），或发送 /cases 查看全部待跟进事项。", kb)
	}
}

// cancelCheckIn ends the dialog and takes back what it saved: the earlier answer is put back
// when the dialog started from one, otherwise the partial answer is withdrawn.
func (h *Handlers) cancelCheckIn(ctx context.Context, r *Request, d *ganwei.Dialog) {
	if d.Data["saved"] == "1" && h.endClosedCheckIn(ctx, r, d) {
		return
	}
	var err error
	switch {
	case d.Data["saved"] != "1":
	case d.Data["again"] == "1":
		_, err = h.CheckIns.SubmitCheckIn(ctx, checkInFromDialog(r.User, d, "old."))
	default:
		err = h.CheckIns.WithdrawCheckIn(ctx, r.User.ID, d.Data["period"])
	}
	if err != nil {
		h.fail(ctx, r.ChatID, "cancel check-in", err)
		return
	}
	if err := h.Dialogs.ClearDialog(ctx, r.User.ID); err != nil {
		h.fail(ctx, r.ChatID, "clear dialog", err)
		return
	}
	text := "已取消本次问卷，这次选的回答都没有保留。想填写时随时发送 /checkin。"
	if d.Data["again"] == "1" {
		text = "已取消，本期保留您之前的回答。想修改时随时发送 /checkin。"
	}
	h.edit(ctx, r, text, nil)
}

// skipWords are what people type instead of tapping 跳过.
var skipWords = map[string]bool{"跳过": true, "跳过吧": true, "不用了": true, "没有": true, "没有了": true, "无": true, "skip": true}

// checkinText takes text typed while a check-in is open. It never reaches the language model nor
// the unanswered queue: it may be about the person's health. At a button step, an answer typed
// instead of tapped counts as tapped; a policy question gets the extractive answer, not
// recorded; anything else a reminder of where the check-in stands. At the last step the text is
// the optional line, and 跳过 skips it.
func (h *Handlers) checkinText(ctx context.Context, r *Request, d *ganwei.Dialog) {
	if d.Step != ganwei.QuestionNote {
		if val, ok := typedAnswer(d.Step, r.Text); ok {
			old := d.MessageID
			if !h.recordAnswer(ctx, r, d, d.Step, val) {
				return
			}
			if old != 0 {
				_ = h.Messenger.Edit(ctx, r.ChatID, old, "（已收到您输入的回答）", nil)
			}
			d.MessageID = h.send(ctx, r.ChatID, h.question(d), h.questionKeyboard(d))
			h.saveDialog(ctx, r, d)
			return
		}
		h.answerPrivately(ctx, r, r.Text)
		h.send(ctx, r.ChatID, "您的关爱问卷还没填完，请点问卷消息里的按钮（或直接输入选项的序号）；想对组织说的话可以在最后一步写下。想退出请点「取消」或发送 /cancel。", nil)
		return
	}
	note := strings.TrimSpace(r.Text)
	if skipWords[strings.ToLower(strings.Trim(note, "。.！!～~ "))] {
		h.finishCheckIn(ctx, r, d, "", false)
		return
	}
	if utf8.RuneCountInString(note) > ganwei.MaxNoteLen {
		h.send(ctx, r.ChatID, fmt.Sprintf("这句话有点长，请精简到 %d 字以内再发给我，或点「跳过」。", ganwei.MaxNoteLen), nil)
		return
	}
	h.finishCheckIn(ctx, r, d, note, false)
}

// answerPrivately answers a policy question typed during a check-in from the knowledge base
// alone: never the model, and nothing recorded (no feedback record, no unanswered queue). When
// the knowledge base has no answer it says nothing: the text was probably about the person.
func (h *Handlers) answerPrivately(ctx context.Context, r *Request, question string) {
	if h.Answerer == nil {
		return
	}
	ans := h.Answerer.AnswerWith(ctx, strings.TrimSpace(question), knowledge.AnswerOptions{Extractive: true})
	if !ans.Found {
		return
	}
	var kb ganwei.Keyboard
	var ids []string
	for _, s := range ans.Sources {
		ids = append(ids, s.ID)
	}
	if data := "kb:src:" + strings.Join(ids, "|"); len(ids) > 0 && len(data) <= MaxActionPayload {
		kb = keyboard([]ganwei.Button{button("📖 查看原文", data)})
	}
	h.send(ctx, r.ChatID, ans.Text, kb)
}

// inCheckIn reports whether the person has a check-in open (a Redis error counts as yes: then
// nothing goes to the model).
func (h *Handlers) inCheckIn(ctx context.Context, userID int64) bool {
	if h.CheckIns == nil {
		return false
	}
	d, err := h.loadDialog(ctx, userID)
	return err != nil || (d != nil && d.Kind == dialogCheckIn)
}

// finishCheckIn ends the dialog: the five answers are already saved; a free-text line is added
// to them. It says what happens next.
func (h *Handlers) finishCheckIn(ctx context.Context, r *Request, d *ganwei.Dialog, note string, fromButton bool) {
	c := checkInFromDialog(r.User, d, "")
	if h.Periods.PeriodAt(h.Now()).ID != d.Data["period"] {
		// The period has closed: the line is added to the answer as it was counted (its unit
		// included, should the person have moved since), so that the figures stay as shown.
		stored, err := h.CheckIns.CheckIn(ctx, r.User.ID, d.Data["period"])
		if err != nil || stored == nil {
			h.endClosedCheckIn(ctx, r, d)
			return
		}
		c = stored
	}
	if note != "" || d.Data["saved"] != "1" {
		c.Note = note
		res, err := h.CheckIns.SubmitCheckIn(ctx, c)
		if err != nil {
			// The dialog stays as it was: sending the line again retries, and the store never
			// counts an answer twice.
			if ganwei.ErrorCode(err) == ganwei.EUNAVAILABLE {
				h.Logger.Error("save check-in", "user_id", r.User.ID, "err", err)
				h.send(ctx, r.ChatID, "抱歉，系统暂时繁忙，这句补充还没有保存（五个问题的回答已保存）。请过几分钟再发送一次，或点「跳过」。", nil)
				return
			}
			h.fail(ctx, r.ChatID, "save check-in", err)
			return
		}
		if res.CaseID != "" {
			d.Data["case"] = res.CaseID
		}
	}
	if err := h.Dialogs.ClearDialog(ctx, r.User.ID); err != nil {
		h.Logger.Warn("clear check-in dialog", "user_id", r.User.ID, "err", err)
	}
	h.Logger.Info("check-in finished", "user_id", r.User.ID, "period", c.Period) // never the answers, nor whether they asked for help
	var b strings.Builder
	b.WriteString("已记录，谢谢您抽出时间。")
	if d.Data["again"] == "1" {
		b.WriteString("本期之前的回答已替换为这一次。")
	}
	b.WriteString("\n\n接下来：")
	if d.Data["case"] != "" {
		fmt.Fprintf(&b, "组织部会在 %d 个工作日内安排专人与您联系（%s），请留意电话或消息。", checkin.FollowUpWorkingDays, strings.Join(c.FollowUpReasons(), "、"))
		if h.Contact != "" {
			fmt.Fprintf(&b, "如有急事，也可以直接联系%s。", h.Contact)
		}
	} else {
		b.WriteString("您的回答计入本单位汇总，汇总只显示整体情况，不显示个人。")
	}
	b.WriteString("\n谁能看到：只有您本人和组织部授权人员能查看您的具体回答，每次查看都记入审计日志。")
	b.WriteString("\n本期内想修改，再发送 /checkin 即可；/mycheckins 查看自己的记录，/forgetme 可删除。")
	text := b.String()
	if fromButton {
		h.edit(ctx, r, text, nil)
		return
	}
	if d.MessageID != 0 {
		_ = h.Messenger.Edit(ctx, r.ChatID, d.MessageID, h.question(d)+"\n\n（已收到）", nil)
	}
	h.send(ctx, r.ChatID, text, nil)
}

// edit replaces the message the button belongs to, or sends a new one when there is none.
func (h *Handlers) edit(ctx context.Context, r *Request, text string, kb ganwei.Keyboard) {
	if r.MessageID == 0 {
		h.send(ctx, r.ChatID, text, kb)
		return
	}
	if err := h.Messenger.Edit(ctx, r.ChatID, r.MessageID, text, kb); err != nil {
		h.Logger.Warn("edit message", "chat_id", r.ChatID, "err", err)
	}
}

// notAnswered stands for a question someone left (they stopped half-way: each answer is saved
// when given).
const notAnswered = "未作答"

// answerLine renders one answer for its owner or authorised HR; a question left unanswered says
// so, never a value the person did not give.
func answerLine(c *ganwei.CheckIn) string {
	scale := func(v int) string {
		if v < 1 {
			return notAnswered
		}
		return strconv.Itoa(v)
	}
	label := func(v string, l string) string {
		if v == "" {
			return notAnswered
		}
		return l
	}
	talk := notAnswered
	if c.TalkAnswered {
		talk = "否"
		if c.Talk {
			talk = "是"
		}
	}
	line := fmt.Sprintf("身心状态 %s · 工作压力 %s · 工作支持 %s · 待遇 %s · 希望谈心 %s",
		scale(c.Wellbeing), scale(c.Stress), label(string(c.Support), c.Support.Label()),
		label(string(c.Benefits), c.Benefits.Label()), talk)
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
	h.send(ctx, r.ChatID, "确定要删除您在敢为助手里的全部个人数据吗？将删除：个人资料和身份、全部问卷回答和补充说明、"+
		"进行中的问卷、已使用的邀请码记录、新任职提醒登记及其待发提醒；您的关爱跟进事项会以「本人已删除」结案，不再保留您的身份。\n"+
		"删除后无法恢复；汇总统计里的人数会保留，但不再与您关联。删除后如需继续使用，请向组织部重新索取邀请码。",
		keyboard([]ganwei.Button{button("确认删除", "fg:yes"), button("取消", "fg:no")}))
}

func (h *Handlers) forgetButton(ctx context.Context, r *Request, data string) {
	h.answer(ctx, r.Action.ID, "", false)
	if data != "yes" {
		h.edit(ctx, r, "好的，没有删除任何内容。", nil)
		return
	}
	got, err := h.Users.Forget(ctx, r.User.ID)
	if err != nil {
		h.fail(ctx, r.ChatID, "forget user", err)
		return
	}
	h.Logger.Info("user data deleted on request", "user_id", r.User.ID)
	h.setMenu(ctx, r.ChatID, ganwei.RoleGuest) // the person is gone; this chat was theirs
	h.edit(ctx, r, ForgottenText(got), nil)
}

// ForgottenText says precisely what /forgetme deleted.
func ForgottenText(f *ganwei.Forgotten) string {
	var parts []string
	if f.Profile {
		parts = append(parts, "个人资料（姓名、单位、职务、身份）")
	}
	if f.Answers > 0 {
		s := fmt.Sprintf("%d 次问卷回答", f.Answers)
		if f.Notes > 0 {
			s += fmt.Sprintf("（含 %d 条补充说明）", f.Notes)
		}
		parts = append(parts, s)
	}
	if f.Appointments > 0 {
		parts = append(parts, fmt.Sprintf("%d 项新任职提醒登记及其待发提醒", f.Appointments))
	}
	parts = append(parts, "进行中的问卷和发送记录")
	var b strings.Builder
	b.WriteString("已删除：" + strings.Join(parts, "、") + "。")
	if f.Cases > 0 {
		fmt.Fprintf(&b, "\n%d 件关爱跟进事项已以「本人已删除」结案，不再保留您的身份、单位、原因和跟进记录。", f.Cases)
	}
	b.WriteString("\n已使用的邀请码在绑定时就不再保存您的信息。汇总统计只保留人数，不再与您关联；审计日志仍记录谁曾查看过您的数据，这是对查看行为的监督。感谢您一直以来的配合。")
	return b.String()
}
