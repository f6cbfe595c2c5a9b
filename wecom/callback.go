package wecom

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/inbox"
)

// CallbackPath is where 企业微信 posts the app's messages and events (on GANWEI_HTTP_ADDR).
const CallbackPath = "/wecom/callback"

// MaxClockSkew is how far a callback's timestamp may be from now; older ones are replays.
const MaxClockSkew = 5 * time.Minute

// DefaultReadTimeout is how long a callback's body may take to arrive; 企业微信 posts a few
// hundred bytes and gives up after five seconds itself.
const DefaultReadTimeout = 10 * time.Second

// EventHandler handles one platform-neutral event (handlers.Handlers.Handle).
type EventHandler func(ctx context.Context, ev ganwei.Event)

// Callback serves CallbackPath: the URL verification (GET) and the encrypted messages and
// events (POST). A request whose signature does not match gets 401, logged without its body; a
// stale timestamp is answered 200 and dropped. A new callback is stored in the durable inbox
// (source ganwei.SourceWeCom, deduplicated by its event key: 企业微信 retries when it hears
// nothing within five seconds) before the 200, so that neither a slow answer nor a crash loses
// it; the inbox workers (package inbox, on whichever replica) hand it to HandleEntry.
type Callback struct {
	Crypto  Crypto
	AgentID string // callbacks for another app of the corp are refused
	Front   *Front
	Handle  EventHandler
	Logger  *slog.Logger
	Now     func() time.Time
	// ReadTimeout bounds how long a callback's body may take to arrive (default
	// DefaultReadTimeout): the URL is open to the internet, and a sender trickling a body byte by
	// byte must not hold a connection and a goroutine for ever. It replaces the server's read
	// deadline for the request, so it should not be longer than http.Server.ReadTimeout.
	ReadTimeout time.Duration
	// UserRate and UserBurst bound the events one person may send (default 1/s, burst 8, as
	// on Telegram); the first refused one gets a notice.
	UserRate  float64
	UserBurst int

	// Pool is the inbox callbacks are stored in (its Accept) and handled from (register
	// HandleEntry for ganwei.SourceWeCom): the Telegram bot's when it runs in the process, else
	// one of the 企业微信 channel's own. Store is where Wait looks at the backlog.
	Pool  *inbox.Pool
	Store ganwei.Inbox

	limitMu sync.Mutex
	limits  map[string]*userBucket
}

type userBucket struct {
	lim    *rate.Limiter
	warned bool
}

// maxTrackedUsers bounds the limiter's memory; a forgotten bucket is a full one.
const maxTrackedUsers = 100_000

// rateLimitedText tells a person who sends too fast to slow down (the same words as Telegram's).
const rateLimitedText = "操作有点频繁，请稍等几秒再试。"

// allow reports whether userID may send now, and whether this is the first refusal since they
// were last allowed.
func (c *Callback) allow(userID string) (allowed, warn bool) {
	c.limitMu.Lock()
	defer c.limitMu.Unlock()
	if c.limits == nil || len(c.limits) >= maxTrackedUsers {
		c.limits = map[string]*userBucket{}
	}
	bk, ok := c.limits[userID]
	if !ok {
		r, burst := c.UserRate, c.UserBurst
		if r <= 0 {
			r = 1
		}
		if burst <= 0 {
			burst = 8
		}
		bk = &userBucket{lim: rate.NewLimiter(rate.Limit(r), burst)}
		c.limits[userID] = bk
	}
	if bk.lim.Allow() {
		bk.warned = false
		return true, false
	}
	warn = !bk.warned
	bk.warned = true
	return false, warn
}

// Wait blocks until the inbox is empty: every callback accepted has been handled (tests, the
// demo).
func (c *Callback) Wait() {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for range t.C {
		st, err := c.Store.InboxStats(context.Background())
		if err == nil && st.Depth == 0 {
			return
		}
	}
}

// HandleEntry handles one callback the inbox stored (an inbox.Handler for ganwei.SourceWeCom).
func (c *Callback) HandleEntry(ctx context.Context, u ganwei.InboxUpdate) {
	var msg Message
	if err := json.Unmarshal(u.Payload, &msg); err != nil {
		c.logger().Warn("wecom inbox: undecodable entry dropped", "bytes", len(u.Payload), "err", err)
		return
	}
	c.dispatch(ctx, msg)
}

func (c *Callback) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Callback) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.Default()
}

// envelope is the encrypted callback body.
type envelope struct {
	ToUserName string `xml:"ToUserName"`
	AgentID    string `xml:"AgentID"`
	Encrypt    string `xml:"Encrypt"`
}

// Message is a decrypted callback: a message or an event.
type Message struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   string   `xml:"ToUserName"`
	FromUserName string   `xml:"FromUserName"`
	CreateTime   int64    `xml:"CreateTime"`
	MsgType      string   `xml:"MsgType"`
	Content      string   `xml:"Content,omitempty"`
	MsgID        int64    `xml:"MsgId,omitempty"`
	AgentID      string   `xml:"AgentID"`
	Event        string   `xml:"Event,omitempty"`
	EventKey     string   `xml:"EventKey,omitempty"`
	TaskID       string   `xml:"TaskId,omitempty"`
	CardType     string   `xml:"CardType,omitempty"`
	ResponseCode string   `xml:"ResponseCode,omitempty"`
}

func (c *Callback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sig, ts, nonce := q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce")
	switch r.Method {
	case http.MethodGet: // URL verification when the callback is configured
		echo := q.Get("echostr")
		if !c.Crypto.Verify(sig, ts, nonce, echo) {
			c.logger().Warn("wecom callback: bad signature", "method", "GET", "remote", r.RemoteAddr)
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		plain, err := c.Crypto.Decrypt(echo)
		if err != nil {
			c.logger().Warn("wecom callback: echostr", "err", err)
			http.Error(w, "bad echostr", http.StatusBadRequest)
			return
		}
		_, _ = w.Write(plain)
	case http.MethodPost:
		timeout := c.ReadTimeout
		if timeout <= 0 {
			timeout = DefaultReadTimeout
		}
		// Network deadlines are wall-clock time, whatever c.Now says.
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(timeout))
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "read body", http.StatusBadRequest)
			return
		}
		var env envelope
		if err := xml.Unmarshal(body, &env); err != nil || env.Encrypt == "" {
			http.Error(w, "not a callback", http.StatusBadRequest)
			return
		}
		if !c.Crypto.Verify(sig, ts, nonce, env.Encrypt) {
			c.logger().Warn("wecom callback: bad signature", "method", "POST", "remote", r.RemoteAddr)
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		sent, err := strconv.ParseInt(ts, 10, 64)
		if err != nil || c.now().Sub(time.Unix(sent, 0)).Abs() > MaxClockSkew {
			c.logger().Warn("wecom callback: stale timestamp dropped", "timestamp", ts)
			w.WriteHeader(http.StatusOK)
			return
		}
		plain, err := c.Crypto.Decrypt(env.Encrypt)
		if err != nil {
			c.logger().Warn("wecom callback: decrypt", "err", err)
			http.Error(w, "cannot decrypt", http.StatusBadRequest)
			return
		}
		var msg Message
		if err := xml.Unmarshal(plain, &msg); err != nil || msg.FromUserName == "" {
			http.Error(w, "bad message", http.StatusBadRequest)
			return
		}
		if c.AgentID != "" && msg.AgentID != "" && msg.AgentID != c.AgentID {
			http.Error(w, "another app", http.StatusForbidden)
			return
		}
		payload, err := json.Marshal(msg)
		if err != nil {
			http.Error(w, "bad message", http.StatusBadRequest)
			return
		}
		c.accept(w, r, msg, payload)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// accept stores a callback in the inbox before the 200 (a retry of a stored one is taken
// without storing it again); a full inbox, a stopping process or an unreachable Redis gets 503,
// and 企业微信 retries.
func (c *Callback) accept(w http.ResponseWriter, r *http.Request, msg Message, payload []byte) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second) // 企业微信 waits five seconds
	defer cancel()
	err := c.Pool.Accept(ctx, ganwei.InboxUpdate{Source: ganwei.SourceWeCom, Key: eventKey(msg), Payload: payload})
	if err != nil {
		c.logger().Warn("wecom callback: not stored in the inbox; 企业微信 will retry", "full", ganwei.ErrorCode(err) == ganwei.EFULL,
			"stopping", errors.Is(err, inbox.ErrClosed), "err", err)
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// eventKey names a callback for deduplication: a message by its MsgId, an event by who, when
// and what (企业微信's own advice, as events carry no id).
func eventKey(m Message) string {
	if m.MsgID != 0 {
		return "m:" + strconv.FormatInt(m.MsgID, 10)
	}
	return strings.Join([]string{"e", m.FromUserName, strconv.FormatInt(m.CreateTime, 10), m.Event, m.TaskID, m.EventKey}, ":")
}

func (c *Callback) dispatch(ctx context.Context, msg Message) {
	defer func() {
		if v := recover(); v != nil {
			c.logger().Error("wecom handler panic", "panic", v)
		}
	}()
	ev, ok, err := c.Front.Event(ctx, msg)
	if err != nil {
		c.logger().Warn("wecom event", "err", err)
		return
	}
	if !ok {
		return
	}
	if allowed, warn := c.allow(msg.FromUserName); !allowed {
		c.logger().Info("wecom event rate limited", "chat_id", ev.ChatID)
		if warn {
			if _, err := c.Front.Send(ctx, ev.ChatID, rateLimitedText, nil); err != nil {
				c.logger().Warn("send rate-limit notice", "err", err)
			}
		}
		return
	}
	c.Handle(ctx, ev)
}

// Event converts a decrypted callback to a ganwei.Event; ok is false for what the features have
// nothing to say to (an enter_agent after the first, other events).
func (f *Front) Event(ctx context.Context, m Message) (ganwei.Event, bool, error) {
	chatID, created, err := f.Store.WeComChat(ctx, m.FromUserName)
	if err != nil {
		return ganwei.Event{}, false, err
	}
	ev := ganwei.Event{ID: m.MsgID, From: chatID, Account: ganwei.Account("wecom:" + m.FromUserName),
		ChatID: chatID, Private: true}
	switch {
	case m.MsgType == "event" && m.Event == "template_card_event":
		id := parseTaskID(m.TaskID)
		act := &ganwei.Action{ID: strconv.FormatInt(chatID, 10), Payload: m.EventKey, MessageID: id}
		if id > 0 {
			if raw, err := f.Store.WeComMessage(ctx, id); err == nil {
				var rec record
				if json.Unmarshal([]byte(raw), &rec) == nil {
					if rec.User == m.FromUserName {
						act.MessageText, act.Buttons = rec.Text, rec.Buttons
					} else {
						// Another person's card: the press may not update it, nor leave its
						// response code there for a later edit of that card.
						id, act.MessageID = 0, 0
					}
				}
			}
		}
		if id > 0 && m.ResponseCode != "" {
			if err := f.Store.SaveWeComResponseCode(ctx, id, m.ResponseCode); err != nil {
				return ev, false, err
			}
		}
		ev.Action = act
		return ev, true, nil
	case m.MsgType == "event" && m.Event == "enter_agent":
		// Opening the app for the first time is the platform's /start; later visits say nothing.
		if created {
			ev.Text = "/start"
			return ev, true, nil
		}
		return ev, false, nil
	case m.MsgType == "event":
		return ev, false, nil
	case m.MsgType == "text":
		ev.Text = bindCommand(strings.TrimSpace(m.Content))
	}
	return ev, true, nil // other message types arrive without text, answered as such
}

// bindCommand turns 「绑定 CODE」, how people bind where no deep link exists, into /start CODE.
func bindCommand(text string) string {
	for _, p := range []string{"绑定", "綁定"} {
		if rest, ok := strings.CutPrefix(text, p); ok {
			rest = strings.TrimLeft(rest, " 　:：")
			if rest != "" {
				return "/start " + rest
			}
		}
	}
	return text
}
