package console

import (
	"encoding/csv"
	"net/http"

	"github.com/ganwei-bot/ganwei/checkin"
)

// auditExport downloads the filtered audit entries as CSV (with a byte-order mark, so Excel reads
// the Chinese), for admins.
func (s *Server) auditExport(w http.ResponseWriter, r *http.Request) {
	d, err := s.auditRows(r, false)
	if err != nil {
		s.fail(w, r, "export audit log", err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="audit.csv"; filename*=UTF-8''`+pathEscape("审计日志.csv"))
	_, _ = w.Write([]byte("\uFEFF"))
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"时间", "谁", "操作", "对象", "范围", "周期", "说明", "重复"})
	for _, row := range d.Rows {
		_ = cw.Write([]string{row.Entry.At.In(s.Location).Format("2006-01-02 15:04:05"), checkin.CSVText(row.Who), row.What, checkin.CSVText(row.Subject), checkin.CSVText(row.Scope), row.Periods, checkin.CSVText(row.Detail), row.Repeat})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		s.Logger.Warn("console: write audit csv", "err", err)
	}
}
