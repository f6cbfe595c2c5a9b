package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the container image has no zoneinfo; Asia/Shanghai must still load

	"github.com/ganwei-bot/ganwei/llm"
)

// Config is every setting, read once from the environment. See the README for each variable.
type Config struct {
	Token       string // TELEGRAM_BOT_TOKEN
	APIURL      string // TELEGRAM_API_URL
	RedisURL    string // REDIS_URL
	RedisPrefix string // GANWEI_REDIS_PREFIX
	AdminIDs    map[int64]bool
	HTTPAddr    string // GANWEI_HTTP_ADDR (default :8080)
	// HTTPAddrGiven says GANWEI_HTTP_ADDR was set: the demo then listens there instead of on a
	// free local port.
	HTTPAddrGiven bool
	BotUsername   string // GANWEI_BOT_USERNAME: for t.me invite links printed by the CLI
	PublicURL     string // GANWEI_PUBLIC_URL: how browsers reach the web console; empty = http:// + the listen address
	WebhookURL    string // GANWEI_WEBHOOK_URL
	WebhookSecret string // GANWEI_WEBHOOK_SECRET
	Location      *time.Location
	Contact       string // GANWEI_CONTACT
	KnowledgeDir  string // GANWEI_KNOWLEDGE_DIR
	RemindersFile string // GANWEI_REMINDERS_FILE: the 四项清单 sequence; empty for the embedded one
	InstanceID    string // GANWEI_INSTANCE_ID: this replica's name for its reminder claims (default the host name)
	LogLevel      slog.Level

	OpenAIKey     string
	OpenAIBaseURL string
	OpenAIModel   string
	LLMTimeout    time.Duration // GANWEI_LLM_TIMEOUT: how long one phrasing may take

	CheckIn CheckInConfig // GANWEI_CHECKIN_* (app_checkins.go)
	WeCom   WeComConfig   // GANWEI_WECOM_* (config_wecom.go)

	// RedisDialTimeout and RedisTimeout (GANWEI_REDIS_DIAL_TIMEOUT, GANWEI_REDIS_TIMEOUT) bound
	// one Redis connection attempt and one command's read or write; zero means the default.
	RedisDialTimeout, RedisTimeout time.Duration
}

// configError names the variable at fault, so that start-up stops with a message an operator can act on.
type configError struct{ name, problem string }

func (e *configError) Error() string { return e.name + ": " + e.problem }

// loadConfig reads and validates the environment. It never includes a secret's value in an error.
func loadConfig(getenv func(string) string) (*Config, error) {
	get := func(name string) string { return strings.TrimSpace(getenv(name)) }
	c := &Config{
		Token:         get("TELEGRAM_BOT_TOKEN"),
		APIURL:        get("TELEGRAM_API_URL"),
		RedisURL:      get("REDIS_URL"),
		RedisPrefix:   get("GANWEI_REDIS_PREFIX"),
		HTTPAddr:      get("GANWEI_HTTP_ADDR"),
		PublicURL:     strings.TrimRight(get("GANWEI_PUBLIC_URL"), "/"),
		WebhookURL:    get("GANWEI_WEBHOOK_URL"),
		WebhookSecret: get("GANWEI_WEBHOOK_SECRET"),
		Contact:       get("GANWEI_CONTACT"),
		KnowledgeDir:  get("GANWEI_KNOWLEDGE_DIR"),
		RemindersFile: get("GANWEI_REMINDERS_FILE"),
		InstanceID:    get("GANWEI_INSTANCE_ID"),
		OpenAIKey:     get("OPENAI_API_KEY"),
		OpenAIBaseURL: get("OPENAI_BASE_URL"),
		OpenAIModel:   get("OPENAI_MODEL"),
		BotUsername:   strings.TrimPrefix(get("GANWEI_BOT_USERNAME"), "@"),
		AdminIDs:      map[int64]bool{},
	}
	c.HTTPAddrGiven = c.HTTPAddr != ""
	if c.HTTPAddr == "" {
		c.HTTPAddr = ":8080"
	}
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		return nil, &configError{"GANWEI_HTTP_ADDR", fmt.Sprintf("%q: want host:port, for example :8080 or 127.0.0.1:8080", c.HTTPAddr)}
	}
	// Telegram usernames: 5-32 characters of letters, digits and underscores.
	if u := c.BotUsername; u != "" && (len(u) < 5 || len(u) > 32 || strings.Trim(u, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") != "") {
		return nil, &configError{"GANWEI_BOT_USERNAME", "a Telegram bot username: 5-32 letters, digits or _ (without t.me/)"}
	}
	if c.RedisPrefix == "" {
		c.RedisPrefix = "ganwei"
	} else if strings.ContainsAny(c.RedisPrefix, " \t\n*?[]") {
		return nil, &configError{"GANWEI_REDIS_PREFIX", "must not contain spaces or glob characters"}
	}
	if c.Token != "" && !validToken(c.Token) {
		return nil, &configError{"TELEGRAM_BOT_TOKEN", "does not look like a bot token (expected 123456:ABC...)"}
	}
	if c.PublicURL != "" {
		if err := checkURL(c.PublicURL, "http", "https"); err != nil {
			return nil, &configError{"GANWEI_PUBLIC_URL", err.Error()}
		}
	}
	if c.APIURL != "" {
		if err := checkURL(c.APIURL, "http", "https"); err != nil {
			return nil, &configError{"TELEGRAM_API_URL", err.Error()}
		}
	}
	if c.RedisURL != "" {
		if err := checkURL(c.RedisURL, "redis", "rediss"); err != nil {
			return nil, &configError{"REDIS_URL", err.Error()}
		}
		// Cluster (several addr=): the multi-key scripts need every key in one slot, which only a
		// hash-tagged prefix gives; without one they fail later with CROSSSLOT.
		if u, err := url.Parse(c.RedisURL); err == nil && len(u.Query()["addr"]) > 0 && !hashTagged(c.RedisPrefix) {
			return nil, &configError{"GANWEI_REDIS_PREFIX", fmt.Sprintf("%q has no hash tag, which Redis Cluster needs (REDIS_URL names addr=): set GANWEI_REDIS_PREFIX={ganwei}", c.RedisPrefix)}
		}
	}
	for _, f := range strings.FieldsFunc(get("GANWEI_ADMIN_IDS"), func(r rune) bool { return r == ',' || r == ' ' }) {
		id, err := strconv.ParseInt(f, 10, 64)
		if err != nil || id <= 0 {
			return nil, &configError{"GANWEI_ADMIN_IDS", fmt.Sprintf("%q is not a Telegram user id (comma-separated positive numbers)", f)}
		}
		c.AdminIDs[id] = true
	}
	if c.WebhookURL != "" {
		if err := checkURL(c.WebhookURL, "https"); err != nil {
			return nil, &configError{"GANWEI_WEBHOOK_URL", err.Error() + " (Telegram only calls https webhooks)"}
		}
		if len(c.WebhookSecret) < 16 || strings.Trim(c.WebhookSecret, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") != "" || len(c.WebhookSecret) > 256 {
			return nil, &configError{"GANWEI_WEBHOOK_SECRET", "required in webhook mode: 16-256 characters of A-Z, a-z, 0-9, _ and -"}
		}
	}
	if c.InstanceID != "" && (len(c.InstanceID) > 64 || strings.Trim(c.InstanceID, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != "") {
		return nil, &configError{"GANWEI_INSTANCE_ID", "1-64 characters of A-Z, a-z, 0-9, ., _ and -"}
	}
	for _, d := range []struct {
		name string
		into *time.Duration
	}{{"GANWEI_REDIS_DIAL_TIMEOUT", &c.RedisDialTimeout}, {"GANWEI_REDIS_TIMEOUT", &c.RedisTimeout}} {
		if v := get(d.name); v != "" {
			t, err := time.ParseDuration(v)
			if err != nil || t <= 0 || t > 30*time.Second {
				return nil, &configError{d.name, "a duration between 1ms and 30s, for example 500ms or 2s"}
			}
			*d.into = t
		}
	}
	tz := get("GANWEI_TIMEZONE")
	if tz == "" {
		tz = "Asia/Shanghai"
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, &configError{"GANWEI_TIMEZONE", fmt.Sprintf("unknown time zone %q (for example Asia/Shanghai)", tz)}
	}
	c.Location = loc
	if err := c.loadCheckInConfig(get); err != nil {
		return nil, err
	}
	if err := c.loadWeComConfig(get); err != nil {
		return nil, err
	}
	// A local model server (vLLM) may need no key, so a base URL alone also turns the model on.
	modelOn := c.OpenAIKey != "" || c.OpenAIBaseURL != ""
	switch {
	case modelOn && c.OpenAIModel == "":
		return nil, &configError{"OPENAI_MODEL", "required when OPENAI_API_KEY or OPENAI_BASE_URL is set (for example deepseek-chat or qwen-plus)"}
	case !modelOn && c.OpenAIModel != "":
		return nil, &configError{"OPENAI_API_KEY", "OPENAI_MODEL is set but neither OPENAI_API_KEY nor OPENAI_BASE_URL is"}
	}
	if c.OpenAIBaseURL != "" {
		if err := checkURL(c.OpenAIBaseURL, "http", "https"); err != nil {
			return nil, &configError{"OPENAI_BASE_URL", err.Error()}
		}
	}
	c.LLMTimeout = llm.DefaultTimeout
	if v := get("GANWEI_LLM_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, &configError{"GANWEI_LLM_TIMEOUT", fmt.Sprintf("%q: want a positive duration such as 5s", v)}
		}
		c.LLMTimeout = d
	}
	switch strings.ToLower(get("GANWEI_LOG_LEVEL")) {
	case "", "info":
		c.LogLevel = slog.LevelInfo
	case "debug":
		c.LogLevel = slog.LevelDebug
	case "warn", "warning":
		c.LogLevel = slog.LevelWarn
	case "error":
		c.LogLevel = slog.LevelError
	default:
		return nil, &configError{"GANWEI_LOG_LEVEL", "must be debug, info, warn or error"}
	}
	return c, nil
}

// validToken checks the shape "<digits>:<35ish url-safe chars>" without logging the value.
func validToken(t string) bool {
	id, secret, ok := strings.Cut(t, ":")
	if !ok || id == "" || len(secret) < 8 {
		return false
	}
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		return false
	}
	return strings.Trim(secret, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == ""
}

// checkURL reports a URL that does not parse or has another scheme, without echoing credentials.
func checkURL(raw string, schemes ...string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("not a valid URL")
	}
	for _, s := range schemes {
		if u.Scheme == s {
			return nil
		}
	}
	return fmt.Errorf("scheme must be %s://", strings.Join(schemes, ":// or "))
}

// hashTagged reports whether a key prefix contains a Redis Cluster hash tag: "{x}" with x non-empty.
func hashTagged(prefix string) bool {
	i := strings.IndexByte(prefix, '{')
	if i < 0 {
		return false
	}
	j := strings.IndexByte(prefix[i+1:], '}')
	return j > 0
}
