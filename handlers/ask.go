package handlers

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/knowledge"
)

// Callback data of the policy-answer feature:
//
//	kb:src:<id>[|<id>]   show the 原文 of the entries an answer rests on
//	kb:e:<id>            answer with one entry (a topic or related-topic button)
//	kb:cat:<n>           list the entries of the n-th category (/topics)
//	kb:cats              back to the category list
//	fb:up:<asked>        👍 on an answer; fb:down:<asked> 👎
func (h *Handlers) registerAsk() {
	h.addCommand(&command{name: "ask", desc: "提问干部政策", fn: h.askCommand})
	h.addCommand(&command{name: "topics", desc: "按主题浏览政策", fn: h.topics})
	h.addCommand(&command{name: "unanswered", desc: "待补充的提问（知识库维护）", minRole: ganwei.RoleHR, fn: h.unanswered})
	h.addCallback("kb", ganwei.RoleGuest, h.knowledgeButton)
	h.addCallback("fb", ganwei.RoleGuest, h.feedbackButton)
	h.onText = h.askText
}

// smallTalk answers greetings and thanks, which would otherwise get the knowledge base's "not
// covered" reply and land in HR's curation queue.
var smallTalk = func() map[string]string {
	const hello = "您好！我是敢为助手。有干部政策方面的问题直接发给我就行，例如「犯了错误还能容错吗？」；也可以发送 /topics 按主题浏览。"
	const thanks = "不客气！还有问题随时问我。"
	m := map[string]string{}
	for _, w := range []string{"你好", "您好", "你好啊", "您好啊", "在吗", "在不在", "hi", "hello", "哈喽", "嗨"} {
		m[w] = hello
	}
	for _, w := range []string{"谢谢", "谢谢你", "谢谢您", "多谢", "感谢", "好的谢谢", "thanks", "thank you"} {
		m[w] = thanks
	}
	return m
}()

// maxQuestionRunes keeps questions to what retrieval can use; longer text is almost always a
// paste, and answering a fragment of it would mislead.
const maxQuestionRunes = 200

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
	if reply, ok := smallTalk[strings.ToLower(strings.Trim(question, " ！!。.？?~～，,"))]; ok {
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

// sendAnswer sends an answer with its buttons and records it for feedback; an answer that was
// not found also enters the curation queue.
func (h *Handlers) sendAnswer(ctx context.Context, chatID int64, ans knowledge.Answer, question string) {
	asked := &ganwei.AskedQuestion{Question: question, Found: ans.Found}
	for _, s := range ans.Sources {
		asked.EntryIDs = append(asked.EntryIDs, s.ID)
	}
	var askedID string
	if h.Questions != nil {
		id, err := h.Questions.RecordAsked(ctx, asked)
		if err != nil {
			h.Logger.Warn("record asked question", "err", err) // the answer still goes out
		}
		askedID = id
		if !ans.Found {
			if err := h.Questions.RecordUnanswered(ctx, knowledge.NormalizeQuestion(question), question); err != nil {
				h.Logger.Warn("record unanswered question", "err", err)
			}
		}
	}
	var rows [][]models.InlineKeyboardButton
	if ans.Found && len(ans.Sources) > 0 {
		if data := "kb:src:" + strings.Join(asked.EntryIDs, "|"); len(data) <= MaxCallbackData {
			rows = append(rows, []models.InlineKeyboardButton{button("📖 查看原文", data)})
		}
	}
	for _, t := range ans.Related {
		if data := "kb:e:" + t.ID; len(data) <= MaxCallbackData {
			rows = append(rows, []models.InlineKeyboardButton{button(shorten(t.Title, 28), data)})
		}
	}
	if askedID != "" && ans.Found {
		rows = append(rows, feedbackRow(askedID, ""))
	}
	var kb *models.InlineKeyboardMarkup
	if len(rows) > 0 {
		kb = keyboard(rows...)
	}
	h.send(ctx, chatID, ans.Text, kb)
}

// feedbackRow renders 👍/👎, marking the vote already given.
func feedbackRow(askedID, vote string) []models.InlineKeyboardButton {
	up, down := "👍 有帮助", "👎 没帮助"
	switch vote {
	case ganwei.VoteUp:
		up = "✅ 有帮助"
	case ganwei.VoteDown:
		down = "✅ 没帮助"
	}
	return []models.InlineKeyboardButton{button(up, "fb:up:"+askedID), button(down, "fb:down:"+askedID)}
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
		h.answer(ctx, r.Callback.ID, msgStaleButton, true)
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
				h.answer(ctx, r.Callback.ID, msgStaleButton, true)
				return
			}
			if b.Len() > 0 {
				b.WriteString("\n\n")
			}
			fmt.Fprintf(&b, "【%s】原文：\n%s\n——%s", e.Title, e.Excerpt, e.Source())
		}
		h.answer(ctx, r.Callback.ID, "", false)
		h.send(ctx, r.ChatID, b.String(), nil)
	case "e":
		ans, ok := h.Answerer.Explain(arg)
		if !ok {
			h.answer(ctx, r.Callback.ID, msgStaleButton, true)
			return
		}
		h.answer(ctx, r.Callback.ID, "", false)
		h.sendAnswer(ctx, r.ChatID, ans, ans.Question)
	case "cats":
		h.answer(ctx, r.Callback.ID, "", false)
		if err := h.Messenger.Edit(ctx, r.ChatID, r.MessageID, topicsText, h.categoryKeyboard(base)); err != nil {
			h.Logger.Warn("edit topics", "err", err)
		}
	case "cat":
		cats := base.Categories()
		n, err := strconv.Atoi(arg)
		if err != nil || n < 0 || n >= len(cats) {
			h.answer(ctx, r.Callback.ID, msgStaleButton, true)
			return
		}
		var rows [][]models.InlineKeyboardButton
		for _, e := range base.EntriesIn(cats[n].Name) {
			rows = append(rows, []models.InlineKeyboardButton{button(shorten(e.Title, 28), "kb:e:"+e.ID)})
		}
		rows = append(rows, []models.InlineKeyboardButton{button("« 返回主题列表", "kb:cats")})
		h.answer(ctx, r.Callback.ID, "", false)
		text := fmt.Sprintf("「%s」下有 %d 个话题，点一个查看：", cats[n].Name, len(rows)-1)
		if err := h.Messenger.Edit(ctx, r.ChatID, r.MessageID, text, keyboard(rows...)); err != nil {
			h.Logger.Warn("edit topics", "err", err)
		}
	default:
		h.answer(ctx, r.Callback.ID, msgStaleButton, true)
	}
}

const topicsText = "请选择想了解的主题："

// answersUnavailable is what /ask, free text and /topics say when no knowledge base is loaded.
func (h *Handlers) answersUnavailable() string {
	return "政策问答暂时不可用，请联系" + h.Contact + "。"
}

func (h *Handlers) categoryKeyboard(base *knowledge.Base) *models.InlineKeyboardMarkup {
	var rows [][]models.InlineKeyboardButton
	for i, c := range base.Categories() {
		rows = append(rows, []models.InlineKeyboardButton{button(fmt.Sprintf("%s（%d）", c.Name, c.Count), "kb:cat:"+strconv.Itoa(i))})
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

// feedbackButton records 👍/👎 and marks the choice on the buttons.
func (h *Handlers) feedbackButton(ctx context.Context, r *Request, data string) {
	vote, askedID, _ := strings.Cut(data, ":")
	if h.Questions == nil || (vote != ganwei.VoteUp && vote != ganwei.VoteDown) || askedID == "" {
		h.answer(ctx, r.Callback.ID, msgStaleButton, true)
		return
	}
	q, err := h.Questions.Vote(ctx, askedID, vote)
	switch ganwei.ErrorCode(err) {
	case "":
	case ganwei.ENOTFOUND:
		h.answer(ctx, r.Callback.ID, "这条回答的评价已过期，谢谢您。", false)
		return
	default:
		h.Logger.Warn("vote", "err", err)
		h.answer(ctx, r.Callback.ID, msgTryLater, false)
		return
	}
	thanks := "谢谢反馈，我们会据此改进回答。"
	if vote == ganwei.VoteDown {
		thanks = "谢谢反馈。如需进一步了解，请联系" + h.Contact + "。"
	}
	h.answer(ctx, r.Callback.ID, thanks, false)
	if r.Callback.Message.Message == nil {
		return
	}
	// Keep the other buttons of the message and re-mark the feedback row.
	var rows [][]models.InlineKeyboardButton
	var old [][]models.InlineKeyboardButton
	if mk := r.Callback.Message.Message.ReplyMarkup; mk != nil {
		old = mk.InlineKeyboard
	}
	for _, row := range old {
		if len(row) > 0 && strings.HasPrefix(row[0].CallbackData, "fb:") {
			continue
		}
		rows = append(rows, row)
	}
	rows = append(rows, feedbackRow(q.ID, vote))
	if err := h.Messenger.Edit(ctx, r.ChatID, r.MessageID, r.Callback.Message.Message.Text, keyboard(rows...)); err != nil {
		h.Logger.Warn("mark feedback", "err", err)
	}
}

// unanswered shows HR the curation queue: what cadres asked that the knowledge base lacks.
func (h *Handlers) unanswered(ctx context.Context, r *Request) {
	if h.Questions == nil {
		h.send(ctx, r.ChatID, msgTryLater, nil)
		return
	}
	top, err := h.Questions.TopUnanswered(ctx, 20)
	if err != nil {
		h.fail(ctx, r.ChatID, "list unanswered", err)
		return
	}
	if len(top) == 0 {
		h.send(ctx, r.ChatID, "目前没有未能回答的提问。", nil)
		return
	}
	var b strings.Builder
	b.WriteString("知识库未能回答的提问（按次数排序，供补充知识库参考）：\n")
	for i, q := range top {
		fmt.Fprintf(&b, "%d. %s（%d 次，最近 %s）\n", i+1, shorten(q.Example, 40), q.Count, q.LastAsked.In(h.Location).Format("1月2日"))
	}
	b.WriteString("\n补充方法：把新条目写入 GANWEI_KNOWLEDGE_DIR 下的 YAML 文件，机器人会自动加载。")
	h.send(ctx, r.ChatID, b.String(), nil)
}
