package telegramtest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Fault is an error answer the server gives instead of a result. The
// go-telegram/bot client maps Code to its error values: 429 to
// *bot.TooManyRequestsError (with RetryAfter), 403 to bot.ErrorForbidden,
// 400 to bot.ErrorBadRequest; other codes become a plain error.
type Fault struct {
	// Code is both the HTTP status and the error_code field.
	Code int
	// Description is Telegram's human-readable reason.
	Description string
	// RetryAfter, in seconds, is sent as parameters.retry_after when > 0.
	RetryAfter int
}

// Error lets a Fault be returned or logged as an error.
func (f Fault) Error() string { return fmt.Sprintf("telegram %d: %s", f.Code, f.Description) }

// Faults with Telegram's own wording, for FailNext and FailChat.
var (
	// Forbidden is what Telegram answers when the user blocked the bot.
	Forbidden = Fault{Code: http.StatusForbidden, Description: "Forbidden: bot was blocked by the user"}
	// InternalError is a transient server-side failure.
	InternalError = Fault{Code: http.StatusInternalServerError, Description: "Internal Server Error"}
	// BadRequest is a generic rejected request, e.g. a malformed parse_mode.
	BadRequest = Fault{Code: http.StatusBadRequest, Description: "Bad Request: can't parse entities"}
)

// TooManyRequests is the flood-control answer asking the client to wait
// retryAfter seconds.
func TooManyRequests(retryAfter int) Fault {
	return Fault{
		Code:        http.StatusTooManyRequests,
		Description: "Too Many Requests: retry after " + strconv.Itoa(retryAfter),
		RetryAfter:  retryAfter,
	}
}

// FailNext makes the next n calls of method (case-insensitive; "" for any
// method, getUpdates included) fail with fault. Faults queue up: calling
// FailNext twice fails n1+n2 calls in order.
func (s *Server) FailNext(method string, n int, fault Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(method)
	for range n {
		s.faults[key] = append(s.faults[key], fault)
	}
}

// FailChat makes every call addressed to chatID (by its chat_id parameter)
// fail with fault until HealChat, e.g. Forbidden for a user who blocked
// the bot.
func (s *Server) FailChat(chatID int64, fault Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chatFaults[chatID] = fault
}

// HealChat undoes FailChat.
func (s *Server) HealChat(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.chatFaults, chatID)
}

// takeFault returns the fault a call must get, if any, consuming one-shot
// faults. method is lower case.
func (s *Server) takeFault(method string, params map[string]string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, err := strconv.ParseInt(params["chat_id"], 10, 64); err == nil {
		if f, ok := s.chatFaults[id]; ok {
			return &f
		}
	}
	for _, key := range []string{method, ""} {
		if q := s.faults[key]; len(q) > 0 {
			f := q[0]
			s.faults[key] = q[1:]
			return &f
		}
	}
	return nil
}
