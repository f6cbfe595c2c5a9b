package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/ganwei-bot/ganwei"
	tgbot "github.com/ganwei-bot/ganwei/bot"
	"github.com/ganwei-bot/ganwei/people"
)

// runAdminInvite creates an invite code from the command line.
func runAdminInvite(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("admin invite", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	name := fs.String("name", "", "full name (required)")
	unit := fs.String("unit", "", "unit, 单位 (required)")
	position := fs.String("position", "", "position, 职务")
	roleName := fs.String("role", "cadre", "cadre, hr or admin")
	ttl := fs.Duration("ttl", ganwei.DefaultInviteTTL, "how long the code stays valid")
	bot := fs.String("bot", "", "bot username for the t.me link (default: GANWEI_BOT_USERNAME)")
	asJSON := fs.Bool("json", false, `print {"code": ..., "link": ...}`)
	if err := fs.Parse(args); err != nil {
		return usageErrorf("%v", err)
	}
	if *name == "" || *unit == "" {
		return usageErrorf("--name and --unit are required")
	}
	role, err := ganwei.ParseRole(*roleName)
	if err != nil {
		return usageErrorf("--role: must be cadre, hr or admin")
	}
	if *ttl <= 0 || *ttl > 90*24*time.Hour {
		return usageErrorf("--ttl must be between 1s and 90 days")
	}
	cfg, store, closeStore, err := adminStore(ctx, env)
	if err != nil {
		return err
	}
	defer closeStore()
	inv := &ganwei.Invite{Name: *name, Unit: *unit, Position: *position, Role: role, ExpiresAt: store.Now().Add(*ttl)}
	// The operator holds REDIS_URL and so every right; the use case is the bot's own.
	ctx = ganwei.NewContextWithActor(ctx, ganwei.Actor{Operator: operatorName(env, "")})
	code, err := (&people.Service{Users: store, Now: store.Now}).Invite(ctx, inv)
	if err != nil {
		if ganwei.ErrorCode(err) == ganwei.EINVALID {
			return usageErrorf("%s", ganwei.ErrorMessage(err))
		}
		return fmt.Errorf("create invite: %w", err)
	}
	username := *bot
	if username == "" {
		username = cfg.BotUsername
	}
	link := tgbot.InviteLink(username, code)
	if *asJSON {
		return printJSON(env.Stdout, map[string]any{"code": code, "link": link, "expires_at": inv.ExpiresAt.In(cfg.Location).Format(time.RFC3339)})
	}
	fmt.Fprintf(env.Stdout, "Invite code for %s (%s, %s): %s\n", inv.Name, inv.Unit, role, code)
	if link != "" {
		fmt.Fprintf(env.Stdout, "Link: %s\n", link)
	} else {
		fmt.Fprintf(env.Stdout, "(set GANWEI_BOT_USERNAME or --bot to print a t.me link)\n")
	}
	fmt.Fprintf(env.Stdout, "The person sends \"/start %s\" to the bot (on 企业微信 also \"绑定 %s\"). Valid once, until %s.\n", code, code, inv.ExpiresAt.In(cfg.Location).Format("2006-01-02 15:04 MST"))
	return nil
}
