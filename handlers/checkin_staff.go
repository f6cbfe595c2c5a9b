package handlers

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/checkin"
)

// What HR sees of the check-ins: summaries built from aggregates (a group's figures only when at
// least ganwei.MinGroupSize answered and no smaller group can be derived from them), follow-up
// cases, exports, pauses, and for admins the audit log. Who may do what, and what is audited, is
// decided by checkin.Staff, which reads the actor's current role at every call: this file only
// turns Telegram requests into its calls and its results into Chinese.

const dialogCaseNote = "casenote"

func (h *Handlers) registerCheckInStaff() {
	h.staff = &checkin.Staff{Users: h.Users, CheckIns: h.CheckIns, Periods: h.Periods, AdminIDs: h.AdminIDs,
		Now: h.Now, Location: h.Location}
	h.addCommand(&command{name: "summary", desc: "关爱问卷汇总（可加：单位名 或 期数）", minRole: ganwei.RoleHR, fn: h.summary})
	h.addCommand(&command{name: "cases", desc: "需要跟进的关爱事项", minRole: ganwei.RoleHR, fn: h.cases})
	h.addCommand(&command{name: "export", desc: "导出关爱问卷 Excel", minRole: ganwei.RoleHR, fn: h.export})
	h.addCommand(&command{name: "pause", desc: "暂停向某人或某单位发送问卷", minRole: ganwei.RoleHR, fn: h.pause})
	h.addCommand(&command{name: "resume", desc: "恢复发送问卷", minRole: ganwei.RoleHR, fn: h.resume})
	h.addCommand(&command{name: "audit", desc: "个人数据查看记录", minRole: ganwei.RoleAdmin, fn: h.auditLog})
	h.addCallback("cs", ganwei.RoleHR, h.caseButton)
	h.addDialog(dialogCaseNote, ganwei.RoleHR, h.caseNoteText)
}

// summaryPeriods is how many periods /summary shows in its trend.
const summaryPeriods = 8

func pct(a *ganwei.Aggregate) string {
	if a.Eligible <= 0 {
		return fmt.Sprintf("%d 人作答", a.Responses)
	}
	return fmt.Sprintf("%d / %d 人（%.0f%%）", a.Responses, max(a.Eligible, a.Responses), 100*a.Participation())
}

func signed(v float64) string {
	if v >= 0.05 {
		return fmt.Sprintf("+%.1f", v)
	} else if v <= -0.05 {
		return fmt.Sprintf("−%.1f", -v)
	}
	return "持平"
}

// The periods one /summary may cover: at least three (a trend and a change need them), at most
// two years of weekly periods.
const (
	minSummaryPeriods = 3
	maxSummaryPeriods = 104
)

// summary: "/summary" this period for everyone, "/summary 12" the last 12 periods, "/summary 单位".
func (h *Handlers) summary(ctx context.Context, r *Request) {
	unit, n := "", summaryPeriods
	if r.Args != "" {
		if v, err := strconv.Atoi(r.Args); err == nil {
			if v < minSummaryPeriods || v > maxSummaryPeriods {
				h.send(ctx, r.ChatID, fmt.Sprintf("期数请在 %d 到 %d 之间，例如 /summary 12。", minSummaryPeriods, maxSummaryPeriods), nil)
				return
			}
			n = v
		} else {
			unit = r.Args
		}
	}
	rep, err := h.staff.Summary(ctx, unit, n)
	if err != nil {
		h.fail(ctx, r.ChatID, "summarize check-ins", err)
		return
	}
	h.send(ctx, r.ChatID, SummaryText(rep), nil)
	if png, err := checkin.TrendChart(rep); err != nil {
		h.Logger.Warn("draw trend chart", "err", err)
	} else if png != nil {
		caption := "近期趋势（全体）"
		if unit != "" {
			caption = "近期趋势：" + unit
		}
		if err := h.Messenger.SendPhoto(ctx, r.ChatID, "trend.png", png, caption); err != nil {
			h.Logger.Warn("send trend chart", "err", err)
		}
	}
}

// SummaryText renders a report for HR in Chinese: the running period's participation, then the
// figures of the latest closed period. It shows no figures of a hidden group.
func SummaryText(rep *checkin.Report) string {
	var b strings.Builder
	who := "全体"
	if rep.Unit != "" {
		who = rep.Unit
	}
	cur, prev := rep.Current, rep.Previous
	fmt.Fprintf(&b, "关爱问卷汇总 · %s（%s）\n", rep.Period.Label, who)
	fmt.Fprintf(&b, "本期参与：%s\n", pct(cur))
	if cur.Blocked > 0 {
		fmt.Fprintf(&b, "未能送达：%d 人已屏蔽机器人，请通过其他方式联系\n", cur.Blocked)
	}
	if cur.Open {
		b.WriteString("本期问卷仍在进行，统计数据在本期结束后显示（以免前后对比推算出个人回答）。\n")
	}
	prevLabel := ganwei.PeriodLabel(prev.Period)
	fmt.Fprintf(&b, "\n上期（%s）参与：%s\n", prevLabel, pct(prev))
	if !prev.Visible() {
		b.WriteString(hiddenReason(prev) + "\n")
	} else {
		dist := func(d [5]int) string {
			parts := make([]string, 5)
			for i, v := range d {
				parts[i] = fmt.Sprintf("%d分 %d", i+1, v)
			}
			return strings.Join(parts, " · ")
		}
		change := func(avg func(*ganwei.Aggregate) float64) string {
			if d, ok := checkin.Change(prev, rep.Earlier, avg); ok {
				return "，较前一期 " + signed(d)
			}
			return ""
		}
		fmt.Fprintf(&b, "身心状态：平均 %.1f%s\n  %s\n", prev.WellbeingAvg(), change((*ganwei.Aggregate).WellbeingAvg), dist(prev.WellbeingDist))
		fmt.Fprintf(&b, "工作压力：平均 %.1f%s\n  %s\n", prev.StressAvg(), change((*ganwei.Aggregate).StressAvg), dist(prev.StressDist))
		var sup, ben []string
		for _, v := range ganwei.Supports {
			sup = append(sup, fmt.Sprintf("%s %d", v.Label(), prev.Support[v]))
		}
		for _, v := range ganwei.BenefitsAll {
			ben = append(ben, fmt.Sprintf("%s %d", v.Label(), prev.Benefits[v]))
		}
		fmt.Fprintf(&b, "工作支持：%s\n待遇落实：%s\n希望谈心谈话：%d 人\n", strings.Join(sup, " · "), strings.Join(ben, " · "), prev.Talk)
	}
	var units []*ganwei.Aggregate
	for _, u := range rep.Units {
		if u.Responses > 0 || u.Eligible > 0 {
			units = append(units, u)
		}
	}
	if len(units) > 0 {
		fmt.Fprintf(&b, "\n各单位（上期）：\n")
		for _, u := range units {
			if !u.Visible() {
				if u.Suppressed {
					fmt.Fprintf(&b, "• %s：为防推算其他单位，不显示\n", u.Unit)
				} else {
					fmt.Fprintf(&b, "• %s：作答不足 %d 人，不显示\n", u.Unit, ganwei.MinGroupSize)
				}
				continue
			}
			fmt.Fprintf(&b, "• %s：%s，身心 %.1f，压力 %.1f\n", u.Unit, pct(u), u.WellbeingAvg(), u.StressAvg())
		}
	}
	if rep.Unit == "" || prev.Visible() {
		fmt.Fprintf(&b, "\n待跟进事项：%d 件（/cases 查看）\n", rep.OpenCases)
	}
	var trend []string
	for i, a := range rep.Trend {
		if a.Visible() {
			trend = append(trend, fmt.Sprintf("%s 身心 %.1f 压力 %.1f（%d人）", rep.Periods[i].ID, a.WellbeingAvg(), a.StressAvg(), a.Responses))
		}
	}
	if len(trend) > 1 {
		b.WriteString("\n近期：\n" + strings.Join(trend, "\n") + "\n")
	}
	b.WriteString("\n用法：/summary 单位名 · /summary 12（近 12 期）")
	return b.String()
}

// hiddenReason says why a group's figures are not shown.
func hiddenReason(a *ganwei.Aggregate) string {
	switch {
	case a.Responses < ganwei.MinGroupSize || a.Small():
		return fmt.Sprintf("作答不足 %d 人（或某一题回答不足 %d 人），为保护个人隐私，不显示统计数据。", ganwei.MinGroupSize, ganwei.MinGroupSize)
	case a.Suppressed:
		return fmt.Sprintf("为防止用其他数据推算出不足 %d 人的单位，本组统计数据不显示。", ganwei.MinGroupSize)
	}
	return "本期仍在进行，统计数据在本期结束后显示。"
}

// cases lists the active follow-up cases with buttons, a page at a time. The list names no
// answers; opening a case shows them and is audited.
func (h *Handlers) cases(ctx context.Context, r *Request) { h.showList(ctx, r, "cs") }

// casesPage is page n of the active cases. Each button names its case (person and period), so
// a button means the same case whatever was closed meanwhile.
func (h *Handlers) casesPage(ctx context.Context, r *Request, n int) (*listPage, error) {
	list, err := h.staff.Cases(ctx)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return &listPage{text: "目前没有待跟进的关爱事项。"}, nil
	}
	var b strings.Builder
	var rows [][]ganwei.Button
	fmt.Fprintf(&b, "待跟进的关爱事项共 %d 件：\n", len(list))
	from, to := pageBounds(n, len(list))
	for i, c := range list[from:to] {
		who := h.caseWho(ctx, c)
		fmt.Fprintf(&b, "\n%d. %s · %s · %s · %s", from+i+1, who, c.Unit, ganwei.PeriodLabel(c.Period), c.Status.Label())
		rows = append(rows, []ganwei.Button{button(fmt.Sprintf("查看：%s · %s", who, ganwei.PeriodLabel(c.Period)), "cs:v:"+c.ID)})
	}
	return &listPage{text: b.String(), rows: rows, total: len(list)}, nil
}

// caseWho names the person of a case, or says their data was deleted.
func (h *Handlers) caseWho(ctx context.Context, c *ganwei.Case) string {
	if c.UserID == 0 {
		return "（本人已删除资料）"
	}
	if u, err := h.Users.User(ctx, c.UserID); err == nil {
		return u.Name
	}
	return "（未知人员）"
}

// caseButton: cs:v:{id} view, cs:a:{id} take it, cs:c:{id} contacted, cs:x:{id} asks to confirm
// the close, cs:xy:{id} closes (cs:k:{id} keeps it open), cs:r:{id} reopens a closed case, cs:n:{id} add a note.
func (h *Handlers) caseButton(ctx context.Context, r *Request, data string) {
	op, id, _ := strings.Cut(data, ":")
	h.answer(ctx, r.Action.ID, "", false)
	var (
		v   *checkin.CaseView
		err error
	)
	switch op {
	case "v":
		v, err = h.staff.ViewCase(ctx, id)
	case "a":
		v, err = h.staff.UpdateCase(ctx, id, ganwei.CaseAssigned, "由"+r.User.Name+"跟进")
	case "c":
		v, err = h.staff.UpdateCase(ctx, id, ganwei.CaseContacted, "")
	case "x":
		h.confirmClose(ctx, r, id)
		return
	case "k":
		h.edit(ctx, r, "好的，这件事项没有结案。", nil)
		return
	case "xy":
		v, err = h.staff.UpdateCase(ctx, id, ganwei.CaseClosed, "由"+r.User.Name+"结案")
	case "r":
		v, err = h.staff.ReopenCase(ctx, id)
	case "n":
		// Check now too, so that a stale button of a revoked person opens nothing.
		if _, err := h.staff.Authorize(ctx, ganwei.RoleHR); err != nil {
			h.fail(ctx, r.ChatID, "authorize case note", err)
			return
		}
		d := &ganwei.Dialog{Kind: dialogCaseNote, Step: "text", Data: map[string]string{"case": id}}
		if !h.saveDialog(ctx, r, d) {
			return
		}
		h.send(ctx, r.ChatID, "请直接回复跟进备注（例如谈话情况、已协调的事项），发送 /cancel 放弃。", nil)
		return
	default:
		h.send(ctx, r.ChatID, msgStaleButton, nil)
		return
	}
	if err != nil {
		h.fail(ctx, r.ChatID, "case "+op, err)
		return
	}
	h.showCase(ctx, r, v)
}

// confirmClose asks before a case is closed, in a message of its own: the case's buttons stay
// where they were, and 确认结案 sits on the left, away from where 结案 was tapped, so a double
// tap does not close it.
func (h *Handlers) confirmClose(ctx context.Context, r *Request, id string) {
	if _, err := h.staff.Authorize(ctx, ganwei.RoleHR); err != nil {
		h.fail(ctx, r.ChatID, "authorize case close", err)
		return
	}
	h.send(ctx, r.ChatID, "确认将这件跟进事项结案吗？结案后不再出现在 /cases 待跟进列表中；如有需要，可在事项中点「重新打开」。",
		keyboard([]ganwei.Button{button("确认结案", "cs:xy:"+id), button("暂不结案", "cs:k:"+id)}))
}

// showCase renders one case with the person's answer for that period; the Staff service has
// already written the view to the audit log.
func (h *Handlers) showCase(ctx context.Context, r *Request, v *checkin.CaseView) {
	c := v.Case
	var b strings.Builder
	fmt.Fprintf(&b, "关爱跟进事项 %s\n%s · %s · %s\n原因：%s\n状态：%s\n", c.ID, h.caseWho(ctx, c), c.Unit,
		ganwei.PeriodLabel(c.Period), strings.Join(c.Reasons, "、"), c.Status.Label())
	if v.Answer != nil {
		fmt.Fprintf(&b, "\n本期回答：\n%s\n", answerLine(v.Answer))
	}
	if len(c.Notes) > 0 {
		b.WriteString("\n记录：\n")
		for _, n := range c.Notes {
			fmt.Fprintf(&b, "• %s %s %s\n", n.At.In(h.Location).Format("01-02 15:04"), n.Status.Label(), n.Text)
		}
	}
	b.WriteString("\n（本次查看已记入审计日志）")
	var row []ganwei.Button
	switch c.Status {
	case ganwei.CaseOpen:
		row = append(row, button("我来跟进", "cs:a:"+c.ID))
	case ganwei.CaseAssigned:
		row = append(row, button("已联系", "cs:c:"+c.ID))
	}
	if c.Status == ganwei.CaseClosed {
		row = append(row, button("重新打开", "cs:r:"+c.ID))
	} else {
		row = append(row, button("添加备注", "cs:n:"+c.ID), button("结案", "cs:x:"+c.ID))
	}
	h.send(ctx, r.ChatID, b.String(), keyboard(row))
}

// caseNoteText takes the note of a case-note dialog. The Staff service checks the person's role
// as it is now; a refusal ends the dialog.
func (h *Handlers) caseNoteText(ctx context.Context, r *Request, d *ganwei.Dialog) {
	v, err := h.staff.UpdateCase(ctx, d.Data["case"], "", strings.TrimSpace(r.Text))
	if ganwei.ErrorCode(err) == ganwei.EFORBIDDEN {
		_ = h.Dialogs.ClearDialog(ctx, r.User.ID)
		h.send(ctx, r.ChatID, msgDialogRevoked, nil)
		return
	}
	if err != nil {
		if c := ganwei.ErrorCode(err); c == ganwei.ENOTFOUND || c == ganwei.EINVALID {
			_ = h.Dialogs.ClearDialog(ctx, r.User.ID) // retrying cannot help (a case gone or forgotten)
		}
		h.fail(ctx, r.ChatID, "add case note", err)
		return
	}
	_ = h.Dialogs.ClearDialog(ctx, r.User.ID)
	h.send(ctx, r.ChatID, "备注已保存。", nil)
	h.showCase(ctx, r, v)
}

// exportPeriods is how many periods /export covers: a year of weekly check-ins.
const exportPeriods = 52

// export sends an Excel workbook: aggregates for HR; admins also get one row per answer with
// "/export 明细". The Staff service checks the role and writes the audit entry.
func (h *Handlers) export(ctx context.Context, r *Request) {
	periods := h.Periods.Recent(h.Now(), exportPeriods)
	individual := strings.Contains(r.Args, "明细")
	var buf bytes.Buffer
	err := h.staff.Export(ctx, &buf, checkin.ExportOptions{Format: "xlsx", Periods: periods, Individual: individual})
	if err != nil {
		h.fail(ctx, r.ChatID, "export check-ins", err)
		return
	}
	caption := fmt.Sprintf("关爱问卷汇总（近 %d 期；人数不足或可被推算的组不显示数据，详见「说明」页）", exportPeriods)
	if individual {
		caption += "，含个人明细，已记入审计日志"
	} else if r.User.Role == ganwei.RoleAdmin {
		caption += "。需要个人明细请发送「/export 明细」"
	}
	if err := h.Messenger.SendDocument(ctx, r.ChatID, "关爱问卷-"+periods[len(periods)-1].ID+".xlsx", buf.Bytes(), caption); err != nil {
		h.fail(ctx, r.ChatID, "send export", err)
	}
}

// pauseTarget parses a person (编号, account or Telegram id; see personRef) or a unit name.
func (h *Handlers) pauseTarget(ctx context.Context, args string) (int64, string) {
	if _, err := strconv.ParseInt(args, 10, 64); err == nil || strings.HasPrefix(args, "telegram:") || strings.HasPrefix(args, "wecom:") {
		if id, ok := h.personRef(ctx, args); ok && id > 0 {
			return id, ""
		}
	}
	return 0, args
}

func (h *Handlers) pause(ctx context.Context, r *Request)  { h.setPaused(ctx, r, true) }
func (h *Handlers) resume(ctx context.Context, r *Request) { h.setPaused(ctx, r, false) }

func (h *Handlers) setPaused(ctx context.Context, r *Request, paused bool) {
	if r.Args == "" {
		users, units, err := h.staff.Paused(ctx)
		if err != nil {
			h.fail(ctx, r.ChatID, "read pauses", err)
			return
		}
		var names []string
		for id := range users {
			names = append(names, strconv.FormatInt(id, 10))
		}
		for u := range units {
			names = append(names, u)
		}
		list := "无"
		if len(names) > 0 {
			list = strings.Join(names, "、")
		}
		h.send(ctx, r.ChatID, "用法：/pause 编号 或 单位名（如休假、借调；编号见 /users），/resume 同样写法恢复。\n目前暂停："+list, nil)
		return
	}
	id, unit := h.pauseTarget(ctx, r.Args)
	if err := h.staff.SetPaused(ctx, id, unit, paused); err != nil {
		h.fail(ctx, r.ChatID, "set paused", err)
		return
	}
	verb := "已暂停向 %s 发送关爱问卷，恢复请发送 /resume %s。"
	if !paused {
		verb = "已恢复向 %s 发送关爱问卷。%.0s"
	}
	h.send(ctx, r.ChatID, fmt.Sprintf(verb, r.Args, r.Args), nil)
}

// auditLog shows admins the latest views of check-in data, in Chinese and with names.
func (h *Handlers) auditLog(ctx context.Context, r *Request) {
	list, err := h.staff.AuditLog(ctx, 20)
	if err != nil {
		h.fail(ctx, r.ChatID, "read audit log", err)
		return
	}
	if len(list) == 0 {
		h.send(ctx, r.ChatID, "审计日志为空。", nil)
		return
	}
	names := map[int64]string{}
	if users, err := h.Users.Users(ctx); err == nil {
		for _, u := range users {
			names[u.ID] = u.Name
		}
	}
	var b strings.Builder
	b.WriteString("最近的问卷数据查看记录：\n")
	for _, e := range list {
		fmt.Fprintf(&b, "• %s %s\n", e.At.In(h.Location).Format("01-02 15:04"), AuditLine(e, names))
	}
	h.send(ctx, r.ChatID, b.String(), nil)
}

// AuditLine renders one audit entry as an admin reads it: "操作人 张三 查看了 李四 的2026年第48周回答".
// names maps Telegram ids to names; someone no longer known (deleted with /forgetme) is said so.
func AuditLine(e *ganwei.AuditEntry, names map[int64]string) string {
	who := func(id int64) string {
		if n := names[id]; n != "" {
			return n
		}
		return fmt.Sprintf("已删除的用户（%d）", id)
	}
	actor := "操作人 " + who(e.Actor)
	if e.Actor == 0 {
		op := e.Operator
		if op == "" {
			op = "未知"
		}
		actor = "命令行操作人 " + op
	}
	span := ""
	switch n := len(e.Periods); n {
	case 0:
	case 1:
		span = ganwei.PeriodLabel(e.Periods[0])
	default:
		span = fmt.Sprintf("%s 至 %s", ganwei.PeriodLabel(e.Periods[0]), ganwei.PeriodLabel(e.Periods[n-1]))
	}
	group := e.Unit
	if group == "" {
		group = "全体"
	}
	switch e.Action {
	case ganwei.AuditViewCase:
		subject := who(e.Subject)
		if e.Subject == 0 {
			subject = "已删除资料的人员"
		}
		return fmt.Sprintf("%s 查看了 %s 的%s回答（跟进事项 %s）", actor, subject, span, e.Detail)
	case ganwei.AuditListCases:
		return fmt.Sprintf("%s 查看了待跟进事项名单（%s 件）", actor, e.Detail)
	case ganwei.AuditExportIndividual:
		return fmt.Sprintf("%s 导出了个人明细（%s，%s）", actor, span, e.Detail)
	case ganwei.AuditExportAggregates:
		return fmt.Sprintf("%s 导出了汇总数据（%s，%s）", actor, span, e.Detail)
	case ganwei.AuditViewSummary:
		if e.Count > 1 {
			return fmt.Sprintf("%s 查看了%s的汇总（%s；%d 分钟内共 %d 次）", actor, group, span, int(ganwei.CoalesceWindow.Minutes()), e.Count)
		}
		return fmt.Sprintf("%s 查看了%s的汇总（%s）", actor, group, span)
	case ganwei.AuditRemindNow:
		return fmt.Sprintf("%s 请敢为助手立即提醒 %s", actor, e.Detail)
	case ganwei.AuditInviteMany:
		return fmt.Sprintf("%s 按花名册生成了 %s 个邀请码", actor, e.Detail)
	case ganwei.AuditExportInvites:
		return fmt.Sprintf("%s 下载了本人生成的 %s 个邀请码", actor, e.Detail)
	case ganwei.AuditSetScope:
		units := e.Detail
		if units == "" {
			units = "全部单位"
		}
		return fmt.Sprintf("%s 将 %s 的负责单位调整为：%s", actor, who(e.Subject), units)
	}
	return fmt.Sprintf("%s %s %s", actor, e.Action, e.Detail)
}
