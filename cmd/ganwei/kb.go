package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/ganwei-bot/ganwei/knowledge"
)

// runKB exports or checks the knowledge base.
func runKB(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 {
		return usageErrorf("usage: ganwei kb export|check")
	}
	switch args[0] {
	case "export":
		return runKBExport(env, args[1:])
	case "check":
		return runKBCheck(ctx, env, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(env.Stderr, "Usage: ganwei kb export | ganwei kb check [--eval FILE] [-v]")
		return flag.ErrHelp
	default:
		return usageErrorf("unknown kb command %q (want export or check)", args[0])
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

// runKBCheck validates every knowledge file, then runs the evaluation set against the bars.
func runKBCheck(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("kb check", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	evalFile := fs.String("eval", "", "evaluation file (default: the embedded set)")
	verbose := fs.Bool("v", false, "print every evaluation case, not only the failures")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageErrorf("%v", err)
	}
	if fs.NArg() > 0 {
		return usageErrorf("kb check takes no arguments")
	}
	dir := env.Getenv("GANWEI_KNOWLEDGE_DIR")
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
	// The evaluation is extractive: it measures retrieval, which the model path relies on, and
	// stays deterministic without network access.
	a := &knowledge.Answerer{Library: lib, Contact: env.Getenv("GANWEI_CONTACT")}
	rep := knowledge.RunEval(ctx, a, cases)
	for _, r := range rep.Results {
		if !r.OK || *verbose {
			mark := "ok  "
			if !r.OK {
				mark = "FAIL"
			}
			fmt.Fprintf(env.Stdout, "%s %q %s\n", mark, r.Case.Q, r.Why)
		}
	}
	fmt.Fprintf(env.Stdout, "in-scope answered correctly: %d/%d = %.1f%% (bar %.0f%%)\n",
		rep.InScopeOK, rep.InScope, 100*rep.InScopeShare(), 100*knowledge.InScopeBar)
	fmt.Fprintf(env.Stdout, "out-of-scope declined:       %d/%d = %.1f%% (bar %.0f%%)\n",
		rep.OutOfScopeOK, rep.OutOfScope, 100*rep.OutOfScopeShare(), 100*knowledge.OutOfScopeBar)
	if !rep.Pass() {
		return errCheckFailed
	}
	fmt.Fprintln(env.Stdout, "ok   evaluation")
	return nil
}
