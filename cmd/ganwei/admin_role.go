package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/people"
)

// runAdminRole changes a person's role and, for HR, the units they cover: the bot's /role, for
// the operator who holds REDIS_URL.
func runAdminRole(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("admin role", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	id := fs.Int64("id", 0, "the person's id (their Telegram user id) (required)")
	roleName := fs.String("role", "", "cadre, hr, admin, or guest to revoke (required)")
	units := fs.String("units", "", "for hr: the units they cover, comma-separated (default: all)")
	if err := fs.Parse(args); err != nil {
		return usageErrorf("%v", err)
	}
	if *id <= 0 || *roleName == "" {
		return usageErrorf("--id and --role are required")
	}
	role := ganwei.RoleGuest
	if *roleName != "guest" {
		r, err := ganwei.ParseRole(*roleName)
		if err != nil {
			return usageErrorf("--role: must be cadre, hr, admin or guest")
		}
		role = r
	}
	var scope []string
	for _, u := range strings.Split(*units, ",") {
		if u = strings.TrimSpace(u); u != "" {
			scope = append(scope, u)
		}
	}
	if len(scope) > 0 && role != ganwei.RoleHR {
		return usageErrorf("--units applies to --role hr only")
	}
	cfg, store, closeStore, err := adminStore(ctx, env)
	if err != nil {
		return err
	}
	defer closeStore()
	svc := &people.Service{Users: store, AdminIDs: cfg.AdminIDs, Now: store.Now, Audit: store}
	ctx = ganwei.NewContextWithActor(ctx, ganwei.Actor{Operator: operatorName(env, "")})
	if _, err := svc.SetRole(ctx, *id, role); err != nil {
		return roleError(err)
	}
	u, err := svc.SetScope(ctx, *id, scope)
	if err != nil {
		return roleError(err)
	}
	covers := "all units"
	if u.Scoped() {
		covers = strings.Join(u.Scope, ", ")
	}
	fmt.Fprintf(env.Stdout, "%s (%d) is now %s", u.Name, u.ID, role.Label())
	if role == ganwei.RoleHR {
		fmt.Fprintf(env.Stdout, ", covering %s", covers)
	}
	fmt.Fprintln(env.Stdout, ". The bot checks the role at every use; chat menus follow at its next start.")
	return nil
}

func roleError(err error) error {
	if ganwei.ErrorCode(err) == ganwei.ENOTFOUND {
		return usageErrorf("%s", ganwei.ErrorMessage(err))
	}
	return fmt.Errorf("set role: %w", err)
}
