package main

import "context"

// runServe is replaced by the issue that brings this subcommand.
func runServe(ctx context.Context, env Env, args []string) error {
	return usageErrorf("not built yet")
}
