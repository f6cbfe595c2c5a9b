// Package handlers turns people's messages and button presses (ganwei.Event, from any front end)
// into answers. Handlers is a struct of its dependencies
// with one Register method; each user-facing feature lives in a file of its own and adds its
// commands, buttons and dialogs to the routing tables in a register method.
//
// Handlers speak to the domain interfaces of package ganwei, never to Redis directly, and reply
// through a ganwei.Messenger (in production the bot package's Telegram front end). Nothing here
// knows Telegram: a test asserts that the package does not depend on it.
package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/checkin"
	"github.com/ganwei-bot/ganwei/curation"
	"github.com/ganwei-bot/ganwei/knowledge"
	"github.com/ganwei-bot/ganwei/people"
	"github.com/ganwei-bot/ganwei/reminders"
)

// Messenger sends what handlers say: the front end's side of the conversation
// (ganwei.Messenger; bot.Front for Telegram).
type Messenger = ganwei.Messenger

// Handlers holds what the features need. Fill the fields, call Register once, then pass Handle
// to the bot as its update handler.
type Handlers struct {
	Users     ganwei.UserService
	Dialogs   ganwei.DialogStore
	Questions ganwei.QuestionLog  // asked questions, feedback and the unanswered queue
	Answerer  *knowledge.Answerer // policy answers; nil disables them politely
	Messenger Messenger
	Logger    *slog.Logger
	// Reminders runs the 四项清单 sequences; nil leaves /appoint and /reminders out.
	Reminders ganwei.ReminderService

	// AdminIDs are account ids that are administrators whatever Redis says (GANWEI_ADMIN_IDS).
	AdminIDs map[int64]bool
	// BotUsername is the bot's own name: "/cmd@BotUsername" is ours, "/cmd@OtherBot" is not.
	BotUsername string
	// Contact is the human contact offered when the bot cannot help (a phone or office).
	Contact string
	// Now is the clock; tests inject one.
	Now func() time.Time
	// Location is the time zone dates are shown in (GANWEI_TIMEZONE).
	Location *time.Location
	// Notices keeps one-off notices (the "groups unsupported" reply) to once per chat per day
	// across replicas; nil keeps the count in this process only.
	Notices Oncer
	// Channels keeps the channel of a person with several accounts; nil leaves /channel out.
	Channels ChannelPreferences
	// CheckIns and Periods enable the care check-ins (checkin.go); nil leaves them out.
	CheckIns ganwei.CheckInService
	Periods  ganwei.PeriodCalendar

	staff      *checkin.Staff    // HR's use cases of the check-ins, with the role check and the audit
	people     *people.Service   // invites, the list of people, roles
	office     *reminders.Office // the 四项清单 use cases; nil without Reminders
	curation   *curation.Queue   // the unanswered questions and worst-rated entries, for HR
	commands   map[string]*command
	callbacks  map[string]*callback
	dialogs    map[string]*dialog
	onText     func(ctx context.Context, r *Request) // free text outside any dialog
	identities *identityCache
	noticed    *dailyNotices
	// menusOnly turns off the routing tables' early role refusals, leaving roles to decide menus
	// only. Never set in production: tests set it (export_test.go) to prove that the services
	// refuse on their own, so the routing check is a courtesy, not the rule.
	menusOnly bool
}

// Request is one event, resolved: who sent it, in which chat, and what they said.
type Request struct {
	Event  ganwei.Event
	User   *ganwei.User // never nil; a stranger is a guest with only ID and name set
	ChatID int64

	Text    string // message text, or a button's action payload
	Command string // command name without the slash, lower case ("" for free text)
	Args    string // the rest of a command line, trimmed

	Action    *ganwei.Action // set for a button press
	MessageID int            // the message a pressed button belongs to; 0 when unknown

	// identityUnknown is set while Redis cannot say who this is and no recent answer is cached:
	// User is then a guest stand-in, and anything beyond a guest's reach is "unavailable", not
	// "denied".
	identityUnknown bool
}

// command is one slash command: who may use it and whether it appears in the menu.
type command struct {
	name    string
	desc    string // the menu's one-line description, in Chinese
	minRole ganwei.Role
	hidden  bool // handled but not listed in the menu (/cancel aliases, /start)
	fn      func(ctx context.Context, r *Request)
}

// callback handles buttons whose data starts with "prefix:".
type callback struct {
	minRole ganwei.Role
	fn      func(ctx context.Context, r *Request, data string) // data without the prefix
}

// dialogFunc continues an open dialog with the person's next free-text message.
type dialogFunc func(ctx context.Context, r *Request, d *ganwei.Dialog)

// dialog is a kind of dialog: who may continue it, and how. The role is checked again at every
// step against the role the person has now, so a dialog opened before a revocation goes no
// further.
type dialog struct {
	minRole ganwei.Role
	fn      dialogFunc
}

// Register builds the routing tables. Call it once before the first update.
func (h *Handlers) Register() {
	if h.Now == nil {
		h.Now = time.Now
	}
	if h.Logger == nil {
		h.Logger = slog.Default()
	}
	if h.Location == nil {
		h.Location = time.Local
	}
	if h.Contact == "" {
		h.Contact = DefaultContact
	}
	h.commands = map[string]*command{}
	h.callbacks = map[string]*callback{}
	h.dialogs = map[string]*dialog{}
	h.identities = newIdentityCache(identityTTL, h.Now)
	h.people = &people.Service{Users: h.Users, AdminIDs: h.AdminIDs, Now: h.Now, Audit: h.CheckIns}
	h.curation = &curation.Queue{Questions: h.Questions, Users: h.Users, AdminIDs: h.AdminIDs}
	if h.Reminders != nil {
		h.office = &reminders.Office{Reminders: h.Reminders, Users: h.Users, AdminIDs: h.AdminIDs}
	}
	h.noticed = &dailyNotices{sent: map[string]bool{}}
	h.gateModel()
	h.registerStart()
	h.registerAdmin()
	h.registerAsk()
	h.registerReminders()
	h.registerCheckIn()
	h.registerPaging()
	h.registerChannel()
}

// DefaultContact is offered when no contact is configured.
const DefaultContact = "区委组织部干部科"

func (h *Handlers) addCommand(c *command) {
	if _, dup := h.commands[c.name]; dup {
		panic(fmt.Sprintf("handlers: command /%s registered twice", c.name))
	}
	h.commands[c.name] = c
}

func (h *Handlers) addCallback(prefix string, minRole ganwei.Role, fn func(ctx context.Context, r *Request, data string)) {
	if _, dup := h.callbacks[prefix]; dup {
		panic(fmt.Sprintf("handlers: callback prefix %q registered twice", prefix))
	}
	h.callbacks[prefix] = &callback{minRole: minRole, fn: fn}
}

func (h *Handlers) addDialog(kind string, minRole ganwei.Role, fn dialogFunc) {
	h.dialogs[kind] = &dialog{minRole: minRole, fn: fn}
}

// Commands returns the menu for a role, sorted as it should appear.
func (h *Handlers) Commands(role ganwei.Role) []ganwei.MenuCommand {
	var cs []*command
	for _, c := range h.commands {
		if !c.hidden && role.AtLeast(c.minRole) {
			cs = append(cs, c)
		}
	}
	// Everyday commands first in a fixed order, then HR's, then the admin's.
	group := func(c *command) int {
		switch {
		case c.minRole == ganwei.RoleAdmin:
			return 2
		case c.minRole.IsStaff():
			return 1
		}
		return 0
	}
	sort.Slice(cs, func(i, j int) bool {
		if gi, gj := group(cs[i]), group(cs[j]); gi != gj {
			return gi < gj
		}
		return menuOrder(cs[i].name) < menuOrder(cs[j].name)
	})
	out := make([]ganwei.MenuCommand, len(cs))
	for i, c := range cs {
		out[i] = ganwei.MenuCommand{Name: c.name, Description: c.desc}
	}
	return out
}

// menuOrder puts the most used commands first; the rest follow alphabetically.
func menuOrder(name string) string {
	for i, n := range []string{"help", "ask", "topics", "checkin", "mycheckins", "whoami", "forgetme", "cancel"} {
		if n == name {
			return fmt.Sprintf("%02d", i)
		}
	}
	return "99" + name
}

// resolveUser returns the person behind the event's account (one round trip to the store), or
// a stranger: a guest with person id 0, whose platform id is never taken for anyone's person id.
// GANWEI_ADMIN_IDS apply by account. While Redis is unreachable it falls back to who the account
// was a moment ago (identityTTL), or else to a guest with unknown set, so that what needs no
// storage (policy answers) still works for everyone. Any other storage error is returned.
func (h *Handlers) resolveUser(ctx context.Context, ev ganwei.Event) (u *ganwei.User, unknown bool, err error) {
	err = ganwei.Errorf(ganwei.ENOTFOUND, "no account") // a front end that reports none: a stranger
	if ev.Account != "" {
		u, err = h.Users.UserByAccount(ctx, ev.Account)
	}
	switch ganwei.ErrorCode(err) {
	case "":
		h.identities.put(ev.Account, u)
	case ganwei.ENOTFOUND:
		u = stranger(ev)
		h.identities.put(ev.Account, u)
	case ganwei.EUNAVAILABLE:
		h.Logger.Warn("resolve user: storage unavailable, using what this process knows", "err", err)
		if cached, ok := h.identities.get(ev.Account); ok {
			u = cached
		} else {
			u, unknown = stranger(ev), true
		}
	default:
		return nil, false, err
	}
	if ganwei.ConfiguredAdmin(h.AdminIDs, u, ev.Account) {
		u.Role = ganwei.RoleAdmin
		unknown = false // configured administrators need no storage to be known
	}
	return u, unknown, nil
}

// stranger is the guest standing for an account bound to no one: no person id, only the
// account and the name the platform reports.
func stranger(ev ganwei.Event) *ganwei.User {
	u := &ganwei.User{Name: ev.Name}
	if ev.Account != "" {
		u.Accounts = []ganwei.Account{ev.Account}
	}
	return u
}

// applyAdminIDs makes the GANWEI_ADMIN_IDS administrators (by their Telegram accounts) whatever
// Redis says.
func (h *Handlers) applyAdminIDs(u *ganwei.User) {
	if ganwei.ConfiguredAdmin(h.AdminIDs, u, "") {
		u.Role = ganwei.RoleAdmin
	}
}

// Handle routes one event from a front end.
func (h *Handlers) Handle(ctx context.Context, ev ganwei.Event) {
	if ev.Action != nil {
		h.handleAction(ctx, ev)
		return
	}
	h.handleMessage(ctx, ev)
}

func (h *Handlers) handleMessage(ctx context.Context, ev ganwei.Event) {
	if ev.From == 0 || !ev.Private {
		// Ganwei talks one to one: answers and check-ins are personal.
		if !ev.Private && ev.ChatID != 0 && h.firstToday(ctx, "groups-unsupported", ev.ChatID) {
			h.send(ctx, ev.ChatID, msgGroupsUnsupported, nil)
		}
		return
	}
	u, unknown, err := h.resolveUser(ctx, ev)
	if err != nil {
		h.fail(ctx, ev.ChatID, "resolve user", err)
		return
	}
	ctx = ganwei.NewContextWithActor(ctx, ganwei.Actor{ID: u.ID, Account: ev.Account}) // the services decide with it
	r := &Request{Event: ev, User: u, ChatID: ev.ChatID, Text: ev.Text, identityUnknown: unknown}
	if ev.Text == "" {
		h.send(ctx, r.ChatID, msgOnlyText, nil)
		return
	}
	if len(ev.Text) > MaxInputBytes {
		h.send(ctx, r.ChatID, msgTooLong, nil)
		return
	}
	if name, args, ok := ParseCommand(ev.Text, h.BotUsername); ok {
		r.Command, r.Args = name, args
		c, known := h.commands[name]
		if !known {
			h.send(ctx, r.ChatID, fmt.Sprintf(msgUnknownCommand, "/"+name), nil)
			return
		}
		if !h.menusOnly && !h.allowed(ctx, r, c.minRole) {
			return
		}
		c.fn(ctx, r)
		return
	}
	if strings.HasPrefix(strings.TrimSpace(ev.Text), "/") {
		// "/", "/@bot", "/cmd@OtherBot": a command that is not ours, never a policy question.
		h.send(ctx, r.ChatID, msgNotOurCommand, nil)
		return
	}
	d, timedOut, err := h.loadDialogAny(ctx, u.ID)
	if err == nil && r.identityUnknown {
		err = ganwei.Errorf(ganwei.EUNAVAILABLE, "storage unreachable") // who they are, and so their dialog, cannot be read
	}
	if ganwei.ErrorCode(err) == ganwei.EUNAVAILABLE && h.onText != nil {
		// Storage is down, so whether a dialog is open is unknown: the text may be a check-in's
		// free line. Answer it from the knowledge base in memory, with no model and nothing
		// stored, which is safe either way.
		h.Logger.Warn("load dialog: storage unavailable, answering from memory", "err", err)
		ctx = withoutModel(ctx)
		if !r.identityUnknown && r.User.Role.AtLeast(ganwei.RoleCadre) {
			// Someone who may have a check-in open must not believe its optional line reached
			// the organisation: the answer says it was not saved. (Whom Redis cannot name is
			// not told: strangers ask questions too, and the note would only puzzle them.)
			ctx = context.WithValue(ctx, lineNotSavedKey{}, true)
		}
		h.onText(ctx, r)
		return
	}
	if err != nil {
		h.fail(ctx, r.ChatID, "load dialog", err)
		return
	}
	if timedOut {
		// The dialog timed out while its message was still on screen: the text was most likely
		// meant for it (a check-in's optional line, a case note) and may be about someone's
		// health. It is neither saved nor sent to the model or the unanswered queue.
		_ = h.Dialogs.ClearDialog(ctx, u.ID)
		h.send(ctx, r.ChatID, timedOutText(d.Kind), nil)
		return
	}
	if d != nil {
		dl, ok := h.dialogs[d.Kind]
		switch {
		case ok && (h.menusOnly || u.Role.AtLeast(dl.minRole)):
			dl.fn(ctx, r, d)
			return
		case ok:
			// The person's role changed since the dialog opened: it ends here, and what they
			// typed (perhaps meant for it) goes nowhere else.
			_ = h.Dialogs.ClearDialog(ctx, u.ID)
			h.send(ctx, r.ChatID, msgDialogRevoked, nil)
			return
		}
		_ = h.Dialogs.ClearDialog(ctx, u.ID) // a dialog of a feature this version lacks
	}
	if h.onText != nil {
		h.onText(ctx, r)
		return
	}
	h.send(ctx, r.ChatID, msgNoFreeText, nil)
}

func (h *Handlers) handleAction(ctx context.Context, ev ganwei.Event) {
	act := ev.Action
	chatID := ev.ChatID
	if chatID == 0 {
		chatID = ev.From
	}
	u, unknown, err := h.resolveUser(ctx, ev)
	if err != nil {
		// Say it in the chat too: an alert vanishes, and with Redis down the person must know
		// that the press was not saved.
		h.answer(ctx, act.ID, msgTryLater, true)
		h.fail(ctx, chatID, "resolve user for button", err)
		return
	}
	ctx = ganwei.NewContextWithActor(ctx, ganwei.Actor{ID: u.ID, Account: ev.Account})
	r := &Request{Event: ev, User: u, ChatID: chatID, Text: act.Payload, Action: act,
		MessageID: act.MessageID, identityUnknown: unknown}
	prefix, data, ok := strings.Cut(act.Payload, ":")
	cb := h.callbacks[prefix]
	if !ok || cb == nil || len(act.Payload) > MaxActionPayload || !validCallbackData(act.Payload) {
		h.answer(ctx, act.ID, msgStaleButton, true)
		return
	}
	if !h.menusOnly && !r.User.Role.AtLeast(cb.minRole) {
		if r.identityUnknown {
			h.answer(ctx, act.ID, msgUnavailable, true)
			return
		}
		h.answer(ctx, act.ID, deniedText(cb.minRole, r.User.Role), true)
		return
	}
	cb.fn(ctx, r, data)
}

// MaxActionPayload bounds what a button may carry. Our own payloads are far shorter; anything
// longer came from a modified client. (A front end's own limit, such as Telegram's 64 bytes, is
// the front end's business: it stores longer payloads and sends a reference.)
const MaxActionPayload = 256

// MaxInputBytes bounds what one message may carry into the handlers (Telegram allows 4096
// characters, about 12 KB of Chinese).
const MaxInputBytes = 16 << 10

// validCallbackData accepts only the characters our own buttons use.
func validCallbackData(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(":-_.|", r)) {
			return false
		}
	}
	return true
}

// allowed checks the role and, when it falls short, tells the person why in one kind sentence.
func (h *Handlers) allowed(ctx context.Context, r *Request, min ganwei.Role) bool {
	if r.User.Role.AtLeast(min) {
		return true
	}
	if r.identityUnknown {
		h.send(ctx, r.ChatID, msgUnavailable, nil) // not "denied": who they are cannot be checked now
		return false
	}
	h.send(ctx, r.ChatID, deniedText(min, r.User.Role), nil)
	return false
}

func deniedText(min, have ganwei.Role) string {
	if have == ganwei.RoleGuest {
		return msgNeedBinding
	}
	switch min {
	case ganwei.RoleAdmin:
		return msgAdminOnly
	case ganwei.RoleHR:
		return msgStaffOnly
	}
	return msgNeedBinding
}

// ParseCommand splits "/name@bot args" into its lower-case name and arguments. Commands addressed
// to another bot are not ours. It ignores Telegram's entity offsets, which count UTF-16 units.
func ParseCommand(text, botUsername string) (name, args string, ok bool) {
	text = strings.TrimSpace(text)
	if !strings.HasPrefix(text, "/") {
		return "", "", false
	}
	head, rest, _ := strings.Cut(text[1:], " ")
	if i := strings.IndexAny(head, "\n\t"); i >= 0 {
		head, rest = head[:i], head[i+1:]+" "+rest
	}
	name, target, addressed := strings.Cut(head, "@")
	if addressed && botUsername != "" && !strings.EqualFold(target, botUsername) {
		return "", "", false
	}
	if name == "" {
		return "", "", false
	}
	return strings.ToLower(name), strings.TrimSpace(rest), true
}

// push sends to a person (by person id) wherever they get pushes, not to the chat of the event
// being handled; it logs (without the text) when it cannot.
func (h *Handlers) push(ctx context.Context, personID int64, text string, kb ganwei.Keyboard) {
	if _, err := h.Messenger.Send(ganwei.ToPerson(ctx), personID, text, kb); err != nil {
		h.Logger.Warn("push message", "person_id", personID, "err", err)
	}
}

// send replies and logs (without the text) when it cannot.
func (h *Handlers) send(ctx context.Context, chatID int64, text string, kb ganwei.Keyboard) int {
	id, err := h.Messenger.Send(ctx, chatID, text, kb)
	if err != nil {
		h.Logger.Warn("send message", "chat_id", chatID, "err", err)
	}
	return id
}

// answer acknowledges a button press.
func (h *Handlers) answer(ctx context.Context, actionID, text string, alert bool) {
	if err := h.Messenger.AnswerAction(ctx, actionID, text, alert); err != nil {
		h.Logger.Warn("answer callback", "err", err)
	}
}

// fail tells the person something went wrong in one kind sentence and logs the cause.
func (h *Handlers) fail(ctx context.Context, chatID int64, action string, err error) {
	switch ganwei.ErrorCode(err) {
	case ganwei.EUNAVAILABLE:
		h.Logger.Error(action, "err", err)
		h.send(ctx, chatID, msgUnavailable, nil)
	case ganwei.EINTERNAL:
		h.Logger.Error(action, "err", err)
		h.send(ctx, chatID, msgTryLater, nil)
	default:
		h.send(ctx, chatID, ganwei.ErrorMessage(err), nil)
	}
}

// msgLineNotSaved ends the answer to text a cadre typed while storage was down (lineNotSavedKey).
const msgLineNotSaved = "（系统暂时繁忙：如果刚才这条是写给组织的关爱问卷补充说明，它还没有保存，请过几分钟再发送一次。）"

// lineNotSavedKey marks a request whose answer must end with msgLineNotSaved.
type lineNotSavedKey struct{}

// dialogAfterlife is how long a dialog is kept after it timed out (ganwei.DefaultDialogTTL
// untouched), so that text typed into it afterwards is recognised as meant for it and kept away
// from the model instead of being read as a policy question.
const dialogAfterlife = 24 * time.Hour

// loadDialog returns the person's open dialog, or nil when there is none (or it timed out). Data
// is never nil.
func (h *Handlers) loadDialog(ctx context.Context, userID int64) (*ganwei.Dialog, error) {
	d, timedOut, err := h.loadDialogAny(ctx, userID)
	if timedOut {
		return nil, err
	}
	return d, err
}

// loadDialogAny is loadDialog that also returns a dialog that timed out (untouched for longer
// than ganwei.DefaultDialogTTL), with timedOut set.
func (h *Handlers) loadDialogAny(ctx context.Context, userID int64) (d *ganwei.Dialog, timedOut bool, err error) {
	if userID == 0 {
		return nil, false, nil // a stranger has no dialogs: they are kept per person
	}
	d, err = h.Dialogs.Dialog(ctx, userID)
	switch ganwei.ErrorCode(err) {
	case "":
	case ganwei.ENOTFOUND:
		return nil, false, nil
	default:
		return nil, false, err
	}
	if d.Data == nil {
		d.Data = map[string]string{} // an empty map does not survive the JSON round trip
	}
	return d, !d.UpdatedAt.IsZero() && h.Now().Sub(d.UpdatedAt) > ganwei.DefaultDialogTTL, nil
}

// timedOutText tells someone that the dialog their text was meant for had timed out.
func timedOutText(kind string) string {
	if kind == dialogCheckIn {
		return fmt.Sprintf("您的关爱问卷已超时结束（超过 %d 分钟未操作），已作答的部分都已保存。刚才这条消息没有保存，也没有发送给任何人。如需补充说明，请发送 /checkin 重新填写；如果是想咨询政策，请再发送一次。", int(ganwei.DefaultDialogTTL.Minutes()))
	}
	again := "请重新开始"
	switch kind {
	case appointDialog:
		again = "请重新发送 /appoint 登记"
	case dialogCaseNote:
		again = "请在跟进事项中重新点「添加备注」"
	}
	return fmt.Sprintf("刚才的操作已超时结束（超过 %d 分钟未操作），这条消息没有保存，也没有发送给任何人。如需继续，%s；如果是想咨询政策，请再发送一次。", int(ganwei.DefaultDialogTTL.Minutes()), again)
}

// saveDialog stores d as the person's open dialog; when it cannot, it tells them and returns false.
func (h *Handlers) saveDialog(ctx context.Context, r *Request, d *ganwei.Dialog) bool {
	if r.User.ID == 0 {
		// A stranger has no person to keep a dialog under: nothing is stored, and the next
		// message starts afresh. (What a dialog leads to is refused by the services anyway; the
		// operators of GANWEI_ADMIN_IDS are people from start-up on.)
		return true
	}
	if err := h.Dialogs.SaveDialog(ctx, r.User.ID, d, ganwei.DefaultDialogTTL+dialogAfterlife); err != nil {
		h.fail(ctx, r.ChatID, "save dialog", err)
		return false
	}
	return true
}

// keyboard builds a keyboard from rows of buttons.
func keyboard(rows ...[]ganwei.Button) ganwei.Keyboard { return ganwei.Buttons(rows...) }

// button is one button carrying an action payload.
func button(label, action string) ganwei.Button {
	if len(action) > MaxActionPayload {
		panic("handlers: action payload over MaxActionPayload bytes: " + action)
	}
	return ganwei.Button{Label: label, Action: action}
}

// dropButtons removes the keyboard from the message whose button was just pressed, keeping its
// text, so that a finished step cannot be pressed again.
func (h *Handlers) dropButtons(ctx context.Context, r *Request) {
	if r.Action == nil || r.MessageID == 0 {
		return
	}
	if err := h.Messenger.Edit(ctx, r.ChatID, r.MessageID, r.Action.MessageText, nil); err != nil {
		h.Logger.Warn("drop buttons", "err", err)
	}
}
