package main

import "context"

// runAdmin is replaced by the issue that brings this subcommand.
func runAdmin(ctx context.Context, env Env, args []string) error {
	return usageErrorf("not built yet")
}
