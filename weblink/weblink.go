// Package weblink signs HR and admins in to the web console without passwords: the bot (/web) or
// the command line (ganwei admin weblink) issues a one-time link, opening it starts a session, and
// every request resumes the session only while the person's current role still allows it. The
// web pages (package console) and the bot both go through Service; neither touches the store.
package weblink

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/ganwei-bot/ganwei"
)

// Lifetimes and limits (issue 12: single use, 5 minutes; 30 minutes idle, 8 hours at most).
const (
	LinkTTL     = 5 * time.Minute
	IdleTimeout = 30 * time.Minute
	MaxAge      = 8 * time.Hour
	// MaxLinkRequests links per person per LinkRequestWindow; more are refused politely.
	MaxLinkRequests   = 5
	LinkRequestWindow = 10 * time.Minute
)

// MsgTooManyLinks refuses a link request over MaxLinkRequests in LinkRequestWindow.
var MsgTooManyLinks = fmt.Sprintf("登录链接申请过于频繁，请 %d 分钟后再试。", int(LinkRequestWindow.Minutes()))

// Refusals, as the person reads them.
const (
	MsgLinkGone  = "该登录链接已使用或已过期。请在机器人中重新发送 /web 获取新链接。"
	MsgSignedOut = "登录已失效，请在机器人中发送 /web 重新获取登录链接。"
)

// SignInPath is where a link points, under the public URL.
const SignInPath = "/console/signin/"

// Service issues links and keeps sessions.
type Service struct {
	Users ganwei.UserLookup
	Store ganwei.WebSessionStore
	// AdminIDs are administrators whatever the store says (GANWEI_ADMIN_IDS).
	AdminIDs map[int64]bool
	// PublicURL is how browsers reach the console's server (GANWEI_PUBLIC_URL), without a
	// trailing slash.
	PublicURL string
	Now       func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Service) authorizer() ganwei.Authorizer {
	return ganwei.Authorizer{Users: s.Users, AdminIDs: s.AdminIDs}
}

// Issue returns a one-time sign-in link for the context's actor, who must be HR or an admin now;
// a cadre or guest gets EFORBIDDEN. Requests beyond MaxLinkRequests in a window are refused.
func (s *Service) Issue(ctx context.Context) (string, error) {
	a, ok := ganwei.ActorFromContext(ctx)
	if !ok || a.CommandLine() {
		return "", ganwei.Errorf(ganwei.EFORBIDDEN, "%s", ganwei.MsgStaffOnly)
	}
	return s.IssueFor(ctx, a.ID)
}

// IssueFor returns a link for the person with the id, who must be HR or an admin now; the command
// line (ganwei admin weblink) calls it for someone else. It is rate limited like Issue.
func (s *Service) IssueFor(ctx context.Context, personID int64) (string, error) {
	if _, err := s.authorizer().AuthorizeActor(ctx, ganwei.Actor{ID: personID}, ganwei.RoleHR); err != nil {
		return "", err
	}
	n, err := s.Store.CountSignInRequest(ctx, personID, LinkRequestWindow)
	if err != nil {
		return "", fmt.Errorf("issue web link: %w", err)
	}
	if n > MaxLinkRequests {
		return "", ganwei.Errorf(ganwei.EFORBIDDEN, "%s", MsgTooManyLinks)
	}
	token, err := randomToken()
	if err != nil {
		return "", err
	}
	if err := s.Store.SaveSignInLink(ctx, token, personID, s.now().Add(LinkTTL)); err != nil {
		return "", fmt.Errorf("issue web link: %w", err)
	}
	return strings.TrimRight(s.PublicURL, "/") + SignInPath + url.PathEscape(token), nil
}

// SignIn consumes a link's token and starts a session for its person, if they are still HR or
// an admin. A used, expired or unknown token is ENOTFOUND with MsgLinkGone.
func (s *Service) SignIn(ctx context.Context, token string) (*ganwei.WebSession, error) {
	id, expires, err := s.Store.TakeSignInLink(ctx, token)
	if ganwei.ErrorCode(err) == ganwei.ENOTFOUND || err == nil && !s.now().Before(expires) {
		return nil, ganwei.Errorf(ganwei.ENOTFOUND, "%s", MsgLinkGone)
	}
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	if _, err := s.authorizer().AuthorizeActor(ctx, ganwei.Actor{ID: id}, ganwei.RoleHR); err != nil {
		return nil, err
	}
	sid, err := randomToken()
	if err != nil {
		return nil, err
	}
	csrf, err := randomToken()
	if err != nil {
		return nil, err
	}
	now := s.now()
	ws := &ganwei.WebSession{ID: sid, PersonID: id, CSRF: csrf, CreatedAt: now, SeenAt: now}
	if err := s.Store.SaveWebSession(ctx, ws, IdleTimeout); err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	return ws, nil
}

// Resume returns the session and its person as the store knows them now, and refreshes the idle
// timeout. A session past its idle or maximum age, or whose person is no longer HR or an admin,
// is ended and reported as ENOTFOUND (MsgSignedOut).
func (s *Service) Resume(ctx context.Context, id string) (*ganwei.WebSession, *ganwei.User, error) {
	gone := ganwei.Errorf(ganwei.ENOTFOUND, "%s", MsgSignedOut)
	if id == "" {
		return nil, nil, gone
	}
	ws, err := s.Store.WebSession(ctx, id)
	if ganwei.ErrorCode(err) == ganwei.ENOTFOUND {
		return nil, nil, gone
	}
	if err != nil {
		return nil, nil, fmt.Errorf("resume session: %w", err)
	}
	now := s.now()
	end := func() (*ganwei.WebSession, *ganwei.User, error) {
		if err := s.Store.DeleteWebSession(ctx, id); err != nil {
			return nil, nil, fmt.Errorf("end session: %w", err)
		}
		return nil, nil, gone
	}
	if now.Sub(ws.SeenAt) >= IdleTimeout || now.Sub(ws.CreatedAt) >= MaxAge {
		return end()
	}
	u, err := s.authorizer().AuthorizeActor(ctx, ganwei.Actor{ID: ws.PersonID}, ganwei.RoleHR)
	if ganwei.ErrorCode(err) == ganwei.EFORBIDDEN {
		return end()
	}
	if err != nil {
		return nil, nil, fmt.Errorf("resume session: %w", err)
	}
	ws.SeenAt = now
	ttl := min(IdleTimeout, ws.CreatedAt.Add(MaxAge).Sub(now))
	kept, err := s.Store.RefreshWebSession(ctx, ws, ttl)
	if err != nil {
		return nil, nil, fmt.Errorf("resume session: %w", err)
	}
	if !kept { // ended (退出) since it was read: it stays ended
		return nil, nil, gone
	}
	return ws, u, nil
}

// SignOut ends a session (退出).
func (s *Service) SignOut(ctx context.Context, id string) error {
	if id == "" {
		return nil
	}
	return s.Store.DeleteWebSession(ctx, id)
}

// randomToken is 32 random bytes, URL-safe.
func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
