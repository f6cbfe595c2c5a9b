// Package telegramtest is an in-process stand-in for the Telegram Bot API.
//
// It serves the subset of the Bot API that Ganwei uses over net/http/httptest,
// so the real github.com/go-telegram/bot client talks to it unchanged through
// bot.WithServerURL(srv.URL()). Tests use it to inject updates, record every
// call (multipart files included) and make calls fail on purpose; `ganwei
// demo` uses the same server to run the whole bot offline. For that reason the
// package imports nothing test-only and every method is safe for concurrent
// use.
//
// A typical test:
//
//	srv := telegramtest.New()
//	defer srv.Close()
//	b, _ := tgbot.New(srv.Token(), tgbot.WithServerURL(srv.URL()), tgbot.WithDefaultHandler(h))
//	go b.Start(ctx)
//	srv.SendText(42, "/start")
//	msgs, err := srv.WaitMessages(ctx, 42, 1)
//
// Like Telegram, the server answers every request with
// {"ok":true,"result":...} or {"ok":false,"error_code":N,"description":"..."},
// using the same HTTP status as error_code.
package telegramtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"
)

// Defaults used when no option overrides them. The token has the shape of a
// real one so code that parses or masks tokens behaves as in production.
const (
	DefaultToken       = "123456789:TEST-ganwei-token"
	DefaultBotUsername = "ganwei_bot"
	DefaultBotName     = "敢为助手"
	DefaultBotID       = 123456789
)

// Server is a running Bot API stand-in. Create it with New and stop it with
// Close. All methods are safe for concurrent use.
type Server struct {
	http *httptest.Server

	token string
	bot   models.User
	now   func() time.Time

	mu sync.Mutex
	// cond is broadcast on every state change (new update, recorded call,
	// Close) so long polls and Wait* helpers wake without sleeping.
	cond    *sync.Cond
	version uint64
	closed  bool

	nextUpdateID int64
	queue        []queuedUpdate

	users     map[int64]models.User
	nextMsgID map[int64]int
	messages  map[int64][]*Message

	calls      []Call
	faults     map[string][]Fault // method (lower case) -> pending faults
	chatFaults map[int64]Fault

	webhook  WebhookInfo
	commands map[string][]models.BotCommand
}

// Option configures a Server in New.
type Option func(*Server)

// WithToken sets the bot token the server accepts; requests with another
// token get 401 Unauthorized, as from Telegram.
func WithToken(token string) Option { return func(s *Server) { s.token = token } }

// WithBotUsername sets the username getMe reports (without '@').
func WithBotUsername(username string) Option {
	return func(s *Server) { s.bot.Username = username }
}

// WithBotName sets the first name getMe reports.
func WithBotName(name string) Option { return func(s *Server) { s.bot.FirstName = name } }

// WithBotID sets the bot's user id getMe reports.
func WithBotID(id int64) Option { return func(s *Server) { s.bot.ID = id } }

// WithClock sets the clock used for message and update dates, so tests that
// compare dates need not depend on the wall clock.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// New starts a Server on a loopback port. Call Close when done.
func New(opts ...Option) *Server {
	s := &Server{
		token:        DefaultToken,
		bot:          models.User{ID: DefaultBotID, IsBot: true, FirstName: DefaultBotName, Username: DefaultBotUsername},
		now:          time.Now,
		nextUpdateID: 1,
		users:        map[int64]models.User{},
		nextMsgID:    map[int64]int{},
		messages:     map[int64][]*Message{},
		faults:       map[string][]Fault{},
		chatFaults:   map[int64]Fault{},
		commands:     map[string][]models.BotCommand{},
	}
	s.cond = sync.NewCond(&s.mu)
	for _, o := range opts {
		o(s)
	}
	s.http = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s
}

// URL is the base URL to pass to bot.WithServerURL (no trailing slash).
func (s *Server) URL() string { return s.http.URL }

// Token is the bot token the server accepts.
func (s *Server) Token() string { return s.token }

// Bot is the bot user getMe returns.
func (s *Server) Bot() models.User { return s.bot }

// Close releases pending long polls and waiters, then shuts the HTTP server
// down. httptest.Server.Close waits for in-flight requests, so the long polls
// must be woken first or Close would block until their timeout.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.changedLocked()
	s.mu.Unlock()
	s.http.Close()
}

// changedLocked records a state change and wakes every waiter. s.mu is held.
func (s *Server) changedLocked() {
	s.version++
	s.cond.Broadcast()
}

// waitLocked blocks until the state changes, ctx ends or the server closes.
// s.mu is held on entry and on return. It reports false when the wait should
// stop (ctx done or server closed).
func (s *Server) waitLocked(ctx context.Context) bool {
	if ctx.Err() != nil || s.closed {
		return false
	}
	// sync.Cond knows nothing of contexts; AfterFunc turns cancellation into
	// a broadcast so the Wait below returns.
	stop := context.AfterFunc(ctx, func() {
		s.mu.Lock()
		s.cond.Broadcast()
		s.mu.Unlock()
	})
	v := s.version
	for s.version == v && ctx.Err() == nil && !s.closed {
		s.cond.Wait()
	}
	stop()
	return ctx.Err() == nil && !s.closed
}

// WaitUntil calls cond after every state change of the server until it
// returns true (nil error), ctx ends (ctx.Err()) or the server closes
// (ErrClosed). cond is called without the server's lock held, so it may call
// any Server method, such as MessagesTo.
func (s *Server) WaitUntil(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		v := s.version
		s.mu.Unlock()
		if cond() {
			return nil
		}
		s.mu.Lock()
		if s.version == v && !s.waitLocked(ctx) {
			closed := s.closed
			s.mu.Unlock()
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if closed {
				return ErrClosed
			}
		} else {
			s.mu.Unlock()
		}
	}
}

// serveHTTP routes /bot<token>/<method> (and the test environment's
// /bot<token>/test/<method>) to the method handlers.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	if !ok {
		writeError(w, Fault{Code: http.StatusNotFound, Description: "Not Found"})
		return
	}
	token, method, ok := strings.Cut(rest, "/")
	if !ok {
		writeError(w, Fault{Code: http.StatusNotFound, Description: "Not Found"})
		return
	}
	if token != s.token {
		writeError(w, Fault{Code: http.StatusUnauthorized, Description: "Unauthorized"})
		return
	}
	method = strings.TrimPrefix(method, "test/")
	params, files, err := parseParams(r)
	if err != nil {
		writeError(w, Fault{Code: http.StatusBadRequest, Description: "Bad Request: " + err.Error()})
		return
	}
	call := Call{Method: method, Params: params, Files: files, At: s.now()}
	result, fault := s.dispatch(r.Context(), &call)
	call.Error = fault
	s.record(call)
	if fault != nil {
		writeError(w, *fault)
		return
	}
	writeResult(w, result)
}

// dispatch runs one method. A non-nil Fault is the error answer.
func (s *Server) dispatch(ctx context.Context, c *Call) (any, *Fault) {
	name := strings.ToLower(c.Method)
	h, known := methods[name]
	if !known {
		return nil, &Fault{Code: http.StatusNotFound, Description: "Not Found"}
	}
	if f := s.takeFault(name, c.Params); f != nil {
		return nil, f
	}
	return h(s, ctx, c)
}

// methodFunc implements one Bot API method.
type methodFunc func(s *Server, ctx context.Context, c *Call) (any, *Fault)

// methods maps lower-case method names (Telegram ignores case) to handlers.
var methods = map[string]methodFunc{
	"getme":                  (*Server).getMe,
	"getupdates":             (*Server).getUpdates,
	"setwebhook":             (*Server).setWebhook,
	"deletewebhook":          (*Server).deleteWebhook,
	"getwebhookinfo":         (*Server).getWebhookInfo,
	"sendmessage":            (*Server).sendMessage,
	"sendphoto":              (*Server).sendPhoto,
	"senddocument":           (*Server).sendDocument,
	"editmessagetext":        (*Server).editMessageText,
	"editmessagereplymarkup": (*Server).editMessageReplyMarkup,
	"deletemessage":          (*Server).deleteMessage,
	"answercallbackquery":    (*Server).answerTrue,
	"sendchataction":         (*Server).answerTrue,
	"setmycommands":          (*Server).setMyCommands,
	"deletemycommands":       (*Server).deleteMyCommands,
	"getmycommands":          (*Server).getMyCommands,
}

func (s *Server) getMe(context.Context, *Call) (any, *Fault) { return s.bot, nil }

// answerTrue serves methods whose only effect worth keeping is the recorded
// call (answerCallbackQuery, sendChatAction).
func (s *Server) answerTrue(_ context.Context, c *Call) (any, *Fault) {
	if strings.EqualFold(c.Method, "sendChatAction") {
		if _, f := chatID(c.Params); f != nil {
			return nil, f
		}
	}
	return true, nil
}
