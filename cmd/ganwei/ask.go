package main

import "context"

// runAsk is replaced by the issue that brings this subcommand.
func runAsk(ctx context.Context, env Env, args []string) error {
	return usageErrorf("not built yet")
}
