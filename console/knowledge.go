package console

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/curation"
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
	Feedback   []feedbackRow
	Titles     map[string]string
	// The curators' versions (nil Editor: the page only reads).
	Editing  bool  // the editor is wired
	MayEdit  bool  // the viewer may change entries
	Live     int64 // the live version
	LiveV    *ganwei.KBVersion
	LiveBy   string
	Saved    int64 // the version just saved, to confirm it
	Resolved bool  // a question was just taken off the queue
	// Stuck is a live version this replica could not install, and why.
	Stuck         int64
	StuckProblems []string
}

type categoryEntries struct {
	Name    string
	Entries []entryRow
}

// entryRow is an entry as the page lists it, with what readers said about it.
type entryRow struct {
	*knowledge.Entry
	Feedback *ganwei.EntryFeedback
	Console  bool // written or changed in the console
}

// feedbackRow is one entry's 👍/👎 with the 👎 reasons as HR reads them.
type feedbackRow struct {
	ganwei.EntryFeedback
	Title   string
	Reasons string
}

// downReasons are the reasons a reader may give with 👎, as the bot offers them.
var downReasons = []struct{ code, label string }{
	{ganwei.ReasonOffTopic, "答非所问"}, {ganwei.ReasonVague, "不够具体"}, {ganwei.ReasonWrong, "信息有误"},
}

func reasonsLabel(fb ganwei.EntryFeedback) string {
	var parts []string
	for _, r := range downReasons {
		if n := fb.Reasons[r.code]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", r.label, n))
		}
	}
	return strings.Join(parts, "，")
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
	base := s.Answerer.Library.Base()
	ids := make([]string, len(base.Entries()))
	for i, e := range base.Entries() {
		ids[i] = e.ID
	}
	fbs, err := s.Curation.Feedback(ctx, ids)
	if err != nil {
		s.fail(w, r, "entry feedback", err)
		return
	}
	d := knowledgeData{Unanswered: top, Total: total, Titles: map[string]string{}}
	byID := map[string]*ganwei.EntryFeedback{}
	for i := range fbs {
		byID[fbs[i].EntryID] = &fbs[i]
	}
	for _, e := range base.Entries() {
		d.Titles[e.ID] = e.Title
	}
	for _, fb := range fbs {
		d.Feedback = append(d.Feedback, feedbackRow{EntryFeedback: fb, Title: d.Titles[fb.EntryID], Reasons: reasonsLabel(fb)})
	}
	sort.SliceStable(d.Feedback, func(i, j int) bool {
		a, b := d.Feedback[i], d.Feedback[j]
		return a.Down-a.Up > b.Down-b.Up
	})
	for _, c := range base.Categories() {
		cat := categoryEntries{Name: c.Name}
		for _, e := range base.EntriesIn(c.Name) {
			cat.Entries = append(cat.Entries, entryRow{Entry: e, Feedback: byID[e.ID], Console: strings.HasSuffix(e.File(), ":"+curation.OverlayFile)})
		}
		d.Categories = append(d.Categories, cat)
	}
	if s.Editor != nil {
		if err := s.editorStatus(r, &d); err != nil {
			s.fail(w, r, "knowledge versions", err)
			return
		}
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

// editorStatus adds the live version, who made it, and whether the viewer may edit.
func (s *Server) editorStatus(r *http.Request, d *knowledgeData) error {
	ctx := r.Context()
	d.Editing = true
	d.MayEdit = s.Editor.MayEdit(ctx) == nil
	hist, live, err := s.Editor.History(ctx, 1)
	if err != nil {
		return err
	}
	d.Live = live
	if len(hist) > 0 {
		d.LiveV, d.LiveBy = hist[0], s.versionBy(r, hist[0])
	}
	if n, err := strconv.ParseInt(r.URL.Query().Get("saved"), 10, 64); err == nil && n >= 1 && n <= live {
		d.Saved = n
	}
	d.Resolved = r.URL.Query().Get("resolved") == "1"
	d.Stuck, d.StuckProblems = s.Editor.InstallProblem()
	return nil
}
