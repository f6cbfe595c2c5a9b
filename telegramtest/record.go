package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"
)

// ErrClosed is returned by the Wait helpers when the server closes first.
var ErrClosed = errors.New("telegramtest: server closed")

// maxRequestBytes bounds what one request may upload; Telegram's own limit
// for bots is 50 MB, far above anything a test sends.
const maxRequestBytes = 50 << 20

// Call is one recorded Bot API request.
type Call struct {
	// Method is the method name as the client sent it, e.g. "sendMessage".
	Method string
	// Params holds every non-file form field. JSON-typed fields such as
	// reply_markup arrive, as from the real client, as JSON text.
	Params map[string]string
	// Files holds the multipart file parts (sendDocument, sendPhoto).
	Files []File
	// Error is the error answer the server gave, or nil on success.
	Error *Fault
	// At is when the request arrived, by the server's clock (WithClock): tests count calls per
	// window of time with it.
	At time.Time
}

// File is one uploaded file part.
type File struct {
	// Field is the form field name, e.g. "document" or "photo".
	Field string
	// Name is the file name the client gave.
	Name string
	// Size is len(Data).
	Size int
	// Data is the uploaded content.
	Data []byte
}

// parseParams reads the form fields and files of a request. The real client
// sends multipart/form-data (and an empty body when a method has no
// parameters); JSON and URL-encoded bodies are accepted too so curl and other
// clients work in the demo.
func parseParams(r *http.Request) (map[string]string, []File, error) {
	params := map[string]string{}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxRequestBytes))
	if err != nil {
		return nil, nil, fmt.Errorf("read body: %w", err)
	}
	// go-telegram/bot sends an empty body, not an empty form, for methods
	// called with nil params such as getMe.
	if len(body) == 0 {
		return params, nil, nil
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		if err := r.ParseMultipartForm(maxRequestBytes); err != nil {
			return nil, nil, fmt.Errorf("read form: %w", err)
		}
		for k, v := range r.MultipartForm.Value {
			if len(v) > 0 {
				params[k] = v[0]
			}
		}
		var files []File
		for field, hs := range r.MultipartForm.File {
			for _, h := range hs {
				f, err := h.Open()
				if err != nil {
					return nil, nil, fmt.Errorf("open file %s: %w", field, err)
				}
				data, err := io.ReadAll(f)
				f.Close()
				if err != nil {
					return nil, nil, fmt.Errorf("read file %s: %w", field, err)
				}
				files = append(files, File{Field: field, Name: h.Filename, Size: len(data), Data: data})
			}
		}
		return params, files, nil
	case "application/json":
		var m map[string]json.RawMessage
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, nil, fmt.Errorf("decode json: %w", err)
		}
		for k, v := range m {
			var str string
			if json.Unmarshal(v, &str) == nil {
				params[k] = str
			} else {
				params[k] = string(v)
			}
		}
		return params, nil, nil
	default:
		if err := r.ParseForm(); err != nil {
			return nil, nil, fmt.Errorf("read form: %w", err)
		}
		for k, v := range r.Form {
			if len(v) > 0 {
				params[k] = v[0]
			}
		}
		return params, nil, nil
	}
}

func writeResult(w http.ResponseWriter, result any) {
	body, err := json.Marshal(struct {
		OK     bool `json:"ok"`
		Result any  `json:"result"`
	}{true, result})
	if err != nil {
		writeError(w, Fault{Code: http.StatusInternalServerError, Description: "Internal Server Error: " + err.Error()})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(body)
}

func writeError(w http.ResponseWriter, f Fault) {
	type parameters struct {
		RetryAfter int `json:"retry_after,omitempty"`
	}
	resp := struct {
		OK          bool        `json:"ok"`
		ErrorCode   int         `json:"error_code"`
		Description string      `json:"description"`
		Parameters  *parameters `json:"parameters,omitempty"`
	}{ErrorCode: f.Code, Description: f.Description}
	if f.RetryAfter > 0 {
		resp.Parameters = &parameters{RetryAfter: f.RetryAfter}
	}
	body, _ := json.Marshal(resp)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(f.Code)
	w.Write(body)
}

// record appends a finished call and wakes waiters.
func (s *Server) record(c Call) {
	s.mu.Lock()
	s.calls = append(s.calls, c)
	s.changedLocked()
	s.mu.Unlock()
}

// Calls returns the recorded calls of method (case-insensitive), oldest
// first, failed ones included. An empty method returns every call.
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.callsLocked(method)
}

func (s *Server) callsLocked(method string) []Call {
	var out []Call
	for _, c := range s.calls {
		if method == "" || strings.EqualFold(c.Method, method) {
			out = append(out, c)
		}
	}
	return out
}

// WaitForCall blocks until at least n calls of method (as in Calls) are
// recorded and returns them, or returns ctx.Err() or ErrClosed.
func (s *Server) WaitForCall(ctx context.Context, method string, n int) ([]Call, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if cs := s.callsLocked(method); len(cs) >= n {
			return cs, nil
		}
		if !s.waitLocked(ctx) {
			return nil, s.waitErrLocked(ctx)
		}
	}
}

func (s *Server) waitErrLocked(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return ErrClosed
}

// Reset forgets recorded calls, sent messages, pending updates, faults,
// webhook and command settings, so one server can serve several sub-tests.
// Update and message ids keep increasing, as they would in Telegram.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
	s.queue = nil
	s.messages = map[int64][]*Message{}
	s.faults = map[string][]Fault{}
	s.chatFaults = map[int64]Fault{}
	s.webhook = WebhookInfo{}
	s.commands = map[string][]models.BotCommand{}
	s.changedLocked()
}
