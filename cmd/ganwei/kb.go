package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/curation"
	"github.com/ganwei-bot/ganwei/knowledge"
)

// runKB exports or checks the knowledge base.
func runKB(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 {
		return usageErrorf("usage: ganwei kb export|check|feedback")
	}
	switch args[0] {
	case "export":
		return runKBExport(env, args[1:])
	case "check":
		return runKBCheck(ctx, env, args[1:])
	case "feedback":
		return runKBFeedback(ctx, env, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(env.Stderr, "Usage: ganwei kb export | ganwei kb check [--eval FILE] [--blind FILE] [--overlay] [-v] | ganwei kb feedback [--json] [--limit N]")
		return flag.ErrHelp
	default:
		return usageErrorf("unknown kb command %q (want export, check or feedback)", args[0])
	}
}

// runKBExport prints every passage as a JSON line {"id","title","text","source"}.
func runKBExport(env Env, args []string) error {
	if len(args) > 0 {
		return usageErrorf("kb export takes no arguments")
	}
	lib, err := openLibrary(env)
	if err != nil {
		return err
	}
	out := bufio.NewWriter(env.Stdout)
	defer out.Flush()
	for _, p := range lib.Base().Passages() {
		if err := writeJSON(out, p); err != nil {
			return err
		}
	}
	return nil
}

// errCheckFailed makes `kb check` exit non-zero after it has printed what is wrong.
var errCheckFailed = errors.New("knowledge base check failed")

// runKBCheck validates every knowledge file, runs the tuned evaluation set against the bars, and
// prints the held-out set's aggregate (which never fails the check: nobody tunes against it).
func runKBCheck(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("kb check", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	evalFile := fs.String("eval", "", "tuned evaluation file (default: the embedded set)")
	blindFile := fs.String("blind", "", "held-out evaluation file (default: the embedded knowledge/eval/blind.yaml)")
	showFailures := fs.Bool("show-failures", false, "list the held-out questions that failed (for the closing note of a change; never for tuning)")
	verbose := fs.Bool("v", false, "print every tuned evaluation case, not only the failures")
	overlay := fs.Bool("overlay", false, "include the live version of the entries written in the console (read from REDIS_URL), as the running bot has it")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageErrorf("%v", err)
	}
	if fs.NArg() > 0 {
		return usageErrorf("kb check takes no arguments")
	}
	cfg, err := loadConfig(env.Getenv) // the same settings, checked the same way, as serve
	if err != nil {
		return err
	}
	dir := cfg.KnowledgeDir
	layers := []string{"embedded"}
	if dir != "" {
		layers = append(layers, dir)
	}
	// Validate by opening: Open reports every problem of every layer at once.
	lib, err := knowledge.Open(dir)
	if err != nil {
		fmt.Fprintf(env.Stdout, "FAIL files (%v):\n%v\n", layers, err)
		return errCheckFailed
	}
	if *overlay {
		live, err := installOverlay(ctx, env, lib)
		if err != nil {
			fmt.Fprintf(env.Stdout, "FAIL files (%v + console version %d):\n%v\n", layers, live, err)
			return errCheckFailed
		}
		layers = append(layers, fmt.Sprintf("console version %d", live))
	}
	base := lib.Base()
	fmt.Fprintf(env.Stdout, "ok   files: %d entries in %d categories (%v)\n", len(base.Entries()), len(base.Categories()), layers)

	var cases []knowledge.EvalCase
	if *evalFile != "" {
		data, err := os.ReadFile(*evalFile)
		if err != nil {
			return fmt.Errorf("read evaluation file: %w", err)
		}
		cases, err = knowledge.ParseEval(data)
		if err != nil {
			return err
		}
	} else if cases, err = knowledge.EmbeddedEval(); err != nil {
		return err
	}
	var blind []knowledge.BlindCase
	if *blindFile != "" {
		data, err := os.ReadFile(*blindFile)
		if err != nil {
			return fmt.Errorf("read held-out file: %w", err)
		}
		if blind, err = knowledge.ParseBlind(data); err != nil {
			return err
		}
	} else if blind, err = knowledge.EmbeddedBlind(); err != nil {
		return err
	}
	// The evaluation is extractive: it measures retrieval, which the model path relies on, and
	// stays deterministic without network access.
	a := &knowledge.Answerer{Library: lib, Contact: cfg.Contact}
	rep := knowledge.RunEval(ctx, a, cases)
	out := env.Stdout
	fmt.Fprintln(out, "== tuned set (knowledge/eval/eval.yaml)")
	for _, r := range rep.Results {
		if !r.OK || *verbose {
			mark := "ok  "
			if !r.OK {
				mark = "FAIL"
			}
			fmt.Fprintf(out, "%s %q %s\n", mark, r.Case.Q, r.Why)
		}
	}
	printTallies(out, "kind", rep.Kinds)
	printBands(out, rep.Bands)
	fmt.Fprintf(out, "in-scope answered correctly: %d/%d = %.1f%% (bar %.0f%%)\n",
		rep.InScopeOK, rep.InScope, 100*rep.InScopeShare(), 100*knowledge.InScopeBar)
	fmt.Fprintf(out, "out-of-scope declined:       %d/%d = %.1f%% (bar %.0f%%)\n",
		rep.OutOfScopeOK, rep.OutOfScope, 100*rep.OutOfScopeShare(), 100*knowledge.OutOfScopeBar)

	if len(blind) > 0 {
		br := knowledge.RunBlind(ctx, a, blind)
		fmt.Fprintf(out, "== held-out set (%d questions; aggregate only, never tuned against; first %d characters judged)\n", len(blind), knowledge.JudgedRunes)
		printTallies(out, "style", br.Styles)
		printBands(out, br.Bands)
		t := br.Total
		fmt.Fprintf(out, "held-out in-scope answered correctly: %d/%d = %.2f (offered %d, declined %d, wrong %d, missed offers %d)\n",
			t.Correct, t.InScope, ratio(t.Correct, t.InScope), t.Offered, t.Declined, t.Wrong, t.Missed)
		fmt.Fprintf(out, "held-out out-of-scope declined:       %d/%d\n", t.OutDeclined, t.OutOfScope)
		if *showFailures {
			for _, r := range br.Results {
				if r.Outcome != knowledge.OutcomeCorrect {
					fmt.Fprintf(out, "held-out %-8s %-13s %q band=%s\n", r.Outcome, r.Case.Style, r.Case.Q, r.Answer.Band)
				}
			}
		}
	}
	if !rep.Pass() {
		return errCheckFailed
	}
	fmt.Fprintln(out, "ok   evaluation")
	return nil
}

// installOverlay puts the live version of the console's entries (in the Redis of REDIS_URL) on
// top of lib, as a replica of the bot would, and returns its number. Checking it before an
// upgrade shows whether the new release's files clash with what curators wrote.
func installOverlay(ctx context.Context, env Env, lib *knowledge.Library) (int64, error) {
	_, store, closeStore, err := adminStore(ctx, env)
	if err != nil {
		return 0, err
	}
	defer closeStore()
	ed := &curation.Editor{Versions: store, Library: lib}
	if _, err := ed.Sync(ctx); err != nil {
		live, _ := store.KBLive(ctx)
		return live, err
	}
	return ed.Live(), nil
}

func ratio(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

// printTallies prints one line per style or kind: in-scope correct, offered, declined, wrong, and
// out-of-scope declined.
func printTallies(w io.Writer, label string, tallies map[string]*knowledge.Tally) {
	names := make([]string, 0, len(tallies))
	for n := range tallies {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(w, "%-14s %9s %8s %8s %6s %6s %9s\n", label, "correct", "offered", "declined", "wrong", "missed", "out-ok")
	for _, n := range names {
		t := tallies[n]
		in := "-"
		if t.InScope > 0 {
			in = fmt.Sprintf("%d/%d", t.Correct, t.InScope)
		}
		outOK := "-"
		if t.OutOfScope > 0 {
			outOK = fmt.Sprintf("%d/%d", t.OutDeclined, t.OutOfScope)
		}
		fmt.Fprintf(w, "%-14s %9s %8d %8d %6d %6d %9s\n", n, in, t.Offered, t.Declined, t.Wrong, t.Missed, outOK)
	}
}

// printBands prints the precision and recall of the answered, 您是想问 and declined bands.
func printBands(w io.Writer, br knowledge.BandReport) {
	for _, b := range br.Bands() {
		fmt.Fprintf(w, "band %-10s given %3d  right %3d  precision %.2f  recall %.2f (of %d)\n",
			b.Band, b.Given, b.Right, b.Precision(), b.Recall(), b.Relevant)
	}
}

// feedbackLine is one line of `ganwei kb feedback --json`.
type feedbackLine struct {
	ganwei.EntryFeedback
	Title string `json:"title,omitempty"`
	File  string `json:"file,omitempty"`
}

// runKBFeedback prints the worst-rated entries (👎 beyond 👍) from the Redis of a running bot,
// with the reasons readers gave and how often the entry was picked from "您是想问", so that
// curators know which answers to rewrite first.
func runKBFeedback(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("kb feedback", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	asJSON := fs.Bool("json", false, "print one JSON object per entry")
	limit := fs.Int("limit", 20, "how many entries")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageErrorf("%v", err)
	}
	lib, err := openLibrary(env)
	if err != nil {
		return err
	}
	_, store, closeStore, err := adminStore(ctx, env)
	if err != nil {
		return err
	}
	defer closeStore()
	worst, err := store.WorstRated(ctx, *limit)
	if err != nil {
		return fmt.Errorf("read feedback: %w", err)
	}
	out := env.Stdout
	if len(worst) == 0 && !*asJSON {
		fmt.Fprintln(out, "no entry has more 👎 than 👍")
		return nil
	}
	reasonNames := []string{ganwei.ReasonOffTopic, ganwei.ReasonVague, ganwei.ReasonWrong}
	for _, w := range worst {
		line := feedbackLine{EntryFeedback: w}
		if e, ok := lib.Base().Entry(w.EntryID); ok {
			line.Title, line.File = e.Title, e.File()
		}
		if *asJSON {
			if err := printJSON(out, line); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(out, "%-6s up %3d  down %3d  picks %3d", w.EntryID, w.Up, w.Down, w.Picks)
		for _, r := range reasonNames {
			if n := w.Reasons[r]; n > 0 {
				fmt.Fprintf(out, "  %s %d", r, n)
			}
		}
		fmt.Fprintf(out, "  %s (%s)\n", line.Title, line.File)
	}
	return nil
}
