package main

import "context"

// runDemo is replaced by the issue that brings this subcommand.
func runDemo(ctx context.Context, env Env, args []string) error {
	return usageErrorf("not built yet")
}
