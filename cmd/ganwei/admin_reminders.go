package main

import "context"

// runAdminAppoint is replaced by the reminders issue.
func runAdminAppoint(ctx context.Context, env Env, args []string) error {
	return usageErrorf("not built yet")
}

// runAdminReminders is replaced by the reminders issue.
func runAdminReminders(ctx context.Context, env Env, args []string) error {
	return usageErrorf("not built yet")
}
