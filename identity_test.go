package ganwei

import "testing"

// TestParseLeader: how HR names a new leader, in the bot and the console alike.
func TestParseLeader(t *testing.T) {
	tests := []struct {
		in      string
		wantID  int64
		wantAcc Account
		wantErr bool
	}{
		{"20002", 20002, "", false},
		{" 20002 ", 20002, "", false},
		{"wecom:zhangsan", 0, "wecom:zhangsan", false},
		{"WeCom:ZhangSan", 0, "wecom:ZhangSan", false},
		{"wecom:", 0, "", true},
		{"wecom:a b", 0, "", true},
		{"0", 0, "", true},
		{"-5", 0, "", true},
		{"abc", 0, "", true},
		{"telegram:20002", 0, "", true}, // HR types the number; the prefix form is for accounts
	}
	for _, tt := range tests {
		id, acc, err := ParseLeader(tt.in)
		if id != tt.wantID || acc != tt.wantAcc || (err != nil) != tt.wantErr {
			t.Errorf("ParseLeader(%q) = %d, %q, %v", tt.in, id, acc, err)
		}
		if err != nil && ErrorCode(err) != EINVALID {
			t.Errorf("ParseLeader(%q): %v, want EINVALID", tt.in, err)
		}
	}
}
