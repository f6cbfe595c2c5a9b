package main

import "context"

// runAdminSummary is replaced by the check-ins issue.
func runAdminSummary(ctx context.Context, env Env, args []string) error {
	return usageErrorf("not built yet")
}

// runAdminExport is replaced by the check-ins issue.
func runAdminExport(ctx context.Context, env Env, args []string) error {
	return usageErrorf("not built yet")
}
