package wecom

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/ganwei-bot/ganwei"
)

// DefaultAPIURL is the public 企业微信 API; 政务微信 deployments have their own address.
const DefaultAPIURL = "https://qyapi.weixin.qq.com"

// Error codes of the API that Ganwei acts on
// (https://developer.work.weixin.qq.com/document/path/90313).
const (
	codeInvalidToken  = 40014 // 不合法的access_token
	codeTokenExpired  = 42001 // access_token已过期
	codeTokenMissing  = 41001 // 缺少access_token参数
	codeFrequency     = 45009 // 接口调用超过限制
	codeConcurrency   = 45033 // 接口并发调用超过限制
	codeNoPrivilege   = 60011 // 指定的成员/部门/标签参数无权限
	codeUserNotFound  = 60111 // userid not found
	codeAllInvalid    = 81013 // UserID、部门ID、标签ID全部非法或无权限
	codeResponseUsed  = 40145 // response_code 已使用或已过期 (update_template_card)
	codeResponseEmpty = 40143 // response_code 非法
)

// APIError is an answer of the API with a non-zero errcode.
type APIError struct {
	Code int
	Msg  string
	Path string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("wecom %s: errcode %d: %s", e.Path, e.Code, e.Msg)
}

// ErrRateLimited is returned (wrapped) when the API still refuses for frequency after the
// retries: the caller tries again later, as after Telegram's 429.
var ErrRateLimited = errors.New("wecom rate limit")

// TokenCache shares the access token between replicas. redisstore.Store implements it.
type TokenCache interface {
	// CachedWeComToken returns the cached token, or "" when there is none.
	CachedWeComToken(ctx context.Context) (string, error)
	// SaveWeComToken caches token for ttl.
	SaveWeComToken(ctx context.Context, token string, ttl time.Duration) error
	// DropWeComToken removes the cached token if it is still token (a replica that saw it
	// rejected must not drop a newer one).
	DropWeComToken(ctx context.Context, token string) error
	// LockWeComTokenRefresh takes the refresh lock for ttl; ok is false when another replica
	// holds it. unlock releases it if still ours.
	LockWeComTokenRefresh(ctx context.Context, ttl time.Duration) (unlock func(), ok bool, err error)
}

// Client calls the 企业微信 API of one self-built app.
type Client struct {
	BaseURL string // DefaultAPIURL when empty
	CorpID  string
	Secret  string // never logged
	AgentID int64
	HTTP    *http.Client
	Tokens  TokenCache

	// Sleep waits between rate-limit retries and while another replica refreshes the token;
	// tests inject one that does not sleep.
	Sleep func(ctx context.Context, d time.Duration) error
	// RateRetries is how many times a frequency-limited call is retried (default 2).
	RateRetries int
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (c *Client) base() string {
	if c.BaseURL == "" {
		return DefaultAPIURL
	}
	return c.BaseURL
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP == nil {
		return &http.Client{Timeout: 15 * time.Second}
	}
	return c.HTTP
}

// tokenTTLMargin is taken off expires_in so that no replica uses a token in its last minutes.
const tokenTTLMargin = 5 * time.Minute

// token returns the shared access token, fetching it when none is cached. One replica at a time
// fetches (gettoken has its own frequency limit); the others wait for its result.
func (c *Client) token(ctx context.Context) (string, error) {
	for attempt := 0; attempt < 50; attempt++ {
		tok, err := c.Tokens.CachedWeComToken(ctx)
		if err != nil {
			return "", fmt.Errorf("read cached wecom token: %w", err)
		}
		if tok != "" {
			return tok, nil
		}
		unlock, ok, err := c.Tokens.LockWeComTokenRefresh(ctx, 30*time.Second)
		if err != nil {
			return "", fmt.Errorf("lock wecom token refresh: %w", err)
		}
		if ok {
			defer unlock()
			// Another replica may have finished between our read and the lock.
			if tok, err := c.Tokens.CachedWeComToken(ctx); err == nil && tok != "" {
				return tok, nil
			}
			return c.fetchToken(ctx)
		}
		if err := c.sleep(ctx, 200*time.Millisecond); err != nil {
			return "", err
		}
	}
	return "", errors.New("wecom token: another replica is still refreshing it")
}

func (c *Client) fetchToken(ctx context.Context) (string, error) {
	q := url.Values{"corpid": {c.CorpID}, "corpsecret": {c.Secret}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base()+"/cgi-bin/gettoken?"+q.Encode(), nil)
	if err != nil {
		return "", fmt.Errorf("gettoken request: %w", err)
	}
	var out struct {
		ErrCode     int    `json:"errcode"`
		ErrMsg      string `json:"errmsg"`
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := c.do(req, &out); err != nil {
		return "", fmt.Errorf("gettoken: %w", err) // the URL with the secret is not in err (see do)
	}
	if out.ErrCode != 0 || out.AccessToken == "" {
		return "", &APIError{Code: out.ErrCode, Msg: out.ErrMsg, Path: "gettoken"}
	}
	ttl := time.Duration(out.ExpiresIn)*time.Second - tokenTTLMargin
	if ttl < time.Minute {
		ttl = time.Minute
	}
	if err := c.Tokens.SaveWeComToken(ctx, out.AccessToken, ttl); err != nil {
		return "", fmt.Errorf("cache wecom token: %w", err)
	}
	return out.AccessToken, nil
}

// do sends req and decodes the JSON answer. Errors never carry the URL (it holds the secret or
// the token).
func (c *Client) do(req *http.Request, out any) error {
	resp, err := c.httpClient().Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			return fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, uerr.Err)
		}
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("read %s: %w", req.URL.Path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: http %d", req.URL.Path, resp.StatusCode)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("decode %s: %w", req.URL.Path, err)
	}
	return nil
}

// result is the part of every answer that says whether the call worked.
type result struct {
	ErrCode     int    `json:"errcode"`
	ErrMsg      string `json:"errmsg"`
	InvalidUser string `json:"invaliduser"`
	MsgID       string `json:"msgid"`
	MediaID     string `json:"media_id"`
}

// call POSTs body (JSON, or a ready request body with its content type) to path with the
// token. A rejected token is dropped and the call retried once with a fresh one; a frequency
// limit is retried after a pause, RateRetries times.
func (c *Client) call(ctx context.Context, path string, body func() (io.Reader, string, error), extra url.Values) (*result, error) {
	retriedToken := false
	retries := c.RateRetries
	if retries == 0 {
		retries = 2
	}
	for rateTry := 0; ; {
		tok, err := c.token(ctx)
		if err != nil {
			return nil, err
		}
		r, ct, err := body()
		if err != nil {
			return nil, err
		}
		q := url.Values{"access_token": {tok}}
		for k, v := range extra {
			q[k] = v
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base()+path+"?"+q.Encode(), r)
		if err != nil {
			return nil, fmt.Errorf("request %s: %w", path, err)
		}
		req.Header.Set("Content-Type", ct)
		var out result
		if err := c.do(req, &out); err != nil {
			return nil, err
		}
		switch out.ErrCode {
		case 0:
			return &out, nil
		case codeInvalidToken, codeTokenExpired, codeTokenMissing:
			if retriedToken {
				return nil, &APIError{Code: out.ErrCode, Msg: out.ErrMsg, Path: path}
			}
			retriedToken = true
			if err := c.Tokens.DropWeComToken(ctx, tok); err != nil {
				return nil, fmt.Errorf("drop rejected wecom token: %w", err)
			}
			continue
		case codeFrequency, codeConcurrency:
			if rateTry >= retries {
				return nil, fmt.Errorf("%w: %w", ErrRateLimited, &APIError{Code: out.ErrCode, Msg: out.ErrMsg, Path: path})
			}
			rateTry++
			if err := c.sleep(ctx, time.Duration(rateTry)*2*time.Second); err != nil {
				return nil, err
			}
			continue
		}
		return nil, neutral(&APIError{Code: out.ErrCode, Msg: out.ErrMsg, Path: path})
	}
}

// neutral adds the platform-neutral meaning to "this person cannot be reached" answers.
func neutral(err *APIError) error {
	switch err.Code {
	case codeUserNotFound, codeAllInvalid:
		return fmt.Errorf("%w: %w", ganwei.ErrRecipientUnknown, err)
	case codeNoPrivilege:
		return fmt.Errorf("%w: %w", ganwei.ErrRecipientBlocked, err)
	}
	return err
}

func jsonBody(v any) func() (io.Reader, string, error) {
	return func() (io.Reader, string, error) {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, "", fmt.Errorf("encode request: %w", err)
		}
		return bytes.NewReader(b), "application/json", nil
	}
}

// sendMessage posts message/send. A message the API accepted but could not deliver to the
// user (invaliduser) is reported as unknown.
func (c *Client) sendMessage(ctx context.Context, userID string, msg map[string]any) error {
	msg["touser"] = userID
	msg["agentid"] = c.AgentID
	out, err := c.call(ctx, "/cgi-bin/message/send", jsonBody(msg), nil)
	if err != nil {
		return err
	}
	if out.InvalidUser != "" {
		return fmt.Errorf("%w: wecom message/send: invaliduser", ganwei.ErrRecipientUnknown)
	}
	return nil
}

// SendText sends a text message (at most 2048 bytes; Front splits longer ones).
func (c *Client) SendText(ctx context.Context, userID, text string) error {
	return c.sendMessage(ctx, userID, map[string]any{"msgtype": "text", "text": map[string]string{"content": text}})
}

// CardButton is one button of a button_interaction template card; Key comes back in the
// template_card_event.
type CardButton struct {
	Text  string `json:"text"`
	Style int    `json:"style,omitempty"`
	Key   string `json:"key"`
}

// Card is a button_interaction template card.
type Card struct {
	TaskID   string
	Title    string
	Body     string
	Buttons  []CardButton
	Replaced string // on update without buttons: the name the pressed button shows
}

func (k Card) json() map[string]any {
	m := map[string]any{
		"card_type":   "button_interaction",
		"main_title":  map[string]string{"title": k.Title},
		"task_id":     k.TaskID,
		"button_list": k.Buttons,
	}
	if k.Body != "" {
		m["sub_title_text"] = k.Body
	}
	return m
}

// SendCard sends a template card with buttons.
func (c *Client) SendCard(ctx context.Context, userID string, card Card) error {
	return c.sendMessage(ctx, userID, map[string]any{"msgtype": "template_card", "template_card": card.json()})
}

// UpdateCard replaces the card a press came from (response_code from its event, single use):
// with buttons, the whole card; without, only the pressed button's name (Replaced).
func (c *Client) UpdateCard(ctx context.Context, userID, responseCode string, card Card) error {
	body := map[string]any{"userids": []string{userID}, "agentid": c.AgentID, "response_code": responseCode}
	if len(card.Buttons) == 0 {
		body["button"] = map[string]string{"replace_name": card.Replaced}
	} else {
		body["template_card"] = card.json()
	}
	_, err := c.call(ctx, "/cgi-bin/message/update_template_card", jsonBody(body), nil)
	return err
}

// SendFile uploads data as a temporary medium of kind "file" or "image" and sends it.
func (c *Client) SendFile(ctx context.Context, userID, kind, filename string, data []byte) error {
	upload := func() (io.Reader, string, error) {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		part, err := w.CreateFormFile("media", filename)
		if err != nil {
			return nil, "", fmt.Errorf("upload form: %w", err)
		}
		if _, err := part.Write(data); err != nil {
			return nil, "", fmt.Errorf("upload form: %w", err)
		}
		if err := w.Close(); err != nil {
			return nil, "", fmt.Errorf("upload form: %w", err)
		}
		return &buf, w.FormDataContentType(), nil
	}
	out, err := c.call(ctx, "/cgi-bin/media/upload", upload, url.Values{"type": {kind}})
	if err != nil {
		return fmt.Errorf("upload %s: %w", kind, err)
	}
	return c.sendMessage(ctx, userID, map[string]any{"msgtype": kind, kind: map[string]string{"media_id": out.MediaID}})
}

// AgentIDString is the agent id as the callback reports it.
func (c *Client) AgentIDString() string { return strconv.FormatInt(c.AgentID, 10) }
