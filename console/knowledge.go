package console

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/knowledge"
)

// maxTestQuestion bounds a hit-testing question, like the bot's input limit.
const maxTestQuestion = 200

type hitRow struct {
	Hit  knowledge.Hit
	Used bool // the answer rests on this entry
}

type knowledgeData struct {
	Categories []categoryEntries
	Question   string
	Answer     *knowledge.Answer
	Hits       []hitRow
	Unanswered []ganwei.UnansweredQuestion
	Total      int
	Worst      []ganwei.EntryFeedback
	Titles     map[string]string
}

type categoryEntries struct {
	Name    string
	Entries []*knowledge.Entry
}

// bandLabel is an answer band as HR reads it.
func bandLabel(b knowledge.Band) string {
	switch b {
	case knowledge.BandAnswered:
		return "直接回答"
	case knowledge.BandCandidates:
		return "您是想问（候选）"
	case knowledge.BandDeclined:
		return "未找到，礼貌拒答"
	case knowledge.BandChat:
		return "寒暄"
	}
	return string(b)
}

// knowledgePage is the 知识库 page: the curation queue (through curation.Queue, which decides
// that only HR may read people's own questions), hit testing with exactly the bot's Answerer, and
// the entries by category.
func (s *Server) knowledgePage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	top, total, err := s.Curation.Unanswered(ctx, 30)
	if err != nil {
		s.fail(w, r, "unanswered queue", err)
		return
	}
	worst, err := s.Curation.WorstRated(ctx, 10)
	if err != nil {
		s.fail(w, r, "worst-rated entries", err)
		return
	}
	base := s.Answerer.Library.Base()
	d := knowledgeData{Unanswered: top, Total: total, Worst: worst, Titles: map[string]string{}}
	for _, e := range base.Entries() {
		d.Titles[e.ID] = e.Title
	}
	for _, c := range base.Categories() {
		d.Categories = append(d.Categories, categoryEntries{Name: c.Name, Entries: base.EntriesIn(c.Name)})
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if utf8.RuneCountInString(q) > maxTestQuestion {
		s.renderMessage(w, r, http.StatusBadRequest, "输入有误", "测试问题请不要超过 200 字。")
		return
	}
	if q != "" {
		ans := s.Answerer.Answer(ctx, q)
		d.Question, d.Answer = q, &ans
		used := map[string]bool{}
		for _, src := range ans.Sources {
			used[src.ID] = true
		}
		for _, h := range base.Search(q, 8) {
			d.Hits = append(d.Hits, hitRow{Hit: h, Used: used[h.Entry.ID]})
		}
	}
	s.render(w, r, http.StatusOK, "knowledge", "知识库", "knowledge", d)
}
