package telegramtest

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"

	"github.com/go-telegram/bot/models"
)

// Scope keys name a command scope in Commands. They follow the scope types
// of the Bot API; a language_code, when given, is appended after "/", e.g.
// "chat:42/zh".
const (
	ScopeDefault         = "default"
	ScopeAllPrivateChats = "all_private_chats"
	ScopeAllGroupChats   = "all_group_chats"
	ScopeAllChatAdmins   = "all_chat_administrators"
)

// ScopeChat is the scope key for one chat, e.g. one HR user's private chat.
func ScopeChat(chatID int64) string { return "chat:" + strconv.FormatInt(chatID, 10) }

// scopeKey turns the scope and language_code parameters into a scope key.
func scopeKey(p map[string]string) (string, *Fault) {
	key := ScopeDefault
	if raw := p["scope"]; raw != "" {
		var sc struct {
			Type   string          `json:"type"`
			ChatID json.RawMessage `json:"chat_id"`
			UserID int64           `json:"user_id"`
		}
		if err := json.Unmarshal([]byte(raw), &sc); err != nil || sc.Type == "" {
			return "", &Fault{Code: http.StatusBadRequest, Description: "Bad Request: can't parse BotCommandScope"}
		}
		chat := string(sc.ChatID)
		if s, err := strconv.Unquote(chat); err == nil {
			chat = s
		}
		switch sc.Type {
		case "chat", "chat_administrators":
			key = sc.Type + ":" + chat
		case "chat_member":
			key = "chat_member:" + chat + ":" + strconv.FormatInt(sc.UserID, 10)
		default:
			key = sc.Type
		}
	}
	if lc := p["language_code"]; lc != "" {
		key += "/" + lc
	}
	return key, nil
}

// Commands returns the command list last set for scope (see the Scope*
// constants and ScopeChat), or nil.
func (s *Server) Commands(scope string) []models.BotCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.commands[scope])
}

// CommandScopes returns every scope key that has commands, sorted.
func (s *Server) CommandScopes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.commands))
	for k := range s.commands {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func (s *Server) setMyCommands(_ context.Context, c *Call) (any, *Fault) {
	key, f := scopeKey(c.Params)
	if f != nil {
		return nil, f
	}
	var cmds []models.BotCommand
	if err := json.Unmarshal([]byte(c.Params["commands"]), &cmds); err != nil {
		return nil, &Fault{Code: http.StatusBadRequest, Description: "Bad Request: can't parse commands JSON object"}
	}
	if len(cmds) > 100 {
		return nil, &Fault{Code: http.StatusBadRequest, Description: "Bad Request: too many commands specified"}
	}
	for _, cmd := range cmds {
		if !validCommand(cmd.Command) || cmd.Description == "" || len([]rune(cmd.Description)) > 256 {
			// Telegram rejects upper case, '/' and empty descriptions.
			return nil, &Fault{Code: http.StatusBadRequest, Description: "Bad Request: BOT_COMMAND_INVALID"}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(cmds) == 0 {
		delete(s.commands, key)
	} else {
		s.commands[key] = cmds
	}
	return true, nil
}

func validCommand(c string) bool {
	if c == "" || len(c) > 32 {
		return false
	}
	for _, r := range c {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

func (s *Server) deleteMyCommands(_ context.Context, c *Call) (any, *Fault) {
	key, f := scopeKey(c.Params)
	if f != nil {
		return nil, f
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.commands, key)
	return true, nil
}

func (s *Server) getMyCommands(_ context.Context, c *Call) (any, *Fault) {
	key, f := scopeKey(c.Params)
	if f != nil {
		return nil, f
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cmds := s.commands[key]
	if cmds == nil {
		cmds = []models.BotCommand{}
	}
	return cmds, nil
}
