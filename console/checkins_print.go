package console

import "net/http"

// checkInsPrint is the 打印 view of the 关爱问卷 summary: the same figures without navigation or
// controls, laid out for A4 (组织部 files printed reports).
func (s *Server) checkInsPrint(w http.ResponseWriter, r *http.Request) {
	d, err := s.summaryData(r)
	if err != nil {
		s.fail(w, r, "check-in summary for print", err)
		return
	}
	s.render(w, r, http.StatusOK, "checkins_print", "关爱问卷汇总（打印）", "", d)
}
