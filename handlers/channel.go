package handlers

import (
	"context"
	"fmt"
	"strings"

	"github.com/ganwei-bot/ganwei"
)

// ChannelPreferences keeps the channel a person with accounts on several front ends gets pushes
// (reminders, check-in prompts, alerts) on. redisstore.Store implements it.
type ChannelPreferences interface {
	PreferredChannel(ctx context.Context, personID int64) (string, error)
	SetPreferredChannel(ctx context.Context, personID int64, channel string) error
}

// channelNames are the channels a person may choose, with what people type for them.
var channelNames = []struct {
	platform, label string
	aliases         []string
}{
	{"wecom", "企业微信", []string{"企业微信", "企微", "wecom"}},
	{"telegram", "Telegram", []string{"telegram", "tg"}},
}

func channelLabel(platform string) string {
	for _, c := range channelNames {
		if c.platform == platform {
			return c.label
		}
	}
	return platform
}

// registerChannel adds /channel when preferences are kept: a person with two accounts picks the
// one pushes go to (HR can set it with `ganwei admin channel`). It is hidden from the menu, as
// only people with both accounts need it; /help's role texts are unchanged.
func (h *Handlers) registerChannel() {
	if h.Channels == nil {
		return
	}
	h.addCommand(&command{name: "channel", desc: "选择提醒发到哪个渠道", minRole: ganwei.RoleCadre, hidden: true, fn: h.channel})
}

func (h *Handlers) channel(ctx context.Context, r *Request) {
	var have []string
	for _, a := range r.User.Accounts {
		have = append(have, a.Platform())
	}
	arg := strings.ToLower(strings.TrimSpace(r.Args))
	if arg == "" {
		current, err := h.Channels.PreferredChannel(ctx, r.User.ID)
		if err != nil {
			h.fail(ctx, r.ChatID, "read preferred channel", err)
			return
		}
		if len(have) < 2 {
			h.send(ctx, r.ChatID, "您目前只绑定了一个渠道，提醒、问卷和通知都发到这里。如需同时使用 Telegram 或企业微信，请发送 /link 获取绑定码。", nil)
			return
		}
		now := "最初绑定的渠道"
		if current != "" {
			now = channelLabel(current)
		}
		h.send(ctx, r.ChatID, fmt.Sprintf("您的提醒、问卷和通知目前发到：%s。\n如需更改，请发送「/channel 企业微信」或「/channel telegram」。", now), nil)
		return
	}
	for _, c := range channelNames {
		for _, alias := range c.aliases {
			if arg != strings.ToLower(alias) {
				continue
			}
			if !contains(have, c.platform) {
				h.send(ctx, r.ChatID, fmt.Sprintf("您还没有绑定%s账号，无法把提醒改发到那里。如需绑定，请发送 /link 获取绑定码，在%s中发送即可；也可以联系组织部。", c.label, c.label), nil)
				return
			}
			if err := h.Channels.SetPreferredChannel(ctx, r.User.ID, c.platform); err != nil {
				h.fail(ctx, r.ChatID, "save preferred channel", err)
				return
			}
			h.send(ctx, r.ChatID, fmt.Sprintf("好的，今后的提醒、问卷和通知只发到%s，不会重复发送。", c.label), nil)
			return
		}
	}
	h.send(ctx, r.ChatID, "没有这个渠道。请发送「/channel 企业微信」或「/channel telegram」。", nil)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
