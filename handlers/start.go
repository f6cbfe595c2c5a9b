package handlers

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/ganwei-bot/ganwei"
)

func (h *Handlers) registerStart() {
	h.addCommand(&command{name: "start", desc: "开始使用", hidden: true, fn: h.start})
	h.addCommand(&command{name: "help", desc: "我能做什么", fn: h.help})
	h.addCommand(&command{name: "whoami", desc: "查看我的身份", fn: h.whoami})
	h.addCommand(&command{name: "cancel", desc: "取消当前操作", fn: h.cancel})
	h.addCommand(&command{name: "link", desc: "绑定另一个渠道的账号", minRole: ganwei.RoleCadre, hidden: true, fn: h.link})
}

// link gives the person a one-time code that binds their account on another channel (Telegram,
// 企业微信) to them, so that both are one person with one history.
func (h *Handlers) link(ctx context.Context, r *Request) {
	code, until, err := h.people.LinkCode(ctx)
	if err != nil {
		h.fail(ctx, r.ChatID, "link code", err)
		return
	}
	h.Logger.Info("link code issued", "user_id", r.User.ID)
	var b strings.Builder
	fmt.Fprintf(&b, "已为您生成绑定码：%s（%s前有效，仅能使用一次）。\n请在另一个渠道的敢为助手中发送：\n", code, until.In(h.Location).Format("1月2日 15:04"))
	fmt.Fprintf(&b, "• Telegram：「/start %s」", code)
	if link := h.Messenger.InviteLink(code); link != "" {
		fmt.Fprintf(&b, "，或点开 %s", link)
	}
	fmt.Fprintf(&b, "\n• 企业微信：「绑定 %s」\n绑定后两个账号是同一个人，记录不变；提醒和通知只发到其中一个渠道，发送 /channel 可以选择。", code)
	h.send(ctx, r.ChatID, b.String(), nil)
}

// start welcomes the person, or binds their account when they bring an invite code (typed, or
// from the t.me/<bot>?start=CODE deep link, which arrives as "/start CODE").
func (h *Handlers) start(ctx context.Context, r *Request) {
	if r.Args == "" {
		h.send(ctx, r.ChatID, h.welcome(r.User), nil)
		return
	}
	if r.Event.Account == "" {
		h.send(ctx, r.ChatID, msgTryLater, nil) // a front end that reports no account cannot bind
		return
	}
	u, err := h.Users.RedeemInvite(ctx, r.Args, r.Event.Account)
	switch ganwei.ErrorCode(err) {
	case "":
	case ganwei.ENOTFOUND:
		h.send(ctx, r.ChatID, "这个邀请码无效，没有完成绑定。请核对后重新发送「/start 邀请码」，或联系组织部重新获取。", nil)
		return
	case ganwei.EEXPIRED:
		h.send(ctx, r.ChatID, "这个邀请码已过期，没有完成绑定。请联系组织部重新获取邀请码。", nil)
		return
	case ganwei.ECONFLICT:
		if msg := ganwei.ErrorMessage(err); msg != "邀请码已被使用" {
			h.send(ctx, r.ChatID, msg, nil) // the account is someone else's
			return
		}
		h.send(ctx, r.ChatID, "这个邀请码已经用过了，没有完成绑定。每个邀请码只能使用一次，如需帮助请联系组织部。", nil)
		return
	default:
		h.fail(ctx, r.ChatID, "redeem invite", err)
		return
	}
	h.applyAdminIDs(u)
	h.Logger.Info("invite redeemed", "user_id", u.ID, "role", string(u.Role), "platform", r.Event.Account.Platform())
	h.setMenu(ctx, r.ChatID, u.Role) // this chat is theirs
	text := fmt.Sprintf("%s！绑定成功：%s，身份为%s。\n\n%s", ganwei.GreetingFor(u), profileLine(u), u.Role.Label(), h.roleIntro(u.Role))
	if len(u.Accounts) > 1 {
		// One person on several channels: say so, and where pushes go.
		text = fmt.Sprintf("%s！绑定成功：%s，身份为%s。\n已绑定：%s。提醒和通知只发到其中一个渠道，不会重复；发送 /channel 可以选择。",
			ganwei.GreetingFor(u), profileLine(u), u.Role.Label(), ganwei.AccountsLabel(u.Accounts))
	}
	h.send(ctx, r.ChatID, text, nil)
	if len(u.Accounts) > 1 && u.Accounts[0] != r.Event.Account {
		// A link code is a bearer code: whoever holds it and has an account on the other
		// channel becomes this person. The person hears of every account added, where they
		// already get pushes (their first account, or the channel they chose), so that a code
		// forwarded or seen over a shoulder does not go unnoticed.
		h.push(ctx, u.ID, fmt.Sprintf("安全提醒：您的身份刚刚绑定了新的账号：%s。如果不是您本人操作，请立即联系组织部处理。", r.Event.Account.Label()), nil)
	}
}

// welcome is the greeting for /start without a code.
func (h *Handlers) welcome(u *ganwei.User) string {
	if u.Role == ganwei.RoleGuest {
		return "您好，我是敢为助手，为干部解答激励担当、容错纠错、关心关爱等政策问题。\n\n" +
			"直接打字提问就可以，例如：「犯了错误还能容错吗？」\n\n" +
			"如果您是本区干部，请向组织部索取邀请码，发送「/start 邀请码」完成绑定后，还能使用关爱问卷等功能。"
	}
	return fmt.Sprintf("%s！欢迎使用敢为助手。\n\n%s", ganwei.GreetingFor(u), h.roleIntro(u.Role))
}

// roleIntro says in a few lines what the bot does for this role.
func (h *Handlers) roleIntro(role ganwei.Role) string {
	lines := []string{
		"我可以帮您：",
		"• 解答干部政策：直接打字提问，或发送 /topics 按主题浏览",
	}
	if role.AtLeast(ganwei.RoleCadre) {
		lines = append(lines,
			"• 关爱问卷：定期请您花一分钟说说近况，也可随时发送 /checkin",
			"• 新任职提醒：如您新任主要领导，“四项清单”提醒会按时发给您")
	}
	if role.IsStaff() {
		lines = append(lines,
			"• 组织部工作：发邀请码、登记新任职领导、查看问卷汇总和跟进事项")
	}
	lines = append(lines, "", "发送 /help 查看全部命令。")
	return strings.Join(lines, "\n")
}

// whoami shows the person's profile and accounts as the bot knows them.
func (h *Handlers) whoami(ctx context.Context, r *Request) {
	u := r.User
	if u.Role == ganwei.RoleGuest {
		h.send(ctx, r.ChatID, fmt.Sprintf("您目前是访客，还没有绑定身份。当前账号：%s。\n请向组织部索取邀请码，然后发送「/start 邀请码」。", accountsText(u, r.Event.Account)), nil)
		return
	}
	h.send(ctx, r.ChatID, fmt.Sprintf("%s\n身份：%s\n已绑定：%s", profileLine(u), u.Role.Label(), accountsText(u, r.Event.Account)), nil)
}

// accountsText lists the person's accounts for them, or the one they write from.
func accountsText(u *ganwei.User, acting ganwei.Account) string {
	if len(u.Accounts) > 0 {
		return ganwei.AccountsLabel(u.Accounts)
	}
	if acting != "" {
		return acting.Label()
	}
	return "未知"
}

// cancel ends whatever dialog is open. A check-in keeps what was answered (each answer is
// saved when given; only its 取消 button takes the round back), and the person is told so.
func (h *Handlers) cancel(ctx context.Context, r *Request) {
	d, _ := h.loadDialog(ctx, r.User.ID) // unreadable: ClearDialog below says so
	if err := h.Dialogs.ClearDialog(ctx, r.User.ID); err != nil {
		h.fail(ctx, r.ChatID, "clear dialog", err)
		return
	}
	switch {
	case d != nil && d.Kind == dialogCheckIn && d.Data["saved"] == "1":
		h.send(ctx, r.ChatID, "已退出关爱问卷，已作答的题目都已保存。想接着填写或修改，随时发送 /checkin。", nil)
	case d != nil && d.Kind == dialogCheckIn:
		h.send(ctx, r.ChatID, "已退出关爱问卷，这次没有保存任何回答。想填写时随时发送 /checkin。", nil)
	default:
		h.send(ctx, r.ChatID, "已取消当前操作。", nil)
	}
}

// profileLine renders "张三（吴江区发改委 副主任）".
func profileLine(u *ganwei.User) string {
	detail := strings.TrimSpace(u.Unit + " " + u.Position)
	if detail == "" {
		return u.Name
	}
	return fmt.Sprintf("%s（%s）", u.Name, detail)
}

// syncMenu gives staff their own command menu wherever the person has one (their Telegram
// chat); others see the default menu.
func (h *Handlers) syncMenu(ctx context.Context, u *ganwei.User) {
	if err := h.Messenger.SetCommands(ganwei.ToPerson(ctx), u.ID, h.Commands(u.Role)); err != nil {
		h.Logger.Warn("set chat commands", "user_id", u.ID, "err", err)
	}
}

// setMenu sets the menu of role in the chat of the event being handled.
func (h *Handlers) setMenu(ctx context.Context, chatID int64, role ganwei.Role) {
	if err := h.Messenger.SetCommands(ctx, chatID, h.Commands(role)); err != nil {
		h.Logger.Warn("set chat commands", "err", err)
	}
}

// SyncMenus sets the default menu (what a cadre sees) and each staff member's own menu. The bot
// calls it at start-up.
func (h *Handlers) SyncMenus(ctx context.Context) error {
	if err := h.Messenger.SetCommands(ctx, 0, h.Commands(ganwei.RoleCadre)); err != nil {
		return fmt.Errorf("set default commands: %w", err)
	}
	users, err := h.Users.Users(ctx)
	if err != nil {
		return fmt.Errorf("list users for menus: %w", err)
	}
	admins, err := ganwei.AdminPersons(ctx, h.Users, h.AdminIDs, users) // GANWEI_ADMIN_IDS, by account
	if err != nil {
		return fmt.Errorf("find administrators for menus: %w", err)
	}
	for _, u := range users {
		h.applyAdminIDs(u)
		if u.Role.IsStaff() {
			h.syncMenu(ctx, u)
		}
	}
	for _, id := range admins {
		if !slices.ContainsFunc(users, func(u *ganwei.User) bool { return u.ID == id }) {
			h.syncMenu(ctx, &ganwei.User{ID: id, Role: ganwei.RoleAdmin}) // made just now
		}
	}
	return nil
}
