// Package wecomtest is an httptest stand-in for the 企业微信 API of one self-built app
// (gettoken, message/send, message/update_template_card, media/upload) that also plays the
// platform's side of the callback: it encrypts and signs messages, button presses and
// enter-agent events and posts them to the app's /wecom/callback. Faults can be injected: the
// token expiring, frequency limits, a user outside the app's visibility, an unknown user.
package wecomtest

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei/wecom"
)

// Identity of the stand-in's app; the settings a test gives Ganwei.
const (
	CorpID  = "ww0123456789abcdef"
	AgentID = int64(1000002)
	Secret  = "test-secret-abcdefghijklmnopqrstuvwxyz"
	Token   = "ganweiTestToken"
	AESKey  = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG" // 43 characters
)

// Message is what the app sent to a user: a text, a card or a file. An updated card shows its
// latest state.
type Message struct {
	Seq      int // order among everything the user received
	Type     string
	Text     string             // text
	TaskID   string             // card
	Title    string             // card
	Body     string             // card
	Buttons  []wecom.CardButton // card
	Replaced string             // card updated without buttons: the pressed button's new name
	Pressed  string             // the key of the button pressed last
	Updates  int                // how many times the card was updated
	Filename string             // file or image
}

// Server is the stand-in. Create it with New.
type Server struct {
	*httptest.Server
	Crypto wecom.Crypto
	// Now is the clock of the callbacks' timestamps (time.Now when nil).
	Now func() time.Time

	mu          sync.Mutex
	callbackURL string
	token       string
	tokenN      int
	tokenFetch  int
	rateLimited int
	noPrivilege map[string]bool
	unknown     map[string]bool
	msgs        map[string][]*Message
	byTask      map[string]*Message
	codes       map[string]string // response code → task id, until used
	seq, msgID  int
	changed     chan struct{}
	media       int
}

// New starts the stand-in; it is closed with the test.
func New(t testing.TB) *Server {
	s := NewServer()
	t.Cleanup(s.Close)
	return s
}

// NewServer starts the stand-in outside a test (the demo); the caller closes it.
func NewServer() *Server {
	s := &Server{
		Crypto:      wecom.Crypto{Token: Token, AESKey: AESKey, CorpID: CorpID},
		noPrivilege: map[string]bool{}, unknown: map[string]bool{},
		msgs: map[string][]*Message{}, byTask: map[string]*Message{}, codes: map[string]string{},
		changed: make(chan struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /cgi-bin/gettoken", s.gettoken)
	mux.HandleFunc("POST /cgi-bin/message/send", s.authed(s.send))
	mux.HandleFunc("POST /cgi-bin/message/update_template_card", s.authed(s.update))
	mux.HandleFunc("POST /cgi-bin/media/upload", s.authed(s.upload))
	s.Server = httptest.NewServer(mux)
	return s
}

// SetCallback is the app's callback URL (…/wecom/callback) the stand-in posts to.
func (s *Server) SetCallback(url string) { s.mu.Lock(); s.callbackURL = url; s.mu.Unlock() }

// ExpireToken makes the current access token rejected with 42001, as when it runs out.
func (s *Server) ExpireToken() { s.mu.Lock(); s.token = ""; s.mu.Unlock() }

// TokenFetches is how many times gettoken was called.
func (s *Server) TokenFetches() int { s.mu.Lock(); defer s.mu.Unlock(); return s.tokenFetch }

// RateLimit answers the next n API calls with 45009 (接口调用超过限制).
func (s *Server) RateLimit(n int) { s.mu.Lock(); s.rateLimited = n; s.mu.Unlock() }

// NoPrivilege answers sends to userID with 60011 (outside the app's visibility).
func (s *Server) NoPrivilege(userID string) { s.mu.Lock(); s.noPrivilege[userID] = true; s.mu.Unlock() }

// UnknownUser answers sends to userID with 81013 (no such member).
func (s *Server) UnknownUser(userID string) { s.mu.Lock(); s.unknown[userID] = true; s.mu.Unlock() }

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func apiErr(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, map[string]any{"errcode": code, "errmsg": msg})
}

func (s *Server) gettoken(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("corpid") != CorpID || r.URL.Query().Get("corpsecret") != Secret {
		apiErr(w, 40001, "invalid credential")
		return
	}
	s.mu.Lock()
	s.tokenN++
	s.tokenFetch++
	s.token = "tok" + strconv.Itoa(s.tokenN)
	tok := s.token
	s.mu.Unlock()
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "access_token": tok, "expires_in": 7200})
}

// authed checks the token and the injected rate limit before the endpoint.
func (s *Server) authed(next func(w http.ResponseWriter, r *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := r.URL.Query().Get("access_token")
		s.mu.Lock()
		valid, limited := tok != "" && tok == s.token, s.rateLimited > 0
		if valid && limited {
			s.rateLimited--
		}
		s.mu.Unlock()
		switch {
		case tok == "":
			apiErr(w, 41001, "access_token missing")
		case !valid:
			apiErr(w, 42001, "access_token expired")
		case limited:
			apiErr(w, 45009, "api freq out of limit")
		default:
			next(w, r)
		}
	}
}

type sendRequest struct {
	ToUser       string                   `json:"touser"`
	MsgType      string                   `json:"msgtype"`
	AgentID      int64                    `json:"agentid"`
	Text         struct{ Content string } `json:"text"`
	TemplateCard *card                    `json:"template_card"`
	Image        *struct {
		MediaID string `json:"media_id"`
	} `json:"image"`
	File *struct {
		MediaID string `json:"media_id"`
	} `json:"file"`
}

type card struct {
	CardType     string                 `json:"card_type"`
	MainTitle    struct{ Title string } `json:"main_title"`
	SubTitleText string                 `json:"sub_title_text"`
	TaskID       string                 `json:"task_id"`
	ButtonList   []wecom.CardButton     `json:"button_list"`
}

// reachable answers the faults of a recipient; false when it answered.
func (s *Server) reachable(w http.ResponseWriter, user string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.noPrivilege[user]:
		apiErr(w, 60011, "no privilege to access/modify contact/party/agent")
	case s.unknown[user], user == "":
		apiErr(w, 81013, "user & party & tag all invalid")
	default:
		return true
	}
	return false
}

func (s *Server) send(w http.ResponseWriter, r *http.Request) {
	var req sendRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.AgentID != AgentID {
		apiErr(w, 40008, "invalid message type or agentid")
		return
	}
	if !s.reachable(w, req.ToUser) {
		return
	}
	m := &Message{Type: req.MsgType}
	switch req.MsgType {
	case "text":
		if len(req.Text.Content) > 2048 {
			apiErr(w, 44004, "content too long")
			return
		}
		m.Text = req.Text.Content
	case "template_card":
		c := req.TemplateCard
		if c == nil || c.CardType != "button_interaction" || c.TaskID == "" || len(c.ButtonList) == 0 || len(c.ButtonList) > 6 {
			apiErr(w, 40058, "invalid template_card")
			return
		}
		for _, b := range c.ButtonList {
			if b.Key == "" || len(b.Key) > 1024 {
				apiErr(w, 40058, "invalid button key")
				return
			}
		}
		m.TaskID, m.Title, m.Body, m.Buttons = c.TaskID, c.MainTitle.Title, c.SubTitleText, c.ButtonList
	case "file", "image":
		media := req.File
		if req.MsgType == "image" {
			media = req.Image
		}
		if media == nil || media.MediaID == "" {
			apiErr(w, 40007, "invalid media_id")
			return
		}
		_, m.Filename, _ = strings.Cut(media.MediaID, ":") // the stand-in's ids end with the file name
	default:
		apiErr(w, 40008, "invalid message type")
		return
	}
	s.mu.Lock()
	s.seq++
	s.msgID++
	m.Seq = s.seq
	s.msgs[req.ToUser] = append(s.msgs[req.ToUser], m)
	if m.TaskID != "" {
		s.byTask[m.TaskID] = m
	}
	s.notify()
	id := s.msgID
	s.mu.Unlock()
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "msgid": "msg" + strconv.Itoa(id)})
}

func (s *Server) update(w http.ResponseWriter, r *http.Request) {
	var req struct {
		UserIDs      []string `json:"userids"`
		AgentID      int64    `json:"agentid"`
		ResponseCode string   `json:"response_code"`
		Button       *struct {
			ReplaceName string `json:"replace_name"`
		} `json:"button"`
		TemplateCard *card `json:"template_card"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.AgentID != AgentID {
		apiErr(w, 40008, "invalid agentid")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	task, ok := s.codes[req.ResponseCode]
	if !ok {
		apiErr(w, 40145, "response_code used or expired")
		return
	}
	delete(s.codes, req.ResponseCode)
	m := s.byTask[task]
	switch {
	case req.Button != nil:
		m.Replaced, m.Buttons = req.Button.ReplaceName, nil
	case req.TemplateCard != nil:
		m.Title, m.Body, m.Buttons = req.TemplateCard.MainTitle.Title, req.TemplateCard.SubTitleText, req.TemplateCard.ButtonList
	default:
		apiErr(w, 40058, "nothing to update")
		return
	}
	m.Updates++
	s.notify()
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok"})
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	f, hdr, err := r.FormFile("media")
	if err != nil {
		apiErr(w, 40004, "invalid media")
		return
	}
	_, _ = io.Copy(io.Discard, f)
	s.mu.Lock()
	s.media++
	id := fmt.Sprintf("media%d:%s", s.media, hdr.Filename)
	s.mu.Unlock()
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "type": r.URL.Query().Get("type"), "media_id": id})
}

// notify wakes Wait callers; s.mu is held.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Messages returns copies of what userID received, oldest first.
func (s *Server) Messages(userID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.msgs[userID]))
	for i, m := range s.msgs[userID] {
		out[i] = *m
		out[i].Buttons = append([]wecom.CardButton(nil), m.Buttons...)
	}
	return out
}

// Wait returns the first message to userID, after position after (a Seq; 0 for any), for which
// match is true, waiting up to ten seconds for a background send; it fails the test otherwise.
func (s *Server) Wait(t testing.TB, userID string, after int, match func(Message) bool) Message {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		for _, m := range s.Messages(userID) {
			if m.Seq > after && match(m) {
				return m
			}
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("no matching message for %s after #%d; got %+v", userID, after, s.Messages(userID))
			return Message{}
		}
	}
}

// Last is the sequence number of the latest message anyone received.
func (s *Server) Last() int { s.mu.Lock(); defer s.mu.Unlock(); return s.seq }

// Contains matches a message whose text, title or body contains want.
func Contains(want string) func(Message) bool {
	return func(m Message) bool {
		return strings.Contains(m.Text, want) || strings.Contains(m.Title, want) || strings.Contains(m.Body, want)
	}
}

// HasButton matches a card with a button of that label.
func HasButton(label string) func(Message) bool {
	return func(m Message) bool { return m.ButtonKey(label) != "" }
}

// ButtonKey is the key of the card's button labelled label, or "".
func (m Message) ButtonKey(label string) string {
	for _, b := range m.Buttons {
		if b.Text == label {
			return b.Key
		}
	}
	return ""
}

// callback is one decrypted callback as 企业微信 makes it.
type callback struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   string   `xml:"ToUserName"`
	FromUserName string   `xml:"FromUserName"`
	CreateTime   int64    `xml:"CreateTime"`
	MsgType      string   `xml:"MsgType"`
	Content      string   `xml:"Content,omitempty"`
	MsgID        int64    `xml:"MsgId,omitempty"`
	AgentID      int64    `xml:"AgentID"`
	Event        string   `xml:"Event,omitempty"`
	EventKey     string   `xml:"EventKey,omitempty"`
	TaskID       string   `xml:"TaskId,omitempty"`
	CardType     string   `xml:"CardType,omitempty"`
	ResponseCode string   `xml:"ResponseCode,omitempty"`
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Request is an encrypted, signed callback ready to post (and to post again, as a replay).
type Request struct {
	Query url.Values
	Body  []byte
}

// sealed encrypts and signs a callback made by Say, Press or Enter without posting it.
func (s *Server) sealed(t testing.TB, c callback) Request {
	t.Helper()
	req, err := s.seal(c)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func (s *Server) seal(c callback) (Request, error) {
	c.ToUserName, c.AgentID = CorpID, AgentID
	if c.CreateTime == 0 {
		c.CreateTime = s.now().Unix()
	}
	plain, err := xml.Marshal(c)
	if err != nil {
		return Request{}, fmt.Errorf("encode callback: %w", err)
	}
	enc, err := s.Crypto.Encrypt(plain)
	if err != nil {
		return Request{}, fmt.Errorf("encrypt callback: %w", err)
	}
	ts, nonce := strconv.FormatInt(s.now().Unix(), 10), strconv.FormatInt(time.Now().UnixNano(), 36)
	body := fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><AgentID><![CDATA[%d]]></AgentID><Encrypt><![CDATA[%s]]></Encrypt></xml>", CorpID, AgentID, enc)
	q := url.Values{"msg_signature": {s.Crypto.Signature(ts, nonce, enc)}, "timestamp": {ts}, "nonce": {nonce}}
	return Request{Query: q, Body: []byte(body)}, nil
}

// Post posts a sealed callback and returns the HTTP status.
func (s *Server) Post(t testing.TB, req Request) int {
	t.Helper()
	code, err := s.post(req)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func (s *Server) post(req Request) (int, error) {
	s.mu.Lock()
	target := s.callbackURL
	s.mu.Unlock()
	resp, err := http.Post(target+"?"+req.Query.Encode(), "text/xml", bytes.NewReader(req.Body))
	if err != nil {
		return 0, fmt.Errorf("post callback: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// SendText posts a text message from userID outside a test (the demo).
func (s *Server) SendText(userID, text string) error {
	s.mu.Lock()
	s.msgID++
	id := int64(s.msgID) + 7_000_000_000
	s.mu.Unlock()
	req, err := s.seal(callback{FromUserName: userID, MsgType: "text", Content: text, MsgID: id})
	if err != nil {
		return err
	}
	return okStatus(s.post(req))
}

// Click presses the button with key on card m as userID outside a test (the demo).
func (s *Server) Click(userID string, m Message, key string) error {
	req, err := s.seal(s.pressCallback(userID, m, key))
	if err != nil {
		return err
	}
	return okStatus(s.post(req))
}

func okStatus(code int, err error) error {
	if err == nil && code != http.StatusOK {
		err = fmt.Errorf("callback answered %d", code)
	}
	return err
}

// pressCallback makes the template_card_event of pressing key on m, with a fresh response code.
func (s *Server) pressCallback(userID string, m Message, key string) callback {
	s.mu.Lock()
	s.msgID++
	code := "rc" + strconv.Itoa(s.msgID)
	s.codes[code] = m.TaskID
	if cur := s.byTask[m.TaskID]; cur != nil {
		cur.Pressed = key
	}
	s.mu.Unlock()
	return callback{FromUserName: userID, MsgType: "event", Event: "template_card_event",
		EventKey: key, TaskID: m.TaskID, CardType: "button_interaction", ResponseCode: code}
}

// SayRequest seals a text message from userID.
func (s *Server) SayRequest(t testing.TB, userID, text string) Request {
	s.mu.Lock()
	s.msgID++
	id := int64(s.msgID) + 7_000_000_000
	s.mu.Unlock()
	return s.sealed(t, callback{FromUserName: userID, MsgType: "text", Content: text, MsgID: id})
}

// Say posts a text message from userID and fails the test unless it is answered 200.
func (s *Server) Say(t testing.TB, userID, text string) {
	t.Helper()
	if code := s.Post(t, s.SayRequest(t, userID, text)); code != http.StatusOK {
		t.Fatalf("say %q: status %d", text, code)
	}
}

// Press presses the button labelled label on card m as userID (a template_card_event with a
// fresh response code the app may use once to update the card).
func (s *Server) Press(t testing.TB, userID string, m Message, label string) {
	t.Helper()
	key := m.ButtonKey(label)
	if key == "" {
		t.Fatalf("no button %q on %+v", label, m)
	}
	req := s.sealed(t, s.pressCallback(userID, m, key))
	if status := s.Post(t, req); status != http.StatusOK {
		t.Fatalf("press %q: status %d", label, status)
	}
}

// Enter posts the enter_agent event (userID opened the app).
func (s *Server) Enter(t testing.TB, userID string) {
	t.Helper()
	if code := s.Post(t, s.sealed(t, callback{FromUserName: userID, MsgType: "event", Event: "enter_agent"})); code != http.StatusOK {
		t.Fatalf("enter: status %d", code)
	}
}

// Verify makes the URL verification request 企业微信 sends when the callback is configured
// and returns the status and body.
func (s *Server) Verify(t testing.TB, plain string, tamper bool) (int, string) {
	t.Helper()
	enc, err := s.Crypto.Encrypt([]byte(plain))
	if err != nil {
		t.Fatal(err)
	}
	ts, nonce := strconv.FormatInt(s.now().Unix(), 10), "n1"
	sig := s.Crypto.Signature(ts, nonce, enc)
	if tamper {
		sig = strings.Repeat("0", len(sig))
	}
	q := url.Values{"msg_signature": {sig}, "timestamp": {ts}, "nonce": {nonce}, "echostr": {enc}}
	s.mu.Lock()
	target := s.callbackURL
	s.mu.Unlock()
	resp, err := http.Get(target + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
