package main

import (
	"context"
	"strings"
	"testing"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
	"github.com/ganwei-bot/ganwei/wecom"
	"github.com/ganwei-bot/ganwei/wecomtest"
)

func wecomVars() map[string]string {
	return map[string]string{
		"GANWEI_WECOM_CORP_ID": wecomtest.CorpID, "GANWEI_WECOM_AGENT_ID": "1000002",
		"GANWEI_WECOM_SECRET": wecomtest.Secret, "GANWEI_WECOM_TOKEN": wecomtest.Token,
		"GANWEI_WECOM_AES_KEY": wecomtest.AESKey,
	}
}

// The 企业微信 settings are all or nothing, each checked for its shape, and the error names the
// variable without echoing a secret.
func TestWeComSettingsAreValidatedOnce(t *testing.T) {
	for _, tc := range []struct {
		name, key, value, want string
	}{
		{"missing secret", "GANWEI_WECOM_SECRET", "", "GANWEI_WECOM_SECRET"},
		{"agent id not a number", "GANWEI_WECOM_AGENT_ID", "abc", "GANWEI_WECOM_AGENT_ID"},
		{"short aes key", "GANWEI_WECOM_AES_KEY", "tooshort-secret", "GANWEI_WECOM_AES_KEY"},
		{"token with symbols", "GANWEI_WECOM_TOKEN", "a b$", "GANWEI_WECOM_TOKEN"},
		{"api url scheme", "GANWEI_WECOM_API_URL", "ftp://x", "GANWEI_WECOM_API_URL"},
		{"corp id", "GANWEI_WECOM_CORP_ID", "ww-1", "GANWEI_WECOM_CORP_ID"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vars := wecomVars()
			vars[tc.key] = tc.value
			_, err := loadConfig(func(k string) string { return vars[k] })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one naming %s", err, tc.want)
			}
			if strings.Contains(err.Error(), "tooshort-secret") {
				t.Errorf("the error echoes the key: %v", err)
			}
		})
	}
	cfg, err := loadConfig(func(k string) string { return wecomVars()[k] })
	if err != nil || !cfg.WeCom.Enabled() || cfg.WeCom.AgentID != 1000002 || cfg.WeCom.APIURL != wecom.DefaultAPIURL {
		t.Fatalf("complete settings = %+v, %v; want the channel on with the public API", cfg.WeCom, err)
	}
	if cfg, err := loadConfig(func(string) string { return "" }); err != nil || cfg.WeCom.Enabled() {
		t.Fatalf("no settings = %+v, %v; want the channel off", cfg.WeCom, err)
	}
	lone := map[string]string{"GANWEI_WECOM_API_URL": "https://wx.gov.example"}
	if _, err := loadConfig(func(k string) string { return lone[k] }); err == nil {
		t.Error("GANWEI_WECOM_API_URL alone was accepted")
	}
}

// `ganwei admin channel` links a 企业微信 userid to a Telegram person and sets the preferred
// channel; it refuses a channel the person has no account on and a userid bound to someone else.
func TestAdminChannelLinksAndPrefers(t *testing.T) {
	rd := redistest.New(t)
	ctx := context.Background()
	store := redisstore.New(rd.Client, rd.Prefix)
	for _, u := range []ganwei.User{{ID: 501, Name: "陈静", Unit: "发改委", Role: ganwei.RoleCadre}, {ID: 502, Name: "李强", Unit: "发改委", Role: ganwei.RoleCadre}} {
		if err := store.SaveUser(ctx, &u); err != nil {
			t.Fatal(err)
		}
	}
	if _, errOut, code := runCLI(t, rd, "admin", "channel", "--person", "501", "--prefer", "wecom"); code == 0 || !strings.Contains(errOut, "no wecom account") {
		t.Errorf("prefer wecom without an account: exit %d, %q", code, errOut)
	}
	if out, errOut, code := runCLI(t, rd, "admin", "channel", "--person", "501", "--wecom", "chenjing", "--prefer", "wecom"); code != 0 {
		t.Fatalf("link: exit %d, %s %s", code, out, errOut)
	}
	if id, err := store.PersonByAccount(ctx, "wecom:chenjing"); err != nil || id != 501 {
		t.Errorf("wecom:chenjing → %d, %v; want 501", id, err)
	}
	if c, err := store.PreferredChannel(ctx, 501); err != nil || c != "wecom" {
		t.Errorf("preferred channel = %q, %v", c, err)
	}
	if _, errOut, code := runCLI(t, rd, "admin", "channel", "--person", "502", "--wecom", "chenjing"); code == 0 || !strings.Contains(errOut, "someone else") {
		t.Errorf("linking a bound userid again: exit %d, %q", code, errOut)
	}
	if _, _, code := runCLI(t, rd, "admin", "channel", "--person", "501", "--prefer", "none"); code != 0 {
		t.Fatalf("prefer none: exit %d", code)
	}
	if c, _ := store.PreferredChannel(ctx, 501); c != "" {
		t.Errorf("after --prefer none the channel is %q", c)
	}
}
