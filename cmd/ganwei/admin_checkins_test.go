package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
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
	period := cal.PeriodAt(time.Now()).ID // the CLI runs on the real clock
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
	if err := store.SetEligible(ctx, period, 10, map[string]int{"发改委": 4, "七都镇": 6}); err != nil {
		t.Fatal(err)
	}

	out, errOut, code := runCLI(t, rd, "admin", "summary", "--json")
	if code != 0 {
		t.Fatalf("admin summary: exit %d: %s", code, errOut)
	}
	var sum struct {
		Period        string              `json:"period"`
		Responses     int                 `json:"responses"`
		Participation *float64            `json:"participation"`
		Averages      map[string]*float64 `json:"averages"`
		OpenCases     int                 `json:"open_cases"`
		Units         []struct {
			Unit      string   `json:"unit"`
			Responses int      `json:"responses"`
			Visible   bool     `json:"visible"`
			Wellbeing *float64 `json:"wellbeing"`
		} `json:"units"`
	}
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("summary --json is not JSON: %v\n%s", err, out)
	}
	if sum.Period != period || sum.Responses != 5 || sum.Participation == nil || *sum.Participation != 0.5 || sum.Averages["wellbeing"] == nil || len(sum.Units) != 2 {
		t.Errorf("summary = %+v", sum)
	}
	for _, u := range sum.Units {
		if u.Unit == "七都镇" && (u.Visible || u.Wellbeing != nil) {
			t.Errorf("unit with 2 answers shows figures: %+v", u)
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
	if !strings.Contains(string(raw), "七都镇,6,2,0.33,,") || strings.Contains(string(raw), "私密") || strings.Contains(string(raw), cadreA.Name) {
		t.Errorf("aggregate csv:\n%s", raw)
	}
	if log, _ := store.AuditLog(ctx, 10); len(log) != 0 {
		t.Errorf("aggregate export wrote %d audit entries, want none", len(log))
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
	if sheets := f.GetSheetList(); len(sheets) != 2 || sheets[0] != "汇总" || sheets[1] != "个人明细" {
		t.Errorf("sheets = %v", sheets)
	}
	rows, _ := f.GetRows("个人明细")
	if len(rows) != 6 || rows[1][2] == "" || rows[1][9] != "私密的话" {
		t.Errorf("individual rows = %v, want a header and 5 named rows", rows)
	}
	log, _ := store.AuditLog(ctx, 10)
	if len(log) != 1 || log[0].Action != "export_individual" || !strings.Contains(log[0].Detail, "tester") {
		t.Errorf("audit log = %+v, want the individual export", log)
	}
	if st, _ := os.Stat(xlsx); st.Mode().Perm() != 0o600 {
		t.Errorf("export file mode %v, want 0600", st.Mode().Perm())
	}
}
