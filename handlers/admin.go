package handlers

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ganwei-bot/ganwei"
)

func (h *Handlers) registerAdmin() {
	h.addCommand(&command{name: "invite", desc: "生成绑定邀请码", minRole: ganwei.RoleHR, fn: h.invite})
	h.addCommand(&command{name: "users", desc: "查看人员及角色", minRole: ganwei.RoleAdmin, fn: h.users})
	h.addCommand(&command{name: "role", desc: "调整或撤销用户角色", minRole: ganwei.RoleAdmin, fn: h.role})
}

const inviteUsage = "用法：/invite 姓名 单位 [职务] [角色]\n角色可选：干部（默认）、组织部、管理员\n例如：/invite 张三 吴江区发改委 副主任"

// parseRoleWord accepts the Chinese and English names of a role.
func parseRoleWord(s string) (ganwei.Role, bool) {
	switch strings.ToLower(s) {
	case "干部", "cadre":
		return ganwei.RoleCadre, true
	case "组织部", "hr", "人事":
		return ganwei.RoleHR, true
	case "管理员", "admin":
		return ganwei.RoleAdmin, true
	case "访客", "撤销", "none", "guest", "revoke":
		return ganwei.RoleGuest, true
	}
	return "", false
}

// invite creates a one-time code for a profile. HR may invite cadres; only admins may hand out
// HR or admin rights.
func (h *Handlers) invite(ctx context.Context, r *Request) {
	fields := strings.Fields(r.Args)
	if len(fields) < 2 {
		h.send(ctx, r.ChatID, inviteUsage, nil)
		return
	}
	inv := &ganwei.Invite{Name: fields[0], Unit: fields[1], Role: ganwei.RoleCadre, CreatedBy: r.User.ID}
	rest := fields[2:]
	if n := len(rest); n > 0 {
		if role, ok := parseRoleWord(rest[n-1]); ok && role != ganwei.RoleGuest {
			inv.Role = role
			rest = rest[:n-1]
		}
	}
	inv.Position = strings.Join(rest, " ")
	code, err := h.people.Invite(ctx, inv) // who may invite whom is decided there
	if err != nil {
		h.fail(ctx, r.ChatID, "create invite", err)
		return
	}
	h.Logger.Info("invite created", "by", r.User.ID, "role", string(inv.Role))
	h.send(ctx, r.ChatID, fmt.Sprintf(
		"已为 %s（%s）生成邀请码，身份：%s。\n\n邀请码：%s\n%s\n\n请转交本人：点开链接，或在对话中发送「/start %s」即可绑定。邀请码仅能使用一次，%s前有效。",
		inv.Name, strings.TrimSpace(inv.Unit+" "+inv.Position), inv.Role.Label(),
		code, h.Messenger.InviteLink(code), code, inv.ExpiresAt.In(h.Location).Format("2006年1月2日 15:04")), nil)
}

// users lists everyone stored (bound by an invite, registered as a leader, configured as an
// administrator), a page at a time.
func (h *Handlers) users(ctx context.Context, r *Request) { h.showList(ctx, r, "us") }

// usersPage is page n of the people stored, with what each is (standing).
func (h *Handlers) usersPage(ctx context.Context, r *Request, n int) (*listPage, error) {
	list, err := h.people.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	if len(list) == 0 {
		return &listPage{text: "还没有人绑定身份。用 /invite 生成邀请码。"}, nil
	}
	leaders := h.registeredLeaders(ctx)
	var b strings.Builder
	fmt.Fprintf(&b, "共 %d 人：\n", len(list))
	from, to := pageBounds(n, len(list))
	for i, u := range list[from:to] {
		fmt.Fprintf(&b, "%d. %s · %s（编号 %d）\n", from+i+1, profileLine(u), h.standing(u, leaders), u.ID)
	}
	b.WriteString("\n调整角色：/role 编号 角色（干部、组织部、管理员、撤销）")
	return &listPage{text: b.String(), total: len(list)}, nil
}

// standing is what /users says a person is: their role (and an HR officer's units), except for
// two kinds of people stored with no role who are not visitors. An administrator named by
// GANWEI_ADMIN_IDS is one whatever the store says (ganwei.ConfiguredAdmin); a leader registered
// for the 四项清单 before binding an invite receives the reminders without having a role yet.
func (h *Handlers) standing(u *ganwei.User, leaders map[int64]bool) string {
	if s := ganwei.SpecialStanding(u, h.AdminIDs, leaders[u.ID]); s != "" {
		return s
	}
	return u.Role.Label() + scopeText(u)
}

// registeredLeaders is the set of people with a 四项清单 registration, for standing. Without the
// reminders feature, or when it cannot be read, it is empty and those people read as 访客 (logged).
func (h *Handlers) registeredLeaders(ctx context.Context) map[int64]bool {
	out := map[int64]bool{}
	if h.office == nil {
		return out
	}
	list, err := h.office.Appointments(ctx)
	if err != nil {
		h.Logger.Warn("list appointments for /users", "err", err)
		return out
	}
	for _, a := range list {
		out[a.PersonID] = true
	}
	return out
}

// role changes or revokes someone's role.
func (h *Handlers) role(ctx context.Context, r *Request) {
	fields := strings.Fields(r.Args)
	usage := "用法：/role 编号 角色 [负责单位]\n编号见 /users；也可以写对方的 Telegram 用户 ID，或 wecom:成员账号。\n角色可选：干部、组织部、管理员、撤销\n例如：/role 123456789 组织部\n只负责部分单位的组织部工作人员，在后面写单位，用顿号隔开：/role 123456789 组织部 七都镇、震泽镇"
	if len(fields) < 2 {
		h.send(ctx, r.ChatID, usage, nil)
		return
	}
	id, ok := h.personRef(ctx, fields[0])
	role, known := parseRoleWord(fields[1])
	if !ok || !known {
		h.send(ctx, r.ChatID, usage, nil)
		return
	}
	scope := splitUnits(strings.Join(fields[2:], " "))
	if len(scope) > 0 && role != ganwei.RoleHR {
		h.send(ctx, r.ChatID, "负责单位只适用于组织部工作人员。\n"+usage, nil)
		return
	}
	u, err := h.people.SetRole(ctx, id, role) // admins only, never one's own role
	if err == nil {
		u, err = h.people.SetScope(ctx, id, scope) // /role always says the scope: none is all units
	}
	if err != nil {
		h.fail(ctx, r.ChatID, "set role", err)
		return
	}
	h.Logger.Info("role changed", "by", r.User.ID, "user_id", id, "role", string(role))
	// The change takes effect at once: a dialog opened under the old role (a case note, a
	// registration) ends, and the menu shows what the person may do now. Every HR use case also
	// re-reads the role (checkin.Staff), so a stale button or menu entry gets nowhere either.
	if err := h.Dialogs.ClearDialog(ctx, id); err != nil {
		h.Logger.Warn("clear dialog after role change", "user_id", id, "err", err)
	}
	h.syncMenu(ctx, u)
	if ganwei.ConfiguredAdmin(h.AdminIDs, u, "") {
		// Stored, but GANWEI_ADMIN_IDS outranks it: saying "now a guest" would be untrue.
		h.send(ctx, r.ChatID, fmt.Sprintf("已将 %s 的角色记录为%s。但对方由系统配置指定为管理员，在配置中移除之前仍是管理员。", profileLine(u), role.Label()), nil)
		return
	}
	if role == ganwei.RoleGuest {
		h.send(ctx, r.ChatID, fmt.Sprintf("已撤销 %s 的角色，对方现为访客。", profileLine(u)), nil)
		return
	}
	h.send(ctx, r.ChatID, fmt.Sprintf("已将 %s 的身份调整为%s%s。", profileLine(u), role.Label(), scopeText(u)), nil)
}

// splitUnits reads a list of units as people type it: separated by 、，, ； or spaces.
func splitUnits(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune("、，, ；;", r) }) {
		if f = strings.TrimSpace(f); f != "" && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// scopeText says which units an HR officer covers, when not all.
func scopeText(u *ganwei.User) string {
	if !u.Scoped() || u.Role != ganwei.RoleHR {
		return ""
	}
	return "，负责：" + strings.Join(u.Scope, "、")
}

// personRef reads how staff name a person: the person's number (编号, shown by /users), an
// account ("telegram:123", "wecom:zhangsan"), or a bare Telegram user id of someone bound
// through Telegram. A number is a person's own first; only when no person has it is it read as
// a Telegram account. ok is false for what is none of these; an unknown person passes through
// (the service answers ENOTFOUND).
func (h *Handlers) personRef(ctx context.Context, ref string) (int64, bool) {
	ref = strings.TrimSpace(ref)
	if strings.Contains(ref, ":") {
		a, err := ganwei.ParseAccount(ref)
		if err != nil {
			return 0, false
		}
		id, err := h.Users.PersonByAccount(ctx, a)
		if err != nil {
			return 0, true // nobody: the service says so
		}
		return id, true
	}
	n, err := strconv.ParseInt(ref, 10, 64)
	if err != nil || n <= 0 {
		return 0, false
	}
	if _, err := h.Users.User(ctx, n); ganwei.ErrorCode(err) != ganwei.ENOTFOUND {
		return n, true
	}
	if id, err := h.Users.PersonByAccount(ctx, ganwei.TelegramAccount(n)); err == nil {
		return id, true
	}
	return n, true
}
