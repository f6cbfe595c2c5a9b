package ganwei

import "strings"

// Address is the one place that decides how the bot addresses a person in any message (welcome,
// check-in prompts, reminders, alerts): "张伟同志", the form a government user expects from an
// official channel. Without a name on file it is "您". The position is not used for the
// address on purpose: "张主任" needs the surname split off and the 副 dropped, which a bot gets
// wrong often enough (复姓, 副职 who prefer 同志) to offend; 同志 is correct for every rank.
func Address(name string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		return "您"
	}
	return name + "同志"
}

// Greeting opens a message to a person: "张伟同志，您好" (or "您好" without a name). Callers add
// their own punctuation after it.
func Greeting(name string) string {
	if strings.TrimSpace(name) == "" {
		return "您好"
	}
	return Address(name) + "，您好"
}

// GreetingFor opens a message to u. A guest's name is only what their Telegram profile says, not
// a verified identity, so a guest is greeted without it.
func GreetingFor(u *User) string {
	if u == nil || u.Role == RoleGuest {
		return Greeting("")
	}
	return Greeting(u.Name)
}
