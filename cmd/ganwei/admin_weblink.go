package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/weblink"
)

// runAdminWeblink prints a one-time sign-in link to the web console for a bound HR or admin (the
// first admin, scripts): the same kind of link /web gives in the bot.
func runAdminWeblink(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("admin weblink", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	id := fs.Int64("telegram-id", 0, "Telegram user id of a bound HR or admin (this or --account)")
	acct := fs.String("account", "", "an account of a bound HR or admin: telegram:ID or wecom:USERID (this or --telegram-id)")
	if err := fs.Parse(args); err != nil {
		return usageErrorf("%v", err)
	}
	var account ganwei.Account
	switch {
	case *acct != "" && *id != 0:
		return usageErrorf("give --telegram-id or --account, not both")
	case *acct != "":
		a, err := ganwei.ParseAccount(*acct)
		if err != nil {
			return usageErrorf("--account: want telegram:ID or wecom:USERID, got %q", *acct)
		}
		account = a
	case *id > 0:
		account = ganwei.TelegramAccount(*id)
	default:
		return usageErrorf("--telegram-id (a positive number) or --account (telegram:ID or wecom:USERID) is required")
	}
	cfg, store, closeStore, err := adminStore(ctx, env)
	if err != nil {
		return err
	}
	defer closeStore()
	if cfg.PublicURL == "" {
		cfg.PublicURL = defaultPublicURLFromAddr(cfg.HTTPAddr)
	}
	person, err := store.PersonByAccount(ctx, account)
	if ganwei.ErrorCode(err) == ganwei.ENOTFOUND {
		return usageErrorf("%s is not bound to anyone (invite them first: ganwei admin invite)", account)
	} else if err != nil {
		return fmt.Errorf("find person: %w", err)
	}
	link, err := newWebLinks(cfg, store).IssueFor(ctx, person)
	if ganwei.ErrorCode(err) == ganwei.EFORBIDDEN {
		return usageErrorf("%s: %s", account, ganwei.ErrorMessage(err))
	} else if err != nil {
		return fmt.Errorf("issue web link: %w", err)
	}
	fmt.Fprintf(env.Stdout, "%s\n", link)
	fmt.Fprintf(env.Stderr, "Valid once, for %s. Open it in a browser; it signs in as that person.\n", weblink.LinkTTL)
	return nil
}
