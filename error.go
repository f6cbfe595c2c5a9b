package ganwei

import (
	"errors"
	"fmt"
)

// Application error codes. The storage layer maps driver errors to these; the Telegram and command
// line edges map them to a kind sentence for people and log only EINTERNAL causes.
const (
	ECONFLICT    = "conflict"    // the thing already exists or changed under us
	EINTERNAL    = "internal"    // a fault of ours or of a dependency
	EINVALID     = "invalid"     // the input is malformed
	ENOTFOUND    = "not_found"   // the thing does not exist (or no longer does)
	EEXPIRED     = "expired"     // the thing existed but its time is over (an invite code)
	EFORBIDDEN   = "forbidden"   // the caller's role does not allow this
	EUNAVAILABLE = "unavailable" // a dependency (Redis) cannot be reached right now
)

// Error is an application error with a machine-readable Code and a Message safe to show a user.
type Error struct {
	Code    string
	Message string
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("ganwei error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for any other non-nil
// error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first *Error in err's chain, or a generic sentence for
// internal errors so that causes never reach a user.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}
