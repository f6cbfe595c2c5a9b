package handlers

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/knowledge"
)

// Callback data of the policy-answer feature:
//
//	kb:src:<id>[|<id>]      show the 原文 of the entries an answer rests on
//	kb:e:<id>               answer with one entry (a topic or related-topic button)
//	kb:pick:<asked>:<id>    answer with one of the "您是想问" candidates, recorded as a pick
//	kb:cat:<n>              list the entries of the n-th category (/topics)
//	kb:cats                 back to the category list
//	fb:up:<asked>           👍 on an answer; fb:down:<asked> 👎
//	fb:why:<asked>:<reason> the optional reason after a 👎 (答非所问 / 不够具体 / 信息有误)
func (h *Handlers) registerAsk() {
	h.addCommand(&command{name: "ask", desc: "提问干部政策", fn: h.askCommand})
	h.addCommand(&command{name: "topics", desc: "按主题浏览政策", fn: h.topics})
	h.addCommand(&command{name: "unanswered", desc: "待补充的提问（知识库维护）", minRole: ganwei.RoleHR, fn: h.unanswered})
	h.addCallback("kb", ganwei.RoleGuest, h.knowledgeButton)
	h.addCallback("fb", ganwei.RoleGuest, h.feedbackButton)
	h.onText = h.askText
}

// maxQuestionRunes is the longest message read as a question: long, story-like messages are
// read for the question inside them; beyond this it is a paste, and answering a fragment of it
// would mislead.
const maxQuestionRunes = knowledge.MaxMessageRunes

func (h *Handlers) askCommand(ctx context.Context, r *Request) {
	if r.Args == "" {
		h.send(ctx, r.ChatID, "请在 /ask 后面写上您的问题，例如「/ask 犯了错误还能容错吗」。也可以直接把问题发给我。", nil)
		return
	}
	if h.inCheckIn(ctx, r.User.ID) { // text typed during a check-in never reaches the model (checkin.go)
		h.answerPrivately(ctx, r, r.Args)
		return
	}
	h.answerQuestion(ctx, r, r.Args)
}

func (h *Handlers) askText(ctx context.Context, r *Request) {
	h.answerQuestion(ctx, r, r.Text)
}

// answerQuestion answers from the knowledge base. Only the question goes to retrieval (and to
// the model, when one is configured): nothing about the person who asked.
func (h *Handlers) answerQuestion(ctx context.Context, r *Request, question string) {
	question = strings.TrimSpace(question)
	if utf8.RuneCountInString(question) > maxQuestionRunes {
		h.send(ctx, r.ChatID, fmt.Sprintf("问题有点长，请用一两句话（%d 字以内）把想问的说清楚，我好找准答案。", maxQuestionRunes), nil)
		return
	}
	if reply, ok := knowledge.SmallTalk(question); ok {
		h.send(ctx, r.ChatID, reply, nil) // a greeting is not a policy question to decline
		return
	}
	if h.Answerer == nil {
		h.send(ctx, r.ChatID, h.answersUnavailable(), nil)
		return
	}
	ans := h.Answerer.Answer(ctx, question)
	h.sendAnswer(ctx, r.ChatID, ans, question)
}

// sendAnswer sends an answer with its buttons and records it for feedback; a declined question
// also enters the curation queue. Small talk is neither recorded nor queued.
func (h *Handlers) sendAnswer(ctx context.Context, chatID int64, ans knowledge.Answer, question string) {
	if ans.Band == knowledge.BandChat {
		h.send(ctx, chatID, ans.Text, nil)
		return
	}
	asked := &ganwei.AskedQuestion{Question: question, Found: ans.Found, Normalized: knowledge.NormalizeQuestion(question)}
	for _, s := range ans.Sources {
		asked.EntryIDs = append(asked.EntryIDs, s.ID)
	}
	for _, c := range ans.Candidates {
		asked.Candidates = append(asked.Candidates, c.ID)
	}
	var askedID string
	if h.Questions != nil {
		id, err := h.Questions.RecordAsked(ctx, asked)
		if err != nil {
			h.Logger.Warn("record asked question", "err", err) // the answer still goes out
		}
		askedID = id
		if ans.Band == knowledge.BandDeclined {
			if err := h.Questions.RecordUnanswered(ctx, asked.Normalized, question); err != nil {
				h.Logger.Warn("record unanswered question", "err", err)
			}
		}
	}
	text := ans.Text
	if ctx.Value(lineNotSavedKey{}) != nil {
		text += "\n\n" + msgLineNotSaved
	}
	h.send(ctx, chatID, text, h.answerKeyboard(ans, askedID))
}

// answerKeyboard renders an answer's buttons: 原文, the "您是想问" candidates or related topics,
// and 👍/👎 when the answer was recorded (askedID set).
func (h *Handlers) answerKeyboard(ans knowledge.Answer, askedID string) ganwei.Keyboard {
	var rows [][]ganwei.Button
	if ans.Found && len(ans.Sources) > 0 {
		var ids []string
		for _, s := range ans.Sources {
			ids = append(ids, s.ID)
		}
		if data := "kb:src:" + strings.Join(ids, "|"); len(data) <= MaxActionPayload {
			rows = append(rows, []ganwei.Button{button("📖 查看原文", data)})
		}
	}
	for _, t := range ans.Candidates {
		data := "kb:pick:" + askedID + ":" + t.ID
		if askedID == "" {
			data = "kb:e:" + t.ID
		}
		if len(data) <= MaxActionPayload {
			rows = append(rows, []ganwei.Button{button(shorten(t.Title, 28), data)})
		}
	}
	for _, t := range ans.Related {
		if data := "kb:e:" + t.ID; len(data) <= MaxActionPayload {
			rows = append(rows, []ganwei.Button{button(shorten(t.Title, 28), data)})
		}
	}
	if askedID != "" && ans.Found {
		rows = append(rows, feedbackRow(askedID, ""))
	}
	if len(rows) == 0 {
		return nil
	}
	return keyboard(rows...)
}

// feedbackRow renders 👍/👎, marking the vote already given.
func feedbackRow(askedID, vote string) []ganwei.Button {
	up, down := "👍 有帮助", "👎 没帮助"
	switch vote {
	case ganwei.VoteUp:
		up = "✅ 有帮助"
	case ganwei.VoteDown:
		down = "✅ 没帮助"
	}
	return []ganwei.Button{button(up, "fb:up:"+askedID), button(down, "fb:down:"+askedID)}
}

// shorten keeps button labels to one line on a phone.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// knowledgeButton handles source, topic and category buttons.
func (h *Handlers) knowledgeButton(ctx context.Context, r *Request, data string) {
	if h.Answerer == nil {
		h.answer(ctx, r.Action.ID, msgStaleButton, true)
		return
	}
	base := h.Answerer.Library.Base()
	kind, arg, _ := strings.Cut(data, ":")
	switch kind {
	case "src":
		var b strings.Builder
		for _, id := range strings.Split(arg, "|") {
			e, ok := base.Entry(id)
			if !ok {
				h.answer(ctx, r.Action.ID, msgStaleButton, true)
				return
			}
			if b.Len() > 0 {
				b.WriteString("\n\n")
			}
			fmt.Fprintf(&b, "【%s】原文：\n%s\n——%s", e.Title, e.Excerpt, e.Source())
		}
		h.answer(ctx, r.Action.ID, "", false)
		h.send(ctx, r.ChatID, b.String(), nil)
	case "e":
		ans, ok := h.Answerer.Explain(arg)
		if !ok {
			h.answer(ctx, r.Action.ID, msgStaleButton, true)
			return
		}
		h.answer(ctx, r.Action.ID, "", false)
		h.sendAnswer(ctx, r.ChatID, ans, ans.Question)
	case "pick":
		h.pickCandidate(ctx, r, arg)
	case "cats":
		h.answer(ctx, r.Action.ID, "", false)
		if err := h.Messenger.Edit(ctx, r.ChatID, r.MessageID, topicsText, h.categoryKeyboard(base)); err != nil {
			h.Logger.Warn("edit topics", "err", err)
		}
	case "cat":
		cats := base.Categories()
		n, err := strconv.Atoi(arg)
		if err != nil || n < 0 || n >= len(cats) {
			h.answer(ctx, r.Action.ID, msgStaleButton, true)
			return
		}
		var rows [][]ganwei.Button
		for _, e := range base.EntriesIn(cats[n].Name) {
			rows = append(rows, []ganwei.Button{button(shorten(e.Title, 28), "kb:e:"+e.ID)})
		}
		rows = append(rows, []ganwei.Button{button("« 返回主题列表", "kb:cats")})
		h.answer(ctx, r.Action.ID, "", false)
		text := fmt.Sprintf("「%s」下有 %d 个话题，点一个查看：", cats[n].Name, len(rows)-1)
		if err := h.Messenger.Edit(ctx, r.ChatID, r.MessageID, text, keyboard(rows...)); err != nil {
			h.Logger.Warn("edit topics", "err", err)
		}
	default:
		h.answer(ctx, r.Action.ID, msgStaleButton, true)
	}
}

const topicsText = "请选择想了解的主题："

// answersUnavailable is what /ask, free text and /topics say when no knowledge base is loaded.
func (h *Handlers) answersUnavailable() string {
	return "政策问答暂时不可用，请联系" + h.Contact + "。"
}

func (h *Handlers) categoryKeyboard(base *knowledge.Base) ganwei.Keyboard {
	var rows [][]ganwei.Button
	for i, c := range base.Categories() {
		rows = append(rows, []ganwei.Button{button(fmt.Sprintf("%s（%d）", c.Name, c.Count), "kb:cat:"+strconv.Itoa(i))})
	}
	return keyboard(rows...)
}

// topics starts browsing by category.
func (h *Handlers) topics(ctx context.Context, r *Request) {
	if h.Answerer == nil {
		h.send(ctx, r.ChatID, h.answersUnavailable(), nil)
		return
	}
	h.send(ctx, r.ChatID, topicsText, h.categoryKeyboard(h.Answerer.Library.Base()))
}

// pickCandidate answers with the "您是想问" candidate tapped (arg is "<asked>:<entry>") and
// records the pick, so curators see which wording meant which entry. The answer carries 👍/👎
// for the same asked question, now about the picked entry.
func (h *Handlers) pickCandidate(ctx context.Context, r *Request, arg string) {
	askedID, entryID, ok := strings.Cut(arg, ":")
	ans, found := h.Answerer.Explain(entryID)
	if !ok || !found || askedID == "" {
		h.answer(ctx, r.Action.ID, msgStaleButton, true)
		return
	}
	recorded := false
	if h.Questions != nil {
		_, err := h.Questions.Pick(ctx, askedID, entryID)
		switch ganwei.ErrorCode(err) {
		case "":
			recorded = true
		case ganwei.ENOTFOUND, ganwei.EINVALID:
			// Expired or forged: the entry exists, so still answer, without feedback buttons.
		default:
			h.Logger.Warn("record pick", "err", err) // the answer still goes out
		}
	}
	h.answer(ctx, r.Action.ID, "", false)
	if !recorded {
		askedID = ""
	}
	h.send(ctx, r.ChatID, ans.Text, h.answerKeyboard(ans, askedID))
}

// downReasons are the optional follow-up to a 👎, in the order shown.
var downReasons = []struct{ code, label string }{
	{ganwei.ReasonOffTopic, "答非所问"},
	{ganwei.ReasonVague, "不够具体"},
	{ganwei.ReasonWrong, "信息有误"},
}

// reasonRow offers the reasons after a 👎.
func reasonRow(askedID string) []ganwei.Button {
	row := make([]ganwei.Button, len(downReasons))
	for i, r := range downReasons {
		row[i] = button(r.label, "fb:why:"+askedID+":"+r.code)
	}
	return row
}

// feedbackButton records 👍/👎 (and the reason after a 👎) and marks the choice on the buttons.
func (h *Handlers) feedbackButton(ctx context.Context, r *Request, data string) {
	vote, askedID, _ := strings.Cut(data, ":")
	if vote == "why" {
		h.reasonButton(ctx, r, askedID)
		return
	}
	if h.Questions == nil || (vote != ganwei.VoteUp && vote != ganwei.VoteDown) || askedID == "" {
		h.answer(ctx, r.Action.ID, msgStaleButton, true)
		return
	}
	q, err := h.Questions.Vote(ctx, askedID, vote)
	switch ganwei.ErrorCode(err) {
	case "":
	case ganwei.ENOTFOUND:
		h.answer(ctx, r.Action.ID, "这条回答的评价已过期，谢谢您。", false)
		return
	default:
		h.Logger.Warn("vote", "err", err)
		h.answer(ctx, r.Action.ID, msgTryLater, false)
		return
	}
	thanks := "谢谢反馈，我们会据此改进回答。"
	if vote == ganwei.VoteDown {
		thanks = "谢谢反馈。愿意的话，点一下哪里不好（可不选）；如需进一步了解，请联系" + h.Contact + "。"
	}
	h.answer(ctx, r.Action.ID, thanks, false)
	var extra [][]ganwei.Button
	if vote == ganwei.VoteDown {
		extra = append(extra, reasonRow(q.ID))
	}
	h.remarkFeedback(ctx, r, append([][]ganwei.Button{feedbackRow(q.ID, vote)}, extra...))
}

// reasonButton records the reason given after a 👎 and takes the reason buttons away.
func (h *Handlers) reasonButton(ctx context.Context, r *Request, arg string) {
	askedID, reason, _ := strings.Cut(arg, ":")
	if h.Questions == nil || askedID == "" || !ganwei.ValidReason(reason) {
		h.answer(ctx, r.Action.ID, msgStaleButton, true)
		return
	}
	q, err := h.Questions.GiveReason(ctx, askedID, reason)
	switch ganwei.ErrorCode(err) {
	case "":
	case ganwei.ENOTFOUND, ganwei.EINVALID:
		h.answer(ctx, r.Action.ID, "这条回答的评价已过期，谢谢您。", false)
		return
	default:
		h.Logger.Warn("give reason", "err", err)
		h.answer(ctx, r.Action.ID, msgTryLater, false)
		return
	}
	h.answer(ctx, r.Action.ID, "收到，谢谢您指出，我们会据此修改这条回答。", false)
	h.remarkFeedback(ctx, r, [][]ganwei.Button{feedbackRow(q.ID, q.Vote)})
}

// remarkFeedback keeps the message's other buttons and replaces its feedback rows with rows.
func (h *Handlers) remarkFeedback(ctx context.Context, r *Request, rows [][]ganwei.Button) {
	if r.Action == nil || r.MessageID == 0 {
		return
	}
	var kept [][]ganwei.Button
	for _, row := range r.Action.Buttons {
		if len(row) > 0 && strings.HasPrefix(row[0].Action, "fb:") {
			continue
		}
		kept = append(kept, row)
	}
	if err := h.Messenger.Edit(ctx, r.ChatID, r.MessageID, r.Action.MessageText, keyboard(append(kept, rows...)...)); err != nil {
		h.Logger.Warn("mark feedback", "err", err)
	}
}

// unanswered shows HR the curation queue: what cadres asked that the knowledge base lacks, a
// page at a time; the worst-rated entries come on the first page.
func (h *Handlers) unanswered(ctx context.Context, r *Request) {
	if h.Questions == nil {
		h.send(ctx, r.ChatID, msgTryLater, nil)
		return
	}
	h.showList(ctx, r, "un")
}

// unansweredPage is page n of the unanswered questions, most asked first.
func (h *Handlers) unansweredPage(ctx context.Context, r *Request, n int) (*listPage, error) {
	// The page's end is not known before the total: ask for pages up to n, then cut.
	top, total, err := h.curation.Unanswered(ctx, (n+1)*PageSize)
	if err != nil {
		return nil, err
	}
	from, to := pageBounds(n, total)
	var b strings.Builder
	if total == 0 {
		b.WriteString("目前没有未能回答的提问。\n")
	} else {
		fmt.Fprintf(&b, "知识库未能回答的提问共 %d 条（按次数排序，供补充知识库参考）：\n", total)
		for i := from; i < min(to, len(top)); i++ {
			q := top[i]
			fmt.Fprintf(&b, "%d. %s（%d 次，最近 %s）\n", i+1, shorten(q.Example, 40), q.Count, q.LastAsked.In(h.Location).Format("1月2日"))
		}
	}
	if n == 0 {
		worst, err := h.curation.WorstRated(ctx, 5)
		if err != nil {
			return nil, err
		}
		if len(worst) > 0 {
			b.WriteString("\n评价最差的条目（👎 多于 👍，请优先修改）：\n")
			for i, w := range worst {
				fmt.Fprintf(&b, "%d. %s\n", i+1, h.describeFeedback(w))
			}
		}
	}
	b.WriteString("\n补充方法：发送 /web 进入工作台，在“知识库”页点“写条目”（保存前自动检查，通过即生效）；或把新条目写入 GANWEI_KNOWLEDGE_DIR 下的 YAML 文件。")
	return &listPage{text: b.String(), total: total}, nil
}

// describeFeedback renders an entry's feedback for curators: id, title, votes, reasons, picks.
func (h *Handlers) describeFeedback(w ganwei.EntryFeedback) string {
	title := ""
	if h.Answerer != nil {
		if e, ok := h.Answerer.Library.Base().Entry(w.EntryID); ok {
			title = " " + shorten(e.Title, 24)
		}
	}
	s := fmt.Sprintf("%s%s：👍 %d，👎 %d", w.EntryID, title, w.Up, w.Down)
	var why []string
	for _, r := range downReasons {
		if n := w.Reasons[r.code]; n > 0 {
			why = append(why, fmt.Sprintf("%s %d", r.label, n))
		}
	}
	if len(why) > 0 {
		s += "（" + strings.Join(why, "，") + "）"
	}
	if w.Picks > 0 {
		s += fmt.Sprintf("，从“您是想问”选中 %d 次", w.Picks)
	}
	return s
}

// NotifyKnowledgeRejected tells the administrators (GANWEI_ADMIN_IDS) that an edit of the
// operator knowledge files was refused and the previous base stays live, with what failed.
func (h *Handlers) NotifyKnowledgeRejected(ctx context.Context, err error) {
	h.Logger.Warn("knowledge edit refused, previous base kept", "err", err)
	text := "知识库更新未生效：GANWEI_KNOWLEDGE_DIR 中的修改没有通过检查（ganwei kb check），机器人继续使用上一版知识库。请修改后保存，机器人会自动重新检查。\n\n" +
		shorten(err.Error(), 1500)
	if h.Users == nil {
		return
	}
	users, err := h.Users.Users(ctx)
	if err != nil {
		h.Logger.Warn("list administrators for the knowledge notice", "err", err)
		return
	}
	admins, err := ganwei.AdminPersons(ctx, h.Users, h.AdminIDs, users)
	if err != nil {
		h.Logger.Warn("find administrators for the knowledge notice", "err", err)
	}
	for _, id := range admins {
		h.push(ctx, id, text, nil)
	}
}
