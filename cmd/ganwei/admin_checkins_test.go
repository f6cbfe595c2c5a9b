package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/checkin"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
)

// runCLI runs the binary's Main in-process against the test's Redis and prefix.
func runCLI(t *testing.T, rd *redistest.Redis, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	vars := map[string]string{"REDIS_URL": rd.URL, "GANWEI_REDIS_PREFIX": rd.Prefix, "USER": "tester"}
	code := Main(context.Background(), Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return vars[k] }}, args)
	return out.String(), errb.String(), code
}

func TestAdminSummaryAndExport(t *testing.T) {
	rd := redistest.New(t)
	ctx := context.Background()
	store := redisstore.New(rd.Client, rd.Prefix)
	cal, _ := checkin.NewCalendar("", shanghai)
	period := cal.Recent(time.Now(), 2)[0].ID // the CLI runs on the real clock; figures show once a period has closed
	for i, u := range []ganwei.User{cadreA, cadreB, cadreC, cadreD, cadreE} {
		u := u
		if err := store.SaveUser(ctx, &u); err != nil {
			t.Fatal(err)
		}
		c := &ganwei.CheckIn{UserID: u.ID, Unit: u.Unit, Period: period, Wellbeing: 3 + i%3, Stress: 2, Support: ganwei.SupportEnough, Benefits: ganwei.BenefitsOK, Note: "私密的话"}
		if _, err := store.SubmitCheckIn(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	// Ten people asked: the five who answered, one more in 发改委 and four more in 七都镇.
	asked := []*ganwei.User{&cadreA, &cadreB, &cadreC, &cadreD, &cadreE, {ID: 8000000001, Unit: "发改委"}}
	for i := int64(2); i <= 5; i++ {
		asked = append(asked, &ganwei.User{ID: 8000000000 + i, Unit: "七都镇"})
	}
	if err := store.MarkEligible(ctx, period, asked); err != nil {
		t.Fatal(err)
	}

	out, errOut, code := runCLI(t, rd, "admin", "summary", "--json")
	if code != 0 {
		t.Fatalf("admin summary: exit %d: %s", code, errOut)
	}
	var top struct {
		Period   string              `json:"period"`
		Open     bool                `json:"open"`
		Averages map[string]*float64 `json:"averages"`
		Closed   struct {
			Period        string              `json:"period"`
			Responses     int                 `json:"responses"`
			Participation *float64            `json:"participation"`
			Averages      map[string]*float64 `json:"averages"`
			Units         []struct {
				Unit      string   `json:"unit"`
				Responses int      `json:"responses"`
				Visible   bool     `json:"visible"`
				Wellbeing *float64 `json:"wellbeing"`
			} `json:"units"`
		} `json:"closed"`
	}
	if err := json.Unmarshal([]byte(out), &top); err != nil {
		t.Fatalf("summary --json is not JSON: %v\n%s", err, out)
	}
	if !top.Open || top.Averages["wellbeing"] != nil {
		t.Errorf("the running period shows figures: %s", out)
	}
	sum := top.Closed
	if sum.Period != period || sum.Responses != 5 || sum.Participation == nil || *sum.Participation != 0.5 || sum.Averages["wellbeing"] == nil || len(sum.Units) != 2 {
		t.Errorf("closed period = %+v", sum)
	}
	// 七都镇 has 2 answers; 发改委's 3 would give them away (everyone minus 发改委), so both
	// are hidden.
	for _, u := range sum.Units {
		if u.Visible || u.Wellbeing != nil {
			t.Errorf("unit shows figures that would reveal a group of 2: %+v", u)
		}
	}
	if strings.Contains(out, "私密") || strings.Contains(out, cadreA.Name) {
		t.Errorf("summary carries personal data: %s", out)
	}

	dir := t.TempDir()
	agg := filepath.Join(dir, "agg.csv")
	if _, errOut, code := runCLI(t, rd, "admin", "export", "--format", "csv", "--out", agg, "--periods", "2"); code != 0 {
		t.Fatalf("export csv: exit %d: %s", code, errOut)
	}
	raw, _ := os.ReadFile(agg)
	if !strings.HasPrefix(string(raw), "\ufeff周期,") || !strings.Contains(string(raw), "七都镇,6,2,33%,,") || strings.Contains(string(raw), "私密") || strings.Contains(string(raw), cadreA.Name) {
		t.Errorf("aggregate csv:\n%s", raw)
	}
	if !strings.Contains(string(raw), "发改委,4,3,75%,,,") {
		t.Errorf("aggregate csv shows 发改委, from which 七都镇's two answers follow by subtraction:\n%s", raw)
	}
	if log, _ := store.AuditLog(ctx, 10); len(log) != 2 || log[0].Action != ganwei.AuditExportAggregates || log[0].Operator != "tester" || log[1].Action != ganwei.AuditViewSummary {
		t.Errorf("audit log after summary and aggregate export = %+v, want both, by the operator", log)
	}

	xlsx := filepath.Join(dir, "year.xlsx")
	if _, errOut, code := runCLI(t, rd, "admin", "export", "--format", "xlsx", "--out", xlsx, "--individual"); code != 0 {
		t.Fatalf("export xlsx: exit %d: %s", code, errOut)
	}
	f, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatalf("open export: %v", err)
	}
	defer f.Close()
	if sheets := f.GetSheetList(); len(sheets) != 3 || sheets[0] != "汇总" || sheets[1] != "说明" || sheets[2] != "个人明细" {
		t.Errorf("sheets = %v", sheets)
	}
	rows, _ := f.GetRows("个人明细")
	if len(rows) != 6 || rows[1][2] == "" || rows[1][9] != "私密的话" {
		t.Errorf("individual rows = %v, want a header and 5 named rows", rows)
	}
	// Reports HR is glad to open: times in GANWEI_TIMEZONE, participation as a percentage, no
	// filler rows, widths, a frozen header, filter buttons, and a 说明 sheet.
	got, _ := store.CheckIn(ctx, cadreA.ID, period)
	if want := got.SubmittedAt.In(shanghai).Format("2006-01-02 15:04"); len(rows) > 1 && !slices.ContainsFunc(rows[1:], func(r []string) bool { return r[10] == want }) {
		t.Errorf("individual rows' times %v, want %s (Asia/Shanghai)", rows, want)
	}
	aggRows, _ := f.GetRows("汇总")
	if len(aggRows) != 4 { // header, everyone, 发改委, 七都镇: no rows for the empty previous period
		t.Errorf("汇总 has %d rows, want 4: %v", len(aggRows), aggRows)
	}
	if style, err := f.GetCellStyle("汇总", "E2"); err != nil {
		t.Error(err)
	} else if st, _ := f.GetStyle(style); st == nil || st.NumFmt != 9 {
		t.Errorf("participation cell style = %+v, want the 0%% number format", st)
	}
	if v, _ := f.GetCellValue("汇总", "E2"); v != "50%" {
		t.Errorf("participation shows %q, want 50%%", v)
	}
	if w, _ := f.GetColWidth("汇总", "B"); w < 12 {
		t.Errorf("unit column width %v", w)
	}
	if panes, err := f.GetPanes("汇总"); err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("汇总 panes = %+v, %v; want the header row frozen", panes, err)
	}
	if tables, err := f.GetTables("个人明细"); err != nil || len(tables) != 1 {
		t.Errorf("个人明细 tables = %v, %v; want one (its filter buttons)", tables, err)
	}
	notes, _ := f.GetRows("说明")
	if text := fmt.Sprint(notes); !strings.Contains(text, "为防推算一并不显示的组："+period+" 发改委") || !strings.Contains(text, "因人数不足而不显示的组："+period+" 七都镇") {
		t.Errorf("说明 sheet does not say which groups are hidden and why:\n%s", text)
	}
	log, _ := store.AuditLog(ctx, 10)
	if len(log) != 3 || log[0].Action != ganwei.AuditExportIndividual || log[0].Operator != "tester" || log[0].Actor != 0 {
		t.Errorf("audit log = %+v, want the individual export by the operator", log)
	}
	if st, _ := os.Stat(xlsx); st.Mode().Perm() != 0o600 {
		t.Errorf("export file mode %v, want 0600", st.Mode().Perm())
	}
}

// The command line records who ran it: --operator, else $USER, else the OS account.
func TestOperatorNameIsTheOSUser(t *testing.T) {
	env := Env{Getenv: func(string) string { return "" }}
	if got := operatorName(env, ""); got == "" || got == "0" || got == "unknown" {
		t.Errorf("operatorName without $USER = %q, want the OS account", got)
	}
	if got := operatorName(Env{Getenv: func(string) string { return "alice" }}, "bob"); got != "bob" {
		t.Errorf("operatorName with --operator bob = %q", got)
	}
}
