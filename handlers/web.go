package handlers

import (
	"context"
	"fmt"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/weblink"
)

// WebLinks issues one-time sign-in links to the HR web console for the context's actor
// (weblink.Service).
type WebLinks interface {
	Issue(ctx context.Context) (string, error)
}

// RegisterWeb adds /web, which gives HR and admins a one-time link to the web console (组织部工作台).
// Call it after Register; without it the command does not exist.
func (h *Handlers) RegisterWeb(links WebLinks) {
	h.addCommand(&command{name: "web", desc: "打开组织部工作台（网页）", minRole: ganwei.RoleHR,
		fn: func(ctx context.Context, r *Request) { h.webLink(ctx, r, links) }})
}

// webLink sends the link; the service decides (a cadre or guest gets the polite refusal).
func (h *Handlers) webLink(ctx context.Context, r *Request, links WebLinks) {
	link, err := links.Issue(ctx)
	if err != nil {
		h.fail(ctx, r.ChatID, "issue web link", err)
		return
	}
	h.send(ctx, r.ChatID, fmt.Sprintf("组织部工作台登录链接（仅限本人使用，%d 分钟内有效，只能使用一次）：\n%s\n\n请在办公电脑的浏览器中打开。不要转发此链接。", int(weblink.LinkTTL.Minutes()), link), nil)
}
