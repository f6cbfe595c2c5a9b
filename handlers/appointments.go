package handlers

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/workdays"
)

// The 四项清单 reminders (issue 4): HR registers a newly appointed leader with /appoint (a guided
// dialog, or one line), follows progress with /reminders (pause, resume, cancel buttons), and the
// leader acknowledges each step with the 已阅知 button ("ack:<appointment>:<step>").

const (
	appointDialog = "appoint"
	appointCB     = "appt"  // buttons of the /appoint dialog
	manageCB      = "apptm" // pause/resume/cancel buttons of /reminders
	ackCB         = "ack"   // the leader's 已阅知 button; must match reminders.AckPrefix
)

func (h *Handlers) registerReminders() {
	if h.Reminders == nil {
		return
	}
	h.addCommand(&command{name: "appoint", desc: "登记新任职领导（四项清单提醒）", minRole: ganwei.RoleHR, fn: h.appoint})
	h.addCommand(&command{name: "reminders", desc: "四项清单提醒进度", minRole: ganwei.RoleHR, fn: h.remindersList})
	h.addDialog(appointDialog, ganwei.RoleHR, h.appointText)
	h.addCallback(appointCB, ganwei.RoleHR, h.appointButton)
	h.addCallback(manageCB, ganwei.RoleHR, h.manageButton)
	// Anyone may press 已阅知 (a new leader need not have bound an invite); the store checks that
	// the presser is the appointee.
	h.addCallback(ackCB, ganwei.RoleGuest, h.ackButton)
}

const appointUsage = "用法：/appoint 发送后按提示逐项填写；\n或一次写全：/appoint Telegram ID（或 wecom:成员账号） 姓名 职务 [单位] [任职日期]\n例如：/appoint 20002 陈刚 党委书记 七都镇 2026年3月2日"

// gluedDate is a date typed straight after the unit with no space ("七都镇2026年11月2日").
var gluedDate = regexp.MustCompile(`(\d{4}年\d{1,2}月\d{1,2}[日号]?|\d{1,2}月\d{1,2}[日号]|\d{4}[./-]\d{1,2}[./-]\d{1,2})$`)

// splitUnitDate separates the appointment date from the unit in what follows the position on a
// one-line /appoint: a date written with spaces inside ("2026年 11月 2日"), placed anywhere, or
// glued to the unit. Anything that looks like a date must parse; otherwise HR is told why rather
// than finding the date glued into the unit's name.
func (h *Handlers) splitUnitDate(rest []string) (unit, date string, err error) {
	parse := func(s string) (string, error) {
		t, err := workdays.ParseDate(s, h.Now(), h.Location)
		if err != nil {
			return "", err
		}
		return t.Format(time.DateOnly), nil
	}
	n := len(rest)
	for k := min(3, n); k >= 1; k-- {
		if cand := strings.Join(rest[n-k:], ""); workdays.LooksLikeDate(cand) {
			date, err = parse(cand)
			return strings.Join(rest[:n-k], " "), date, err
		}
	}
	for i, f := range rest {
		if workdays.LooksLikeDate(f) {
			date, err = parse(f)
			return strings.Join(append(append([]string{}, rest[:i]...), rest[i+1:]...), " "), date, err
		}
	}
	unit = strings.Join(rest, " ")
	if loc := gluedDate.FindStringIndex(unit); loc != nil && loc[0] > 0 {
		date, err = parse(unit[loc[0]:])
		return strings.TrimSpace(unit[:loc[0]]), date, err
	}
	return unit, "", nil
}

// appoint starts the guided dialog, or, when everything is on the line, shows the plan for HR
// to confirm: nothing is registered or sent before the 确认登记 button.
func (h *Handlers) appoint(ctx context.Context, r *Request) {
	if r.Args == "" {
		h.appointStart(ctx, r)
		return
	}
	f := strings.Fields(r.Args)
	if len(f) < 3 {
		h.send(ctx, r.ChatID, appointUsage, nil)
		return
	}
	data := map[string]string{"name": f[1], "position": f[2]}
	id, a, err := ganwei.ParseLeader(f[0])
	switch {
	case err != nil:
		h.send(ctx, r.ChatID, appointUsage, nil)
		return
	case a != "":
		// A leader on 企业微信, by account: the person bound to it, or (registering makes one) it.
		data["acct"] = string(a)
		if u, err := h.Users.UserByAccount(ctx, a); err == nil {
			data["pid"] = strconv.FormatInt(u.ID, 10)
		}
	default:
		data["id"] = strconv.FormatInt(id, 10)
	}
	unit, date, err := h.splitUnitDate(f[3:])
	if err != nil {
		h.send(ctx, r.ChatID, "任职日期没有登记："+err.Error(), nil)
		return
	}
	if date == "" {
		date = h.Now().In(h.Location).Format(time.DateOnly)
	}
	data["unit"], data["date"] = unit, date
	d := &ganwei.Dialog{Kind: appointDialog, Data: data}
	h.appointAsk(ctx, r, d, "confirm")
}

// register stores the appointment and tells HR what happens next.
func (h *Handlers) register(ctx context.Context, r *Request, a *ganwei.Appointment) {
	got, created, err := h.office.Appoint(ctx, a)
	if err != nil {
		h.fail(ctx, r.ChatID, "appoint", err)
		return
	}
	if !created {
		h.send(ctx, r.ChatID, fmt.Sprintf("%s 已登记为%s，提醒正在进行（%s），没有重复登记。发送 /reminders 查看进度。",
			got.Name, got.Position, got.Status.Label()), nil)
		return
	}
	h.Logger.Info("appointment created", "by", r.User.ID, "appointment", got.ID)
	var b strings.Builder
	fmt.Fprintf(&b, "已登记：%s，%s，任职日期 %s。\n四项清单提醒已启动，第一条现在发出：\n", got.Name, strings.TrimSpace(got.Unit+got.Position), got.Date)
	now := h.Now()
	for i, st := range got.Steps {
		when := h.fmtTime(st.DueAt)
		if !st.DueAt.After(now) {
			when = "现在发出"
		}
		fmt.Fprintf(&b, "%d. %s  %s\n", i+1, st.Title, when)
	}
	b.WriteString("\n对方未在期限内点「已阅知」时会再次提醒，仍未确认会通知组织部。发送 /reminders 查看进度。")
	h.send(ctx, r.ChatID, b.String(), nil)
}

func (h *Handlers) fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(h.Location).Format("1月2日 15:04")
}

// appointStart opens the dialog: who is appointed.
func (h *Handlers) appointStart(ctx context.Context, r *Request) {
	// The office decides who may register and whom they may pick (their units' cadres).
	candidates, err := h.office.Candidates(ctx, 8)
	if err != nil {
		h.fail(ctx, r.ChatID, "list appointment candidates", err)
		return
	}
	d := &ganwei.Dialog{Kind: appointDialog, Step: "who", Data: map[string]string{}}
	if !h.saveDialog(ctx, r, d) {
		return
	}
	var rows [][]ganwei.Button
	for i := 0; i < len(candidates); i += 2 {
		var row []ganwei.Button
		for _, u := range candidates[i:min(i+2, len(candidates))] {
			row = append(row, button(u.Name, appointCB+":who:"+strconv.FormatInt(u.ID, 10)))
		}
		rows = append(rows, row)
	}
	text := "登记新任职领导（共 4 步，随时发送 /cancel 取消）。\n\n第 1 步：请发送对方的 Telegram ID，或企业微信账号（写成 wecom:成员账号；对方发送 /whoami 可以看到）"
	var kb ganwei.Keyboard
	if len(rows) > 0 {
		text += "，或点选下方已绑定的干部"
		kb = keyboard(rows...)
	}
	h.send(ctx, r.ChatID, text+"。", kb)
}

// appointText continues the dialog with what HR typed.
func (h *Handlers) appointText(ctx context.Context, r *Request, d *ganwei.Dialog) {
	text := strings.TrimSpace(r.Text)
	switch d.Step {
	case "who":
		id, a, err := ganwei.ParseLeader(text)
		switch {
		case err != nil:
			h.send(ctx, r.ChatID, ganwei.ErrorMessage(err)+"，请重新发送；或发送 /cancel 取消。", nil)
		case a != "":
			h.appointWhoAccount(ctx, r, d, a)
		default:
			h.appointWho(ctx, r, d, id, 0)
		}
	case "name":
		if text == "" || len([]rune(text)) > ganwei.MaxNameLen {
			h.send(ctx, r.ChatID, fmt.Sprintf("请发送对方的姓名（不超过 %d 个字）。", ganwei.MaxNameLen), nil)
			return
		}
		d.Data["name"] = text
		h.appointAsk(ctx, r, d, "position")
	case "position":
		if text == "" || len([]rune(text)) > ganwei.MaxPositionLen {
			h.send(ctx, r.ChatID, fmt.Sprintf("请发送新任职务（不超过 %d 个字），例如：党委书记。", ganwei.MaxPositionLen), nil)
			return
		}
		d.Data["position"] = text
		h.appointAsk(ctx, r, d, "unit")
	case "unit":
		if len([]rune(text)) > ganwei.MaxUnitLen {
			h.send(ctx, r.ChatID, fmt.Sprintf("单位名称不能超过 %d 个字，请重新发送。", ganwei.MaxUnitLen), nil)
			return
		}
		d.Data["unit"] = text
		h.appointAsk(ctx, r, d, "date")
	case "date":
		if todayWords[strings.TrimRight(text, "。.！!")] {
			// The question offers 「今天」: typing it means the same as pressing it.
			d.Data["date"] = h.Now().In(h.Location).Format(time.DateOnly)
			h.appointAsk(ctx, r, d, "confirm")
			return
		}
		day, err := workdays.ParseDate(text, h.Now(), h.Location)
		if err != nil {
			h.send(ctx, r.ChatID, err.Error()+"也可以点「今天」。", nil)
			return
		}
		d.Data["date"] = day.Format(time.DateOnly)
		h.appointAsk(ctx, r, d, "confirm")
	default:
		h.send(ctx, r.ChatID, "请点上方的「确认登记」或「取消」。", nil)
	}
}

// todayWords are what HR types for the 「今天」 button of the date step.
var todayWords = map[string]bool{"今天": true, "今日": true, "当天": true}

// appointWho records the leader, by the Telegram id HR typed (telegramID) or as a person picked
// among the bound ones (personID), and skips the name question when they are a bound person.
func (h *Handlers) appointWho(ctx context.Context, r *Request, d *ganwei.Dialog, telegramID, personID int64) {
	var u *ganwei.User
	var err error
	if personID > 0 {
		u, err = h.Users.User(ctx, personID)
		if err != nil {
			h.fail(ctx, r.ChatID, "find leader", err)
			return
		}
		if id, ok := u.AccountOn(ganwei.PlatformTelegram).TelegramID(); ok {
			telegramID = id
		}
	} else if u, err = h.Users.UserByAccount(ctx, ganwei.TelegramAccount(telegramID)); err != nil {
		u = nil // not bound: HR gives the name
	}
	d.Data["id"] = strconv.FormatInt(telegramID, 10)
	if u != nil && u.Role != ganwei.RoleGuest {
		d.Data["pid"] = strconv.FormatInt(u.ID, 10)
		d.Data["name"], d.Data["profile_unit"] = u.Name, u.Unit
		h.appointAsk(ctx, r, d, "position")
		return
	}
	if u != nil {
		d.Data["pid"] = strconv.FormatInt(u.ID, 10) // known, not bound: registered for an earlier post
	}
	h.appointAsk(ctx, r, d, "name")
}

// appointWhoAccount records a leader named by a 企业微信 account: the person bound to it, or
// (registering will make one) the account itself.
func (h *Handlers) appointWhoAccount(ctx context.Context, r *Request, d *ganwei.Dialog, a ganwei.Account) {
	d.Data["acct"] = string(a) // how HR named them, shown in the plan
	u, err := h.Users.UserByAccount(ctx, a)
	if err == nil {
		h.appointWho(ctx, r, d, 0, u.ID)
		return
	}
	h.appointAsk(ctx, r, d, "name")
}

// leaderAppointment is the appointment the dialog describes.
func leaderAppointment(d *ganwei.Dialog) *ganwei.Appointment {
	tg, _ := strconv.ParseInt(d.Data["id"], 10, 64)
	pid, _ := strconv.ParseInt(d.Data["pid"], 10, 64)
	return &ganwei.Appointment{PersonID: pid, TelegramID: tg, Account: ganwei.Account(d.Data["acct"]), Name: d.Data["name"],
		Position: d.Data["position"], Unit: d.Data["unit"], Date: d.Data["date"]}
}

// leaderRef is how HR told us who the leader is: the Telegram id they typed, the 企业微信 account,
// else the person's number.
func leaderRef(a *ganwei.Appointment) string {
	switch {
	case a.TelegramID > 0:
		return fmt.Sprintf("Telegram 账号 %d", a.TelegramID)
	case a.Account != "":
		return ganwei.PlatformLabel(a.Account.Platform()) + "账号 " + a.Account.PlatformID()
	}
	return fmt.Sprintf("编号 %d", a.PersonID)
}

// appointAsk moves the dialog to step and asks its question.
func (h *Handlers) appointAsk(ctx context.Context, r *Request, d *ganwei.Dialog, step string) {
	d.Step = step
	if !h.saveDialog(ctx, r, d) {
		return
	}
	switch step {
	case "name":
		h.send(ctx, r.ChatID, "这位同志还没有绑定身份。请发送对方的姓名：", nil)
	case "position":
		h.send(ctx, r.ChatID, fmt.Sprintf("第 2 步：%s 新任什么职务？例如：党委书记。", d.Data["name"]), nil)
	case "unit":
		var kb ganwei.Keyboard
		if u := d.Data["profile_unit"]; u != "" {
			kb = keyboard([]ganwei.Button{button("沿用 "+shorten(u, 20), appointCB+":unit:keep")})
		}
		h.send(ctx, r.ChatID, "第 3 步：在哪个单位任职？例如：七都镇。", kb)
	case "date":
		h.send(ctx, r.ChatID, "第 4 步：任职日期是哪天？例如 2026年3月2日，或点「今天」。",
			keyboard([]ganwei.Button{button("今天", appointCB+":date:today")}))
	case "confirm":
		text, err := h.appointPreview(ctx, d)
		if err != nil {
			_ = h.Dialogs.ClearDialog(ctx, r.User.ID)
			h.fail(ctx, r.ChatID, "preview appointment", err)
			return
		}
		h.send(ctx, r.ChatID, text,
			keyboard([]ganwei.Button{button("确认登记", appointCB+":ok"), button("取消", appointCB+":no")}))
	}
}

// appointPreview is what HR confirms: the person, the date read back in full (so a misread
// date shows before anything is sent) and when each step would go out.
func (h *Handlers) appointPreview(ctx context.Context, d *ganwei.Dialog) (string, error) {
	a, err := h.office.Preview(ctx, leaderAppointment(d))
	if err != nil {
		return "", err
	}
	day, err := time.ParseInLocation(time.DateOnly, a.Date, h.Location)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "请确认：\n姓名：%s（%s）\n职务：%s\n单位：%s\n任职日期：%s\n\n发送计划：\n",
		a.Name, leaderRef(a), a.Position, orDash(a.Unit), workdays.FormatDate(day))
	now := h.Now()
	for i, st := range a.Steps {
		when := h.fmtTime(st.DueAt)
		if !st.DueAt.After(now) {
			when = "确认后立即发出"
		}
		fmt.Fprintf(&b, "%d. %s  %s\n", i+1, st.Title, when)
	}
	today := now.In(h.Location)
	if day.Before(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, h.Location)) {
		b.WriteString("\n任职日期已过：已到期的清单不会同时发出，而是在告知之后按顺序每个工作日发一份。")
	}
	b.WriteString("\n请核对日期无误后点「确认登记」；点「取消」则不登记、不发送。")
	return b.String(), nil
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// appointButtonStep is the step each dialog button belongs to (取消 belongs to none: it works at
// any step).
var appointButtonStep = map[string]string{"who": "who", "unit": "unit", "date": "date", "ok": "confirm"}

// appointButton handles the dialog's buttons; a button from a finished or expired dialog is stale.
func (h *Handlers) appointButton(ctx context.Context, r *Request, data string) {
	d, err := h.loadDialog(ctx, r.User.ID)
	if err != nil || d == nil || d.Kind != appointDialog {
		h.answer(ctx, r.Action.ID, "这次登记已结束或已超时，请重新发送 /appoint。", true)
		return
	}
	action, arg, _ := strings.Cut(data, ":")
	if step := appointButtonStep[action]; step != "" && step != d.Step {
		// A button of a step already answered (by typing, or another press): the dialog has
		// moved on, and HR must know the press changed nothing.
		h.answer(ctx, r.Action.ID, "这一步已经填过了，这个按钮不再起作用。请按最新一条消息继续，或发送 /cancel 重新开始。", true)
		return
	}
	h.answer(ctx, r.Action.ID, "", false)
	h.dropButtons(ctx, r) // a step's buttons are used once; the next step brings its own
	switch {
	case action == "who" && d.Step == "who":
		id, err := strconv.ParseInt(arg, 10, 64)
		if err != nil || id <= 0 {
			return
		}
		h.appointWho(ctx, r, d, 0, id)
	case action == "unit" && d.Step == "unit":
		d.Data["unit"] = d.Data["profile_unit"]
		h.appointAsk(ctx, r, d, "date")
	case action == "date" && d.Step == "date":
		d.Data["date"] = h.Now().In(h.Location).Format(time.DateOnly)
		h.appointAsk(ctx, r, d, "confirm")
	case action == "no":
		_ = h.Dialogs.ClearDialog(ctx, r.User.ID)
		h.send(ctx, r.ChatID, "已取消，没有登记。", nil)
	case action == "ok" && d.Step == "confirm":
		if err := h.Dialogs.ClearDialog(ctx, r.User.ID); err != nil {
			h.fail(ctx, r.ChatID, "clear dialog", err)
			return
		}
		a := leaderAppointment(d)
		a.CreatedBy = r.User.ID
		h.register(ctx, r, a)
	}
}

// remindersList lists the appointments a page at a time, one line each; a button under each
// opens its steps with the buttons to manage it.
func (h *Handlers) remindersList(ctx context.Context, r *Request) { h.showList(ctx, r, "rm") }

// remindersPage is page n of the appointments: running and paused ones first, cancelled last.
func (h *Handlers) remindersPage(ctx context.Context, r *Request, n int) (*listPage, error) {
	all, err := h.office.Appointments(ctx)
	if err != nil {
		return nil, fmt.Errorf("list appointments: %w", err)
	}
	if len(all) == 0 {
		return &listPage{text: "还没有登记新任职领导。发送 /appoint 登记。"}, nil
	}
	list := slices.Clone(all)
	slices.SortStableFunc(list, func(a, b *ganwei.Appointment) int {
		return cmpBool(a.Status == ganwei.AppointmentCancelled, b.Status == ganwei.AppointmentCancelled)
	})
	var b strings.Builder
	var rows [][]ganwei.Button
	fmt.Fprintf(&b, "四项清单提醒共 %d 条登记：\n", len(list))
	from, to := pageBounds(n, len(list))
	for i, a := range list[from:to] {
		fmt.Fprintf(&b, "\n%d. %s · %s · %s · %s", from+i+1, a.Name, strings.TrimSpace(a.Unit+a.Position), a.Status.Label(), progressLine(a))
		rows = append(rows, []ganwei.Button{button("查看进度："+a.Name, manageCB+":show:"+a.ID)})
	}
	return &listPage{text: b.String(), rows: rows, total: len(list)}, nil
}

// cmpBool orders false before true.
func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// progressLine sums up an appointment's steps: how many are acknowledged, and what waits.
func progressLine(a *ganwei.Appointment) string {
	acked, need, waiting, failed := 0, 0, 0, 0
	for _, st := range a.Steps {
		if st.NeedsAck {
			need++
		}
		switch st.Status {
		case ganwei.StepAcknowledged:
			acked++
		case ganwei.StepSent:
			if st.NeedsAck {
				waiting++
			}
		case ganwei.StepFailed:
			failed++
		}
	}
	line := fmt.Sprintf("已阅知 %d / %d", acked, need)
	if waiting > 0 {
		line += fmt.Sprintf("，%d 份待确认", waiting)
	}
	if failed > 0 {
		line += fmt.Sprintf("，%d 份发送失败", failed)
	}
	return line
}

func (h *Handlers) appointmentText(a *ganwei.Appointment) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s · %s（%s）\n任职日期 %s · %s\n", a.Name, strings.TrimSpace(a.Unit+a.Position), leaderRef(a), a.Date, a.Status.Label())
	for i, st := range a.Steps {
		line := fmt.Sprintf("%d. %s：%s", i+1, st.Title, st.Status.Label())
		switch st.Status {
		case ganwei.StepScheduled:
			switch a.Status {
			case ganwei.AppointmentCancelled:
				line = fmt.Sprintf("%d. %s：不再发送（登记已取消）", i+1, st.Title)
			case ganwei.AppointmentPaused:
				line += " " + h.fmtTime(st.DueAt) + "（已暂停，恢复后再发送）"
			default:
				line += " " + h.fmtTime(st.DueAt)
			}
		case ganwei.StepSent:
			line += " " + h.fmtTime(st.SentAt)
			if st.Reminders > 0 {
				line += fmt.Sprintf("，已提醒 %d 次", st.Reminders)
			}
			if !st.Escalated.IsZero() {
				line += "，仍未确认"
			}
		case ganwei.StepAcknowledged:
			line += " " + h.fmtTime(st.AckedAt)
		}
		b.WriteString(line + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

func (h *Handlers) manageKeyboard(a *ganwei.Appointment) ganwei.Keyboard {
	switch a.Status {
	case ganwei.AppointmentActive:
		return keyboard([]ganwei.Button{button("暂停", manageCB+":pause:"+a.ID), button("取消登记", manageCB+":cancel:"+a.ID)})
	case ganwei.AppointmentPaused:
		return keyboard([]ganwei.Button{button("恢复", manageCB+":resume:"+a.ID), button("取消登记", manageCB+":cancel:"+a.ID)})
	}
	return nil
}

// manageButton pauses, resumes or cancels (after a confirmation) an appointment.
func (h *Handlers) manageButton(ctx context.Context, r *Request, data string) {
	action, id, _ := strings.Cut(data, ":")
	var status ganwei.AppointmentStatus
	switch action {
	case "pause":
		status = ganwei.AppointmentPaused
	case "resume":
		status = ganwei.AppointmentActive
	case "cancel":
		h.answer(ctx, r.Action.ID, "", false)
		h.send(ctx, r.ChatID, "确定取消这条登记吗？取消后不再发送提醒，也不能恢复（可重新登记）。",
			keyboard([]ganwei.Button{button("确定取消", manageCB+":cancelok:"+id)}))
		return
	case "cancelok":
		status = ganwei.AppointmentCancelled
	case "show":
		h.showAppointment(ctx, r, id)
		return
	default:
		h.answer(ctx, r.Action.ID, msgStaleButton, true)
		return
	}
	if err := h.office.SetStatus(ctx, id, status); err != nil {
		switch ganwei.ErrorCode(err) {
		case ganwei.ENOTFOUND, ganwei.ECONFLICT, ganwei.EINVALID:
			h.answer(ctx, r.Action.ID, ganwei.ErrorMessage(err), true)
		default:
			h.answer(ctx, r.Action.ID, msgTryLater, true)
			h.Logger.Error("set appointment status", "err", err)
		}
		return
	}
	h.Logger.Info("appointment status changed", "by", r.User.ID, "appointment", id, "status", string(status))
	h.answer(ctx, r.Action.ID, "已"+map[ganwei.AppointmentStatus]string{
		ganwei.AppointmentPaused: "暂停", ganwei.AppointmentActive: "恢复", ganwei.AppointmentCancelled: "取消"}[status], false)
	if a, err := h.office.Appointment(ctx, id); err == nil {
		if action == "cancelok" {
			h.send(ctx, r.ChatID, h.appointmentText(a), nil)
			return
		}
		if err := h.Messenger.Edit(ctx, r.ChatID, r.MessageID, h.appointmentText(a), h.manageKeyboard(a)); err != nil {
			h.Logger.Warn("edit appointment message", "err", err)
		}
	}
}

// showAppointment sends one appointment's steps with the buttons to manage it.
func (h *Handlers) showAppointment(ctx context.Context, r *Request, id string) {
	a, err := h.office.Appointment(ctx, id)
	switch ganwei.ErrorCode(err) {
	case "":
	case ganwei.ENOTFOUND:
		h.answer(ctx, r.Action.ID, ganwei.ErrorMessage(err), true)
		return
	default:
		h.answer(ctx, r.Action.ID, msgTryLater, true)
		h.Logger.Error("show appointment", "err", err)
		return
	}
	h.answer(ctx, r.Action.ID, "", false)
	h.send(ctx, r.ChatID, h.appointmentText(a), h.manageKeyboard(a))
}

// ackButton records the leader's 已阅知 and shows it on the message.
func (h *Handlers) ackButton(ctx context.Context, r *Request, data string) {
	id, step, ok := strings.Cut(data, ":")
	if !ok || strings.Contains(step, ":") {
		h.answer(ctx, r.Action.ID, msgStaleButton, true)
		return
	}
	res, err := h.office.Acknowledge(ctx, id, step)
	if err != nil {
		switch ganwei.ErrorCode(err) {
		case ganwei.EFORBIDDEN, ganwei.ENOTFOUND, ganwei.ECONFLICT:
			h.answer(ctx, r.Action.ID, ganwei.ErrorMessage(err), true)
		default:
			h.answer(ctx, r.Action.ID, msgTryLater, true)
			h.Logger.Error("acknowledge step", "err", err)
		}
		return
	}
	text := ""
	if r.MessageID != 0 {
		text = r.Action.MessageText
	}
	switch res.Outcome {
	case ganwei.AckCancelled:
		h.answer(ctx, r.Action.ID, "这项提醒已撤回，无需确认。", false)
		if text != "" {
			_ = h.Messenger.Edit(ctx, r.ChatID, r.MessageID, text+"\n\n（这项提醒已撤回，无需确认）", nil)
		}
		return
	case ganwei.AckAlready:
		h.answer(ctx, r.Action.ID, "您已于"+h.fmtTime(res.AckedAt)+"确认过，无需重复操作。", false)
	default:
		h.Logger.Info("reminder acknowledged", "appointment", id, "step", step)
		h.answer(ctx, r.Action.ID, "已记录，谢谢！", false)
	}
	if text != "" && !strings.Contains(text, "✅ 已阅知") {
		if err := h.Messenger.Edit(ctx, r.ChatID, r.MessageID, text+"\n\n✅ 已阅知 "+h.fmtTime(res.AckedAt), nil); err != nil {
			h.Logger.Warn("edit acknowledged message", "err", err)
		}
	}
}
