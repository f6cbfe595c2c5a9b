package handlers_test

import (
	"testing"

	"github.com/ganwei-bot/ganwei/handlers"
)

func TestParseCommand(t *testing.T) {
	tests := []struct {
		text, bot  string
		name, args string
		ok         bool
	}{
		{"/start", "ganwei_bot", "start", "", true},
		{"/start ABCDE12345", "ganwei_bot", "start", "ABCDE12345", true},
		{"/Start@Ganwei_Bot  x y ", "ganwei_bot", "start", "x y", true},
		{"/start@other_bot", "ganwei_bot", "", "", false},
		{"/invite\n张三 发改委", "ganwei_bot", "invite", "张三 发改委", true},
		{"  /help", "ganwei_bot", "help", "", true},
		{"你好 /start", "ganwei_bot", "", "", false},
		{"/", "ganwei_bot", "", "", false},
		{"/@ganwei_bot", "ganwei_bot", "", "", false},
		{"犯了错误能容错吗", "ganwei_bot", "", "", false},
	}
	for _, tt := range tests {
		name, args, ok := handlers.ParseCommand(tt.text, tt.bot)
		if name != tt.name || args != tt.args || ok != tt.ok {
			t.Errorf("ParseCommand(%q) = %q, %q, %v; want %q, %q, %v", tt.text, name, args, ok, tt.name, tt.args, tt.ok)
		}
	}
}
