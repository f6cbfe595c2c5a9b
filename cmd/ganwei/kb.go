package main

import "context"

// runKB is replaced by the issue that brings this subcommand.
func runKB(ctx context.Context, env Env, args []string) error {
	return usageErrorf("not built yet")
}
