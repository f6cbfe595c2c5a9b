package console

import (
	"bytes"
	"fmt"
	"net/http"

	"github.com/ganwei-bot/ganwei/checkin"
)

// checkInsExport downloads the aggregate figures as Excel or CSV through Staff.Export, which
// checks the role, audits and applies the same hiding as the page.
func (s *Server) checkInsExport(w http.ResponseWriter, r *http.Request) {
	format := r.URL.Query().Get("format")
	if format != "csv" {
		format = "xlsx"
	}
	n := periodsParam(r)
	var buf bytes.Buffer
	o := checkin.ExportOptions{Format: format, Periods: s.Periods.Recent(s.Now(), n)}
	if err := s.Staff.Export(r.Context(), &buf, o); err != nil {
		s.fail(w, r, "export check-ins", err)
		return
	}
	name := fmt.Sprintf("关爱问卷汇总-%s.%s", s.Now().In(s.Location).Format("20060102"), format)
	ctype := "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	if format == "csv" {
		ctype = "text/csv; charset=utf-8"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", "attachment; filename=\"checkins."+format+"\"; filename*=UTF-8''"+pathEscape(name))
	_, _ = buf.WriteTo(w)
}
