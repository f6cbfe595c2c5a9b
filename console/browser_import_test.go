package console_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ganwei-bot/ganwei/reminders"
)

// browserImports is the browser test's part for the Excel imports and 立即提醒, signed in as HR:
// it uploads a small sheet of leaders, sees the preview with a refused row, confirms, sees the
// result; has the scheduler send the first steps and presses 立即提醒 on the board; and invites
// from a small roster, up to the codes page.
func browserImports(t *testing.T, h *harness, run func(string, ...chromedp.Action), text func(string) string, shoot func(string)) {
	t.Helper()
	dir := t.TempDir()
	sheet := filepath.Join(dir, "新任职领导.xlsx")
	if err := os.WriteFile(sheet, xlsxOf(t, apptHeader,
		[]any{30002, "赵敏", "党委书记", "七都镇", "2026-11-23"},
		[]any{30004, "钱坤", "镇长", "七都镇", "2026年11月24日"},
		[]any{30005, "孙丽", "副镇长", "七都镇", "11/2"},
	), 0o644); err != nil {
		t.Fatal(err)
	}
	run("open import", chromedp.Navigate(h.srv.URL+"/console/reminders/import"), chromedp.WaitVisible("#file", chromedp.ByID))
	shoot("reminders-import")
	run("upload sheet", chromedp.SetUploadFiles("#file", []string{sheet}, chromedp.ByID),
		chromedp.Click(`form.upload button`, chromedp.ByQuery), chromedp.WaitVisible("#preview", chromedp.ByID))
	if got := text("#preview"); !strings.Contains(got, "可登记 2 行") || !strings.Contains(got, "有问题 1 行") {
		t.Errorf("import preview heading %q", got)
	}
	if !strings.Contains(text("table.rows"), "看不出是几月几日") {
		t.Error("the preview does not say what is wrong with the ambiguous date")
	}
	shoot("reminders-import-preview")
	run("confirm import", chromedp.Click(`form[action$="/import/confirm"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(`//h1[contains(., "批量登记结果")]`, chromedp.BySearch))
	if got := text("table.rows"); strings.Count(got, "已登记，第一项提醒即将发出") != 2 {
		t.Errorf("import result %q", got)
	}
	shoot("reminders-import-result")

	if _, err := h.office.Reminders.(*reminders.Service).Tick(h.ctx); err != nil {
		t.Fatal(err)
	}
	run("board with sent steps", chromedp.Navigate(h.srv.URL+"/console/reminders"), chromedp.WaitVisible("form.remind button", chromedp.ByQuery))
	shoot("reminders-board")
	run("remind now", chromedp.Click("form.remind button", chromedp.ByQuery), chromedp.WaitVisible(".message", chromedp.ByQuery))
	if got := text("h1"); got != "已提醒" {
		t.Errorf("after 立即提醒 h1 = %q", got)
	}

	roster := filepath.Join(dir, "花名册.xlsx")
	if err := os.WriteFile(roster, xlsxOf(t, rosterHeader,
		[]any{"周杰", "七都镇", "科员", "干部"}, []any{"吴芳", "震泽镇", "副镇长", ""}, []any{"郑强", "七都镇", "科员", "组织部"},
	), 0o644); err != nil {
		t.Fatal(err)
	}
	run("invite from roster", chromedp.Navigate(h.srv.URL+"/console/people/import"), chromedp.WaitVisible("#file", chromedp.ByID),
		chromedp.SetUploadFiles("#file", []string{roster}, chromedp.ByID),
		chromedp.Click(`form.upload button`, chromedp.ByQuery), chromedp.WaitVisible("#preview", chromedp.ByID))
	shoot("people-import-preview")
	run("confirm invites", chromedp.Click(`form[action$="/import/confirm"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(`form[action$="/import/codes"]`, chromedp.ByQuery))
	if got := text("table.rows"); !strings.Contains(got, "周杰") || !strings.Contains(got, "吴芳") || strings.Contains(got, "郑强") {
		t.Errorf("codes page %q", got)
	}
	shoot("people-import-codes")
}
