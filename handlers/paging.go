package handlers

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/ganwei-bot/ganwei"
)

// HR's lists (/reminders, /cases, /unanswered, /users) show PageSize entries per message with
// 上一页/下一页 buttons, which edit the message in place, and always say the total. A page button
// carries pg:{list}:{page}; anything else under pg: is answered politely and does nothing.

// PageSize is how many entries one page of a list shows.
const PageSize = 10

// pageCB prefixes the page buttons.
const pageCB = "pg"

// maxPage bounds the page number a button may carry (a forged number is refused, not computed).
const maxPage = 10000

// msgStalePage answers a page button that is forged or belongs to a list that no longer exists.
const msgStalePage = "这个翻页按钮已失效，请重新发送命令查看列表。"

// listPage is one page of a list: its text (entries numbered from the list's start), a button
// row per entry when entries have buttons, and how many entries the whole list has.
type listPage struct {
	text  string
	rows  [][]ganwei.Button
	total int
}

// pagedList renders page n (from 0) of one list.
type pagedList struct {
	minRole ganwei.Role
	render  func(ctx context.Context, r *Request, n int) (*listPage, error)
}

// list is the paged list of that name, or nil.
func (h *Handlers) list(name string) *pagedList {
	switch name {
	case "rm":
		if h.Reminders != nil {
			return &pagedList{ganwei.RoleHR, h.remindersPage}
		}
	case "cs":
		if h.staff != nil {
			return &pagedList{ganwei.RoleHR, h.casesPage}
		}
	case "un":
		if h.Questions != nil {
			return &pagedList{ganwei.RoleHR, h.unansweredPage}
		}
	case "us":
		return &pagedList{ganwei.RoleAdmin, h.usersPage}
	}
	return nil
}

func (h *Handlers) registerPaging() {
	h.addCallback(pageCB, ganwei.RoleHR, h.pageButton)
}

// pageCount is how many pages total entries fill (at least one).
func pageCount(total int) int {
	if total <= PageSize {
		return 1
	}
	return (total + PageSize - 1) / PageSize
}

// pageBounds is the slice [from, to) of page n in a list of total entries.
func pageBounds(n, total int) (from, to int) {
	from = min(n*PageSize, total)
	return from, min(from+PageSize, total)
}

// showList sends page 0 of the list as a new message.
func (h *Handlers) showList(ctx context.Context, r *Request, name string) {
	h.showPage(ctx, r, name, 0, false)
}

// showPage renders page n of the list, or its last page when the list has shrunk since the
// button was made, and sends it (edit: in place of the message whose button was pressed).
func (h *Handlers) showPage(ctx context.Context, r *Request, name string, n int, edit bool) {
	l := h.list(name)
	p, err := l.render(ctx, r, n)
	if err == nil && n > 0 && n >= pageCount(p.total) {
		n = pageCount(p.total) - 1
		p, err = l.render(ctx, r, n)
	}
	if err != nil {
		h.fail(ctx, r.ChatID, "list page "+name, err)
		return
	}
	text, rows := p.text, p.rows
	if pages := pageCount(p.total); pages > 1 {
		text += fmt.Sprintf("\n\n第 %d / %d 页，每页 %d 条，共 %d 条。", n+1, pages, PageSize, p.total)
		var nav []ganwei.Button
		if n > 0 {
			nav = append(nav, button("上一页", fmt.Sprintf("%s:%s:%d", pageCB, name, n-1)))
		}
		if n < pages-1 {
			nav = append(nav, button("下一页", fmt.Sprintf("%s:%s:%d", pageCB, name, n+1)))
		}
		rows = append(rows, nav)
	}
	var kb ganwei.Keyboard
	if len(rows) > 0 {
		kb = keyboard(rows...)
	}
	if edit {
		h.edit(ctx, r, text, kb)
		return
	}
	h.send(ctx, r.ChatID, text, kb)
}

// pageButton turns a page: pg:{list}:{page}.
func (h *Handlers) pageButton(ctx context.Context, r *Request, data string) {
	name, num, _ := strings.Cut(data, ":")
	l := h.list(name)
	n, err := strconv.Atoi(num)
	if l == nil || err != nil || n < 0 || n > maxPage || strconv.Itoa(n) != num {
		h.answer(ctx, r.Action.ID, msgStalePage, true)
		return
	}
	if !r.User.Role.AtLeast(l.minRole) {
		h.answer(ctx, r.Action.ID, msgAdminOnly, true)
		return
	}
	h.answer(ctx, r.Action.ID, "", false)
	h.showPage(ctx, r, name, n, true)
}
