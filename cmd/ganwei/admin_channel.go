package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/ganwei-bot/ganwei"
)

// runAdminChannel links a 企业微信 userid to a person who already has a Telegram account (the
// admin mapping) and sets the channel their pushes go to.
func runAdminChannel(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("admin channel", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	person := fs.Int64("person", 0, "the person id (required; `ganwei admin` lists and /users show it)")
	wecomUser := fs.String("wecom", "", "link this 企业微信 userid (成员账号) to the person")
	prefer := fs.String("prefer", "", "the channel for reminders, check-in prompts and alerts: telegram, wecom, or none for the default")
	if err := fs.Parse(args); err != nil {
		return usageErrorf("%v", err)
	}
	if *person <= 0 || (*wecomUser == "" && *prefer == "") {
		return usageErrorf("--person and at least one of --wecom or --prefer are required")
	}
	switch *prefer {
	case "", "telegram", "wecom", "none":
	default:
		return usageErrorf("--prefer must be telegram, wecom or none")
	}
	if strings.ContainsAny(*wecomUser, " :\t\n") || len(*wecomUser) > 64 {
		return usageErrorf("--wecom: a 企业微信 userid (letters, digits, . _ - @, up to 64)")
	}
	_, store, closeStore, err := adminStore(ctx, env)
	if err != nil {
		return err
	}
	defer closeStore()
	u, err := store.User(ctx, *person)
	if err != nil {
		if ganwei.ErrorCode(err) == ganwei.ENOTFOUND {
			return usageErrorf("no person %d", *person)
		}
		return fmt.Errorf("read person: %w", err)
	}
	if *wecomUser != "" {
		if err := store.LinkWeComAccount(ctx, u.ID, *wecomUser); err != nil {
			if ganwei.ErrorCode(err) == ganwei.ECONFLICT {
				return usageErrorf("企业微信 userid %s is bound to someone else", *wecomUser)
			}
			return fmt.Errorf("link 企业微信 account: %w", err)
		}
		fmt.Fprintf(env.Stdout, "Linked 企业微信 %s to %s (%d).\n", *wecomUser, u.Name, u.ID)
	}
	if *prefer != "" {
		channel := strings.TrimSuffix(*prefer, "none")
		if channel != "" && !hasPlatform(u, channel) && !(channel == "wecom" && *wecomUser != "") {
			return usageErrorf("%s has no %s account; link one first", u.Name, channel)
		}
		if err := store.SetPreferredChannel(ctx, u.ID, channel); err != nil {
			return fmt.Errorf("set preferred channel: %w", err)
		}
		fmt.Fprintf(env.Stdout, "Pushes to %s go to: %s.\n", u.Name, orDefaultString(channel, "the channel they were first met on"))
	}
	return nil
}

func hasPlatform(u *ganwei.User, platform string) bool {
	for _, a := range u.Accounts {
		if a.Platform() == platform {
			return true
		}
	}
	return false
}

func orDefaultString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
