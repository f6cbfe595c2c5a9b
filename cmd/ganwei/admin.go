package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"

	"github.com/ganwei-bot/ganwei/redisstore"
)

// adminCommands are the organization department's operations. Each works while a bot runs
// against the same Redis, because both go through the same store.
var adminCommands = map[string]command{
	"invite":    {"create a one-time code that binds a Telegram account to a profile", runAdminInvite},
	"appoint":   {"register a newly appointed leader and start the 四项清单 reminders", runAdminAppoint},
	"reminders": {"every appointment with each reminder step's status", runAdminReminders},
	"summary":   {"the current check-in period: participation, averages, open cases", runAdminSummary},
	"export":    {"check-in data as csv or xlsx", runAdminExport},
	"role":      {"change a person's role and, for HR, the units they cover", runAdminRole},
	"channel":   {"link a 企业微信 userid to a person and choose the channel of their pushes", runAdminChannel},
	"weblink":   {"a one-time sign-in link to the web console for a bound HR or admin", runAdminWeblink},
}

func runAdmin(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		names := make([]string, 0, len(adminCommands))
		for n := range adminCommands {
			names = append(names, n)
		}
		sort.Strings(names)
		var b strings.Builder
		for _, n := range names {
			fmt.Fprintf(&b, "\n  %-10s %s", n, adminCommands[n].summary)
		}
		if len(args) == 0 {
			return usageErrorf("ganwei admin <command> [flags]; commands:%s", b.String())
		}
		fmt.Fprintf(env.Stdout, "Usage: ganwei admin <command> [flags]\n\nCommands:%s\n", b.String())
		return nil
	}
	c, ok := adminCommands[args[0]]
	if !ok {
		return usageErrorf("unknown admin command %q (run 'ganwei admin -h')", args[0])
	}
	return c.run(ctx, env, args[1:])
}

// adminStore opens the store named by REDIS_URL. Admin commands never fall back to an embedded
// Redis: an operator's change must land where the running bot reads it.
func adminStore(ctx context.Context, env Env) (*Config, *redisstore.Store, func(), error) {
	cfg, err := loadConfig(env.Getenv)
	if err != nil {
		return nil, nil, nil, err
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	store, closeStore, err := openStore(ctx, cfg, false, logger)
	if err != nil {
		return nil, nil, nil, err
	}
	return cfg, store, closeStore, nil
}

// printJSON writes v as one line of JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
