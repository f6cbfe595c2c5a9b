package ganwei

import (
	"context"
	"strconv"
	"strings"
)

// A person is known by an internal person id (User.ID) and has one or more accounts on the
// front ends (Account): "telegram:123456", "wecom:zhangsan". Front ends report the acting
// account in each Event; the handlers find the person by it, and a push to a person is
// addressed to the person id and resolved to one of their accounts (channels.Router). Nothing
// above the front ends reads a person id as a platform id or the other way round.
//
// Person ids are opaque. A person made by this version (an invite redeemed by an account bound
// to no one, a leader registered for the 四项清单, a configured administrator) gets the next
// number from a Redis counter, at or above PersonIDBase. People stored by earlier versions keep
// the id they had (numerically their Telegram id, or 2^52+n for someone first met on
// 企业微信): it is only a key now, and the start-up migration made sure each names the accounts
// that lead to them.

// PersonIDBase is where new person ids start (7 000 000 000 000 001 is the first). It lies above
// every Telegram user id (at most 52 bits, below 4.6e15) and every chat number of the earlier
// 企业微信 layout (2^52 + n), and below 2^53, so ids stay exact in the float scores of sorted
// sets. A person id in this range therefore cannot be mistaken for a Telegram id by eye; code
// never relies on that, since it never reads a person id as a platform id at all.
const PersonIDBase int64 = 7_000_000_000_000_000

// Account names a person's account on one front end, as "platform:id".
type Account string

// Platforms, as accounts spell them.
const (
	PlatformTelegram = "telegram"
	PlatformWeCom    = "wecom"
)

// TelegramAccount is the account of a Telegram user id.
func TelegramAccount(id int64) Account { return Account("telegram:" + strconv.FormatInt(id, 10)) }

// WeComAccount is the account of a 企业微信 userid (成员账号).
func WeComAccount(userID string) Account { return Account("wecom:" + userID) }

// ParseAccount reads "telegram:123" or "wecom:zhangsan"; EINVALID for anything else.
func ParseAccount(s string) (Account, error) {
	a := Account(strings.TrimSpace(s))
	switch {
	case !a.Valid():
	case a.Platform() == PlatformTelegram:
		if id, ok := a.TelegramID(); ok && id > 0 {
			return a, nil
		}
	case a.Platform() == PlatformWeCom:
		if !strings.ContainsAny(a.PlatformID(), " \t\n:") && len(a.PlatformID()) <= 64 {
			return a, nil
		}
	}
	return "", Errorf(EINVALID, "账号 %q 的格式应为 telegram:数字 或 wecom:成员账号", s)
}

// Platform is the part before the colon ("telegram").
func (a Account) Platform() string {
	p, _, _ := strings.Cut(string(a), ":")
	return p
}

// PlatformID is the part after the colon: the id the platform knows the person by.
func (a Account) PlatformID() string {
	_, id, _ := strings.Cut(string(a), ":")
	return id
}

// TelegramID is the Telegram user id of a Telegram account; ok is false for any other.
func (a Account) TelegramID() (int64, bool) {
	if a.Platform() != PlatformTelegram {
		return 0, false
	}
	id, err := strconv.ParseInt(a.PlatformID(), 10, 64)
	return id, err == nil
}

// Valid reports whether a has the form platform:id with both parts non-empty.
func (a Account) Valid() bool {
	p, id, ok := strings.Cut(string(a), ":")
	return ok && p != "" && id != ""
}

// PlatformLabel is a platform's name as users read it.
func PlatformLabel(platform string) string {
	switch platform {
	case PlatformTelegram:
		return "Telegram"
	case PlatformWeCom:
		return "企业微信"
	}
	return platform
}

// Label is the account as users read it: 「Telegram（123）」, 「企业微信（zhangsan）」.
func (a Account) Label() string {
	return PlatformLabel(a.Platform()) + "（" + a.PlatformID() + "）"
}

// AccountsLabel lists accounts for people: 「Telegram（123）、企业微信（zhangsan）」.
func AccountsLabel(accounts []Account) string {
	parts := make([]string, len(accounts))
	for i, a := range accounts {
		parts[i] = a.Label()
	}
	return strings.Join(parts, "、")
}

// HasAccount reports whether u names a.
func (u *User) HasAccount(a Account) bool {
	for _, x := range u.Accounts {
		if x == a {
			return true
		}
	}
	return false
}

// AccountOn is u's account on platform, or "" when they have none there.
func (u *User) AccountOn(platform string) Account {
	for _, a := range u.Accounts {
		if a.Platform() == platform {
			return a
		}
	}
	return ""
}

// ConfiguredAdmin reports whether one of u's accounts, or the acting account, is a Telegram
// account listed in adminIDs (GANWEI_ADMIN_IDS, Telegram user ids of the operators): those are
// administrators whatever the store says. A person id is never compared with the list.
func ConfiguredAdmin(adminIDs map[int64]bool, u *User, acting Account) bool {
	if len(adminIDs) == 0 {
		return false
	}
	check := func(a Account) bool {
		id, ok := a.TelegramID()
		return ok && adminIDs[id]
	}
	if acting != "" && check(acting) {
		return true
	}
	if u != nil {
		for _, a := range u.Accounts {
			if check(a) {
				return true
			}
		}
	}
	return false
}

// AccountDirectory finds the person behind an account.
type AccountDirectory interface {
	// PersonByAccount returns the person id the account is bound to, or ENOTFOUND.
	PersonByAccount(ctx context.Context, a Account) (int64, error)
	// UserByAccount returns the person the account is bound to, in one round trip to the
	// store, or ENOTFOUND.
	UserByAccount(ctx context.Context, a Account) (*User, error)
}

// AdminPersons returns the person ids of the operators in adminIDs (GANWEI_ADMIN_IDS), given the
// list of people: those whose Telegram account is listed, and for a listed Telegram account
// bound to no one a person made for it (as at start-up; see PersonForAccount), so that notices
// for administrators reach them like anyone's.
func AdminPersons(ctx context.Context, users UserService, adminIDs map[int64]bool, people []*User) ([]int64, error) {
	var out []int64
	found := map[int64]bool{}
	for _, u := range people {
		for _, a := range u.Accounts {
			if id, ok := a.TelegramID(); ok && adminIDs[id] {
				found[id] = true
				if len(out) == 0 || out[len(out)-1] != u.ID {
					out = append(out, u.ID)
				}
			}
		}
	}
	for id, on := range adminIDs {
		if !on || found[id] {
			continue
		}
		pid, _, err := users.PersonForAccount(ctx, TelegramAccount(id), &User{Name: "管理员"})
		if err != nil {
			return out, err
		}
		if pid != 0 {
			out = append(out, pid)
		}
	}
	return out, nil
}

// SpecialStanding names what a stored person is when their role alone would mislead, for lists
// of people (the bot's /users, the console's 人员): an administrator named by GANWEI_ADMIN_IDS is
// one whatever the store says, and a leader registered for the 四项清单 before binding an invite
// receives the reminders without having a role yet, which is not a visitor. "" otherwise.
func SpecialStanding(u *User, adminIDs map[int64]bool, registeredLeader bool) string {
	switch {
	case ConfiguredAdmin(adminIDs, u, ""):
		return RoleAdmin.Label() + "，由系统配置指定"
	case u.Role == RoleGuest && registeredLeader:
		return "未绑定身份，已登记为新任职领导"
	}
	return ""
}

// ParseLeader reads how HR names a new leader, in the bot's /appoint and the console's forms: a
// Telegram user id ("20002") or a 企业微信 account ("wecom:zhangsan", the prefix in any case).
// Exactly one of telegramID and account is set; anything else is EINVALID with a sentence saying
// how to write it.
func ParseLeader(s string) (telegramID int64, account Account, err error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(strings.ToLower(s), PlatformWeCom+":") {
		a, err := ParseAccount(PlatformWeCom + s[len(PlatformWeCom):])
		if err != nil {
			return 0, "", Errorf(EINVALID, "企业微信账号请写成 wecom:成员账号（如 wecom:zhangsan）")
		}
		return 0, a, nil
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, "", Errorf(EINVALID, "Telegram ID 是一串数字（企业微信账号写成 wecom:成员账号）")
	}
	return id, "", nil
}
