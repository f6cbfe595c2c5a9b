package main

import (
	"strconv"
	"strings"

	"github.com/ganwei-bot/ganwei/wecom"
)

// WeComConfig is the 企业微信 self-built app (GANWEI_WECOM_*); the zero value means the channel
// is off.
type WeComConfig struct {
	CorpID  string // GANWEI_WECOM_CORP_ID: 企业ID
	AgentID int64  // GANWEI_WECOM_AGENT_ID: the app's AgentId
	Secret  string // GANWEI_WECOM_SECRET: the app's Secret; never logged
	Token   string // GANWEI_WECOM_TOKEN: the callback Token
	AESKey  string // GANWEI_WECOM_AES_KEY: the callback EncodingAESKey; never logged
	APIURL  string // GANWEI_WECOM_API_URL: the API address (政务微信 or a stand-in); default public
}

// Enabled reports whether the 企业微信 channel is configured.
func (w WeComConfig) Enabled() bool { return w.CorpID != "" }

// loadWeComConfig reads the GANWEI_WECOM_* variables: all of them or none (the API URL is
// optional). It never puts a secret's value in an error.
func (c *Config) loadWeComConfig(get func(string) string) error {
	w := &c.WeCom
	w.CorpID, w.Secret, w.Token, w.AESKey, w.APIURL = get("GANWEI_WECOM_CORP_ID"), get("GANWEI_WECOM_SECRET"),
		get("GANWEI_WECOM_TOKEN"), get("GANWEI_WECOM_AES_KEY"), get("GANWEI_WECOM_API_URL")
	agent := get("GANWEI_WECOM_AGENT_ID")
	if w.CorpID == "" && agent == "" && w.Secret == "" && w.Token == "" && w.AESKey == "" {
		if w.APIURL != "" {
			return &configError{"GANWEI_WECOM_API_URL", "set without GANWEI_WECOM_CORP_ID and the other GANWEI_WECOM_* settings"}
		}
		return nil
	}
	for _, v := range []struct{ name, value string }{
		{"GANWEI_WECOM_CORP_ID", w.CorpID}, {"GANWEI_WECOM_AGENT_ID", agent}, {"GANWEI_WECOM_SECRET", w.Secret},
		{"GANWEI_WECOM_TOKEN", w.Token}, {"GANWEI_WECOM_AES_KEY", w.AESKey},
	} {
		if v.value == "" {
			return &configError{v.name, "required when any GANWEI_WECOM_* setting is set (the 企业微信 channel needs all five)"}
		}
	}
	id, err := strconv.ParseInt(agent, 10, 64)
	if err != nil || id <= 0 {
		return &configError{"GANWEI_WECOM_AGENT_ID", "the app's AgentId, a positive number (应用管理 → 自建应用 → AgentId)"}
	}
	w.AgentID = id
	if strings.Trim(w.CorpID, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
		return &configError{"GANWEI_WECOM_CORP_ID", "letters and digits only (我的企业 → 企业信息 → 企业ID)"}
	}
	if len(w.Token) > 32 || strings.Trim(w.Token, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
		return &configError{"GANWEI_WECOM_TOKEN", "the callback Token: up to 32 letters and digits"}
	}
	if !wecom.ValidAESKey(w.AESKey) {
		return &configError{"GANWEI_WECOM_AES_KEY", "the callback EncodingAESKey: 43 characters as 企业微信 generates it"}
	}
	if w.APIURL == "" {
		w.APIURL = wecom.DefaultAPIURL
	} else if err := checkURL(w.APIURL, "http", "https"); err != nil {
		return &configError{"GANWEI_WECOM_API_URL", err.Error()}
	}
	return nil
}
