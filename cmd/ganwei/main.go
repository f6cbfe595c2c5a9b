// Command ganwei runs the Ganwei (敢为助手) Telegram bot and its operator tools.
//
// Usage:
//
//	ganwei serve            run the bot (long polling, or webhook when GANWEI_WEBHOOK_URL is set)
//	ganwei demo             run everything offline with a terminal chat
//	ganwei ask [--json] [--batch] [QUESTION]
//	ganwei kb export|check
//	ganwei admin invite|appoint|reminders|summary|export ...
//
// Configuration comes from the environment; see the README.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// Env is what a subcommand may touch of the outside world. main passes the process's own; tests
// pass buffers and a map so that a subcommand runs in-process.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

// command is one subcommand of the binary.
type command struct {
	summary string
	run     func(ctx context.Context, env Env, args []string) error
}

// commands lists every subcommand; each lives in a file of its own name. demo registers itself
// (demo_cmd.go), so that a build with -tags nodemo leaves it and its stand-ins out.
var commands = map[string]command{
	"serve":       {"run the bot", runServe},
	"ask":         {"answer policy questions from the knowledge base", runAsk},
	"kb":          {"export or check the knowledge base", runKB},
	"admin":       {"organization-department operations against the bot's Redis", runAdmin},
	"healthcheck": {"exit 0 when a running serve answers /healthz (for container health checks)", runHealthcheck},
}

// errUsage marks an error caused by wrong arguments: the message is printed with exit code 2.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	os.Exit(Main(ctx, env, os.Args[1:]))
}

// Main runs the subcommand named by args[0] and returns the process exit code.
func Main(ctx context.Context, env Env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(env.Stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(env.Stderr, "ganwei: unknown command %q\n\n", args[0])
		printUsage(env.Stderr)
		return 2
	}
	if err := cmd.run(ctx, env, args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(env.Stderr, "ganwei %s: %v\n", args[0], err)
		if errors.Is(err, errUsage) {
			return 2
		}
		return 1
	}
	return 0
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: ganwei <command> [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "  %-12s %s\n", name, commands[name].summary)
	}
	fmt.Fprintln(w, "\nRun 'ganwei <command> -h' for a command's flags. Settings come from the environment (see README).")
}

// usageErrorf returns an error that makes Main exit with code 2.
func usageErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
}
