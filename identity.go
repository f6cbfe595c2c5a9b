package ganwei

import (
	"context"
	"strconv"
	"strings"
)

// Account names a person's account on one front end, as "platform:id": "telegram:123456",
// later "wecom:zhangsan". A person (User, keyed by the internal person id) has one or more; the
// front end reports the account in each Event and the handlers look the person up by it, so
// that nothing above the front end assumes a person is a Telegram number.
//
// People who came in through Telegram before accounts existed keep their Telegram number as
// their person id (the start-up migration adds the account "telegram:<id>" to each of them), and
// a Telegram account binding an invite today gets the same: the person id of a Telegram person is
// still numerically their Telegram id, and sends on Telegram go to that chat. A person first met
// on another platform will get a person id of their own (see docs/frontends.md).
type Account string

// TelegramAccount is the account of a Telegram user id.
func TelegramAccount(id int64) Account { return Account("telegram:" + strconv.FormatInt(id, 10)) }

// Platform is the part before the colon ("telegram").
func (a Account) Platform() string {
	p, _, _ := strings.Cut(string(a), ":")
	return p
}

// Valid reports whether a has the form platform:id with both parts non-empty.
func (a Account) Valid() bool {
	p, id, ok := strings.Cut(string(a), ":")
	return ok && p != "" && id != ""
}

// AccountDirectory finds the person behind an account.
type AccountDirectory interface {
	// PersonByAccount returns the person id the account is bound to, or ENOTFOUND.
	PersonByAccount(ctx context.Context, a Account) (int64, error)
}
