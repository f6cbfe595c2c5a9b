package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"os/user"
	"runtime/debug"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/checkin"
	"github.com/ganwei-bot/ganwei/redisstore"
)

// summaryJSON is the promised shape of `ganwei admin summary --json` (design.md §3): the current
// period at the top level, and the latest closed period under "closed". Figures (averages,
// distributions, talk requests) are null for a hidden group: fewer than ganwei.MinGroupSize
// answers, hidden so that a smaller group cannot be derived, or a period still running ("open":
// its figures would change with each answer and give it away), which the current period always is.
type summaryJSON struct {
	periodJSON
	Open      bool        `json:"open"`
	OpenCases int         `json:"open_cases"`
	Closed    *periodJSON `json:"closed"`
}

// periodJSON is one period of one group.
type periodJSON struct {
	Period        string         `json:"period"`
	Label         string         `json:"label"`
	Unit          string         `json:"unit,omitempty"`
	Responses     int            `json:"responses"`
	Eligible      int            `json:"eligible"`
	Participation *float64       `json:"participation"` // null until a prompt round recorded who was asked
	Visible       bool           `json:"visible"`
	Averages      map[string]any `json:"averages"`
	Change        map[string]any `json:"change_vs_previous"`
	Distributions map[string]any `json:"distributions"`
	Talk          *int           `json:"talk_requests"`
	Units         []unitJSON     `json:"units,omitempty"`
}

type unitJSON struct {
	Unit          string   `json:"unit"`
	Responses     int      `json:"responses"`
	Eligible      int      `json:"eligible"`
	Participation *float64 `json:"participation"`
	Visible       bool     `json:"visible"`
	Wellbeing     *float64 `json:"wellbeing"`
	Stress        *float64 `json:"stress"`
}

func round2(f float64) float64 {
	if f < 0 {
		if r := -round2(-f); r != 0 {
			return r
		}
		return 0 // not -0, which JSON prints as "-0"
	}
	return float64(int(f*100+0.5)) / 100
}

// participation is nil when nobody is known to have been asked.
func participation(a *ganwei.Aggregate) *float64 {
	if a.Eligible <= 0 {
		return nil
	}
	p := round2(a.Participation())
	return &p
}

func buildPeriodJSON(unit string, a, before *ganwei.Aggregate, units []*ganwei.Aggregate) periodJSON {
	out := periodJSON{Period: a.Period, Label: ganwei.PeriodLabel(a.Period), Unit: unit, Responses: a.Responses,
		Eligible: a.Eligible, Participation: participation(a), Visible: a.Visible(),
		Averages: map[string]any{"wellbeing": nil, "stress": nil}, Change: map[string]any{"wellbeing": nil, "stress": nil},
		Distributions: map[string]any{}}
	if a.Visible() {
		out.Averages["wellbeing"], out.Averages["stress"] = round2(a.WellbeingAvg()), round2(a.StressAvg())
		if d, ok := checkin.Change(a, before, (*ganwei.Aggregate).WellbeingAvg); ok {
			out.Change["wellbeing"] = round2(d)
		}
		if d, ok := checkin.Change(a, before, (*ganwei.Aggregate).StressAvg); ok {
			out.Change["stress"] = round2(d)
		}
		out.Distributions = map[string]any{"wellbeing": a.WellbeingDist, "stress": a.StressDist,
			"support": a.Support, "benefits": a.Benefits}
		talk := a.Talk
		out.Talk = &talk
	}
	for _, u := range units {
		uj := unitJSON{Unit: u.Unit, Responses: u.Responses, Eligible: u.Eligible, Participation: participation(u), Visible: u.Visible()}
		if u.Visible() {
			w, s := round2(u.WellbeingAvg()), round2(u.StressAvg())
			uj.Wellbeing, uj.Stress = &w, &s
		}
		out.Units = append(out.Units, uj)
	}
	return out
}

func buildSummaryJSON(r *checkin.Report) *summaryJSON {
	closed := buildPeriodJSON(r.Unit, r.Previous, r.Earlier, r.Units)
	return &summaryJSON{periodJSON: buildPeriodJSON(r.Unit, r.Current, r.Previous, nil), Open: r.Current.Open,
		OpenCases: r.OpenCases, Closed: &closed}
}

// runAdminSummary prints the current check-in period's summary from the aggregates.
func runAdminSummary(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("admin summary", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	asJSON := fs.Bool("json", false, "print one JSON object")
	unit := fs.String("unit", "", "one unit instead of everyone")
	operator := fs.String("operator", "", "who looks, for the audit log (default: the OS user)")
	if err := fs.Parse(args); err != nil {
		return usageErrorf("%v", err)
	}
	cfg, store, closeStore, err := adminStore(ctx, env)
	if err != nil {
		return err
	}
	defer closeStore()
	store.CheckInRetention, store.NoteRetention = cfg.CheckIn.Retention, cfg.CheckIn.NoteRetention
	rep, err := staffService(cfg, store).Summary(ganwei.NewContextWithActor(ctx, ganwei.Actor{Operator: operatorName(env, *operator)}), *unit, 3)
	if err != nil {
		return fmt.Errorf("summarize check-ins: %w", err)
	}
	s := buildSummaryJSON(rep)
	if *asJSON {
		return printJSON(env.Stdout, s)
	}
	who := "everyone"
	if s.Unit != "" {
		who = s.Unit
	}
	for i, p := range []*periodJSON{&s.periodJSON, s.Closed} {
		state := "running"
		if i == 1 {
			state = "closed"
		}
		fmt.Fprintf(env.Stdout, "Check-in period %s (%s, %s), %s\n", p.Period, p.Label, state, who)
		if p.Participation != nil {
			fmt.Fprintf(env.Stdout, "responses:     %d of %d asked (participation %.0f%%)\n", p.Responses, p.Eligible, 100**p.Participation)
		} else {
			fmt.Fprintf(env.Stdout, "responses:     %d (no prompt round recorded: participation unknown)\n", p.Responses)
		}
		switch {
		case i == 0 && s.Open:
			fmt.Fprintf(env.Stdout, "averages:      shown once the period has closed\n")
		case !p.Visible:
			fmt.Fprintf(env.Stdout, "averages:      hidden (fewer than %d responses, or they would reveal a smaller group)\n", ganwei.MinGroupSize)
		default:
			fmt.Fprintf(env.Stdout, "wellbeing avg: %v (change %v)\nstress avg:    %v (change %v)\ntalk requests: %d\n",
				p.Averages["wellbeing"], orDash(p.Change["wellbeing"]), p.Averages["stress"], orDash(p.Change["stress"]), *p.Talk)
		}
		for _, u := range p.Units {
			if u.Visible {
				fmt.Fprintf(env.Stdout, "  %s: %d/%d, wellbeing %.2f, stress %.2f\n", u.Unit, u.Responses, u.Eligible, *u.Wellbeing, *u.Stress)
			} else {
				fmt.Fprintf(env.Stdout, "  %s: %d/%d, hidden\n", u.Unit, u.Responses, u.Eligible)
			}
		}
		fmt.Fprintln(env.Stdout)
	}
	fmt.Fprintf(env.Stdout, "open cases:    %d\n", s.OpenCases)
	return nil
}

func orDash(v any) any {
	if v == nil {
		return "-"
	}
	return v
}

// staffService is the HR use cases for the command line, where the operator holds REDIS_URL and
// so every right; it still writes every view and export to the audit log under the operator's
// name.
func staffService(cfg *Config, store *redisstore.Store) *checkin.Staff {
	return &checkin.Staff{Users: store, CheckIns: store, Periods: cfg.CheckIn.Calendar, AdminIDs: cfg.AdminIDs,
		Now: store.Now, Location: cfg.Location}
}

// operatorName is who runs a command, for the audit log: --operator, else $USER, else the OS
// account running the process.
func operatorName(env Env, flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if u := env.Getenv("USER"); u != "" {
		return u
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "unknown"
}

// exportMemoryLimit is the Go runtime's soft memory limit during `admin export`.
const exportMemoryLimit = 64 << 20

// runAdminExport writes check-in data to a file: aggregates by default; with --individual one
// row per answer. Both are written to the audit log first, under the operator's OS user.
func runAdminExport(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("admin export", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	format := fs.String("format", "xlsx", "csv or xlsx")
	out := fs.String("out", "", "output file (required)")
	periods := fs.Int("periods", 52, "how many recent periods")
	individual := fs.Bool("individual", false, "include one row per answer (audited)")
	operator := fs.String("operator", "", "who runs the export, for the audit log (default: the OS user)")
	if err := fs.Parse(args); err != nil {
		return usageErrorf("%v", err)
	}
	if *out == "" {
		return usageErrorf("--out is required")
	}
	if *format != "csv" && *format != "xlsx" {
		return usageErrorf("--format must be csv or xlsx")
	}
	if *periods < 1 || *periods > 520 {
		return usageErrorf("--periods must be between 1 and 520")
	}
	if env.Getenv("GOMEMLIMIT") == "" {
		// An export is a batch job on an HR desk or a small container: keep it flat. With this
		// soft limit a year of 10,000 cadres (520,000 rows) exports in about 80 MB of RSS
		// instead of about 100 MB, at no measurable cost in time; GOMEMLIMIT overrides it.
		debug.SetMemoryLimit(exportMemoryLimit)
	}
	cfg, store, closeStore, err := adminStore(ctx, env)
	if err != nil {
		return err
	}
	defer closeStore()
	ps := cfg.CheckIn.Calendar.Recent(store.Now(), *periods)
	f, err := os.OpenFile(*out, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600) // personal data: owner only
	if err != nil {
		return fmt.Errorf("create %s: %w", *out, err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	err = staffService(cfg, store).Export(ganwei.NewContextWithActor(ctx, ganwei.Actor{Operator: operatorName(env, *operator)}), w,
		checkin.ExportOptions{Format: *format, Periods: ps, Individual: *individual})
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(*out) // a refused or broken export leaves no half-written file
		return fmt.Errorf("export check-ins: %w", err)
	}
	fmt.Fprintf(env.Stderr, "wrote %s (%s, %d periods %s..%s, individual rows: %v)\n", *out, *format, len(ps), ps[0].ID, ps[len(ps)-1].ID, *individual)
	return nil
}
