// Package portcullis decides whether an AI agent may run a command, send an
// HTTP request or call a tool, with the Portcullis policy engine, over its
// C ABI (cgo, linking the static library).
//
// Build the library first: `cargo build -p portcullis-ffi --release` at the
// repository root produces target/release/libportcullis.a, which this
// package links (see the #cgo lines; override with CGO_LDFLAGS to link
// another copy).
//
//	engine, err := portcullis.DefaultEngine()
//	if err != nil { ... }
//	defer engine.Close()
//	d := engine.CheckCommand("rm -rf /")
//	fmt.Println(d.Effect, d.Rule, d.Reason)
//
// An Engine is safe for concurrent use by many goroutines. Decide returns
// the full decision (every matched rule, canonical facts) from the JSON
// interface; CheckCommand, CheckURL and CheckTool use the allocation-free C
// fast path and fill Effect, Rule, Reason and MatchedCount.
//
// A Session makes decisions depend on what the agent did earlier (a
// sensitive file read, a secret seen, untrusted content fetched, an ask
// approved): DecideIn decides in it and records what the decision lets
// happen, RanIn tells it a call ran (approving a pending ask of the same
// action and scanning the call's output for secrets), ApproveIn approves an
// ask by its code. The At variants take the time instead of reading the
// clock. Keep a session across processes with ToJSON and SessionFromJSON.
//
//	s, _ := portcullis.NewSession("agent-1")
//	defer s.Close()
//	d, err := engine.DecideIn(s, portcullis.Request{Command: &line})
//	// d.Session.Facts: what made it stricter; d.Session.Code: an ask's approval code
package portcullis

/*
#cgo CFLAGS: -I${SRCDIR}/../../ffi/include
#cgo LDFLAGS: ${SRCDIR}/../../target/release/libportcullis.a -ldl -lm -lpthread
#include <stdlib.h>
#include "portcullis.h"
*/
import "C"

import (
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"
	"unsafe"
)

// Effect is what to do. The zero value denies.
type Effect int

const (
	// Deny refuses.
	Deny Effect = C.PORTCULLIS_EFFECT_DENY
	// Ask asks a human.
	Ask Effect = C.PORTCULLIS_EFFECT_ASK
	// Allow goes ahead.
	Allow Effect = C.PORTCULLIS_EFFECT_ALLOW
)

func (e Effect) String() string {
	switch e {
	case Ask:
		return "ask"
	case Allow:
		return "allow"
	default:
		return "deny"
	}
}

// UnmarshalJSON reads "deny", "ask" or "allow"; anything else is Deny.
func (e *Effect) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	switch s {
	case "allow":
		*e = Allow
	case "ask":
		*e = Ask
	default:
		*e = Deny
	}
	return nil
}

// MarshalJSON writes the effect's name.
func (e Effect) MarshalJSON() ([]byte, error) { return json.Marshal(e.String()) }

// Matched is a rule that matched a request.
type Matched struct {
	Rule   string `json:"rule"`
	Effect Effect `json:"effect"`
	Shadow bool   `json:"shadow"`
}

// Decision is the answer to a request.
type Decision struct {
	ID     any    `json:"id"`
	Effect Effect `json:"effect"`
	Rule   string `json:"rule"`
	// Source is the built-in part or base file the deciding rule comes from (Decide only).
	Source  string    `json:"source"`
	Reason  string    `json:"reason"`
	Matched []Matched `json:"matched"`
	Kind    string    `json:"kind"`
	// MatchedCount is the number of matched rules (also set by the fast paths).
	MatchedCount int `json:"-"`
	// Session is set on a decision made in a session (DecideIn).
	Session *SessionFacts `json:"session,omitempty"`
	// Raw is the decision JSON, for Decide.
	Raw json.RawMessage `json:"-"`
}

// SessionFacts is what a decision made in a session took from it.
type SessionFacts struct {
	// ID is the session's id.
	ID string `json:"id"`
	// Step is the decision's step in the session, from 1.
	Step uint64 `json:"step"`
	// Facts are the session's facts that made the decision stricter, described.
	Facts []string `json:"facts,omitempty"`
	// Code is the approval code of an ask (for ApproveIn).
	Code string `json:"code,omitempty"`
	// Approved is the code of the earlier ask whose approval allowed this decision.
	Approved string `json:"approved,omitempty"`
}

// Principal is who asks.
type Principal struct {
	ID          string   `json:"id"`
	Roles       []string `json:"roles,omitempty"`
	Environment string   `json:"environment,omitempty"`
	Session     string   `json:"session,omitempty"`
}

// HTTPRequest is an HTTP request, as a proxy sees it.
type HTTPRequest struct {
	Method  string            `json:"method,omitempty"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    *string           `json:"body,omitempty"`
	SNI     string            `json:"sni,omitempty"`
}

// ToolCall is an agent's tool call.
type ToolCall struct {
	Name      string `json:"name"`
	Arguments any    `json:"arguments,omitempty"`
}

// Request is exactly one of Command, HTTP or Tool, with an optional ID and Principal.
type Request struct {
	ID        any          `json:"id,omitempty"`
	Principal *Principal   `json:"principal,omitempty"`
	Command   *string      `json:"command,omitempty"`
	HTTP      *HTTPRequest `json:"http,omitempty"`
	Tool      *ToolCall    `json:"tool,omitempty"`
	// Cwd is the working directory a command runs in: the project.
	Cwd *string `json:"cwd,omitempty"`
}

// Error is a failed call: the C status and the library's message (for a
// policy, every problem with its rule, field, line and column).
type Error struct {
	Status  int
	Message string
}

func (e *Error) Error() string { return e.Message }

// Status values of the C ABI.
const (
	StatusNullPointer    = int(C.PORTCULLIS_STATUS_NULL_POINTER)
	StatusInvalidUTF8    = int(C.PORTCULLIS_STATUS_INVALID_UTF8)
	StatusInvalidPolicy  = int(C.PORTCULLIS_STATUS_INVALID_POLICY)
	StatusInvalidRequest = int(C.PORTCULLIS_STATUS_INVALID_REQUEST)
	StatusPanic          = int(C.PORTCULLIS_STATUS_PANIC)
	StatusInvalidSession = int(C.PORTCULLIS_STATUS_INVALID_SESSION)
)

// ErrClosed is returned by calls on a closed engine.
var ErrClosed = errors.New("portcullis: the engine is closed")

// ErrSessionClosed is returned by calls with a closed session.
var ErrSessionClosed = errors.New("portcullis: the session is closed")

func takeError(status C.portcullis_status, err *C.portcullis_error) error {
	if err == nil {
		return &Error{Status: int(status), Message: C.GoString(C.portcullis_status_str(status))}
	}
	var n C.size_t
	msg := C.portcullis_error_message(err, &n)
	out := &Error{Status: int(status), Message: C.GoStringN(msg, C.int(n))}
	C.portcullis_error_free(err)
	return out
}

// nonEmpty is pointed to for empty strings, so C never sees NULL.
var nonEmpty = [1]byte{0}

// cstr is the pointer and length of s, without copying; valid during the call.
func cstr(s string) (*C.char, C.size_t) {
	if len(s) == 0 {
		return (*C.char)(unsafe.Pointer(&nonEmpty[0])), 0
	}
	return (*C.char)(unsafe.Pointer(unsafe.StringData(s))), C.size_t(len(s))
}

// Engine is a compiled policy. Close it when done (Close is idempotent; a
// finalizer frees a forgotten engine).
type Engine struct {
	mu  sync.RWMutex
	ptr *C.portcullis_engine
	// texts caches, by address, the Go copies of the rule ids and reasons
	// the engine lends out; they stay valid while the engine lives.
	texts sync.Map
}

// cDecision is a decision struct in C memory, freed by a finalizer when the
// pool lets it go.
type cDecision struct{ p *C.portcullis_decision }

// decisions recycles decision structs allocated in C memory, so a fast-path
// call allocates nothing on the Go heap for them and cgo need not check them.
var decisions = sync.Pool{New: func() any {
	d := &cDecision{(*C.portcullis_decision)(C.calloc(1, C.size_t(unsafe.Sizeof(C.portcullis_decision{}))))}
	runtime.SetFinalizer(d, func(d *cDecision) { C.free(unsafe.Pointer(d.p)) })
	return d
}}

func wrap(ptr *C.portcullis_engine) *Engine {
	e := &Engine{ptr: ptr}
	runtime.SetFinalizer(e, (*Engine).Close)
	return e
}

type constructor func(*C.char, C.size_t, **C.portcullis_engine, **C.portcullis_error) C.portcullis_status

func newEngine(text string, fn constructor) (*Engine, error) {
	p, n := cstr(text)
	var ptr *C.portcullis_engine
	var err *C.portcullis_error
	status := fn(p, n, &ptr, &err)
	runtime.KeepAlive(text)
	if status != C.PORTCULLIS_STATUS_OK {
		return nil, takeError(status, err)
	}
	return wrap(ptr), nil
}

// NewEngineJSON compiles a JSON policy.
func NewEngineJSON(policy string) (*Engine, error) {
	return newEngine(policy, func(p *C.char, n C.size_t, out **C.portcullis_engine, err **C.portcullis_error) C.portcullis_status {
		return C.portcullis_engine_new_json(p, n, out, err)
	})
}

// NewEngineTOML compiles a TOML policy.
func NewEngineTOML(policy string) (*Engine, error) {
	return newEngine(policy, func(p *C.char, n C.size_t, out **C.portcullis_engine, err **C.portcullis_error) C.portcullis_status {
		return C.portcullis_engine_new_toml(p, n, out, err)
	})
}

// NewEngineFile compiles the policy file at path (JSON or TOML by its
// extension), resolving relative `extends` from its directory.
func NewEngineFile(path string) (*Engine, error) {
	return newEngine(path, func(p *C.char, n C.size_t, out **C.portcullis_engine, err **C.portcullis_error) C.portcullis_status {
		return C.portcullis_engine_new_file(p, n, out, err)
	})
}

// DefaultEngine is an engine with the embedded default policy.
func DefaultEngine() (*Engine, error) {
	var ptr *C.portcullis_engine
	var err *C.portcullis_error
	status := C.portcullis_engine_new_default(&ptr, &err)
	if status != C.PORTCULLIS_STATUS_OK {
		return nil, takeError(status, err)
	}
	return wrap(ptr), nil
}

// Close frees the engine. Safe to call more than once and from several goroutines.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ptr != nil {
		C.portcullis_engine_free(e.ptr)
		e.ptr = nil
	}
	return nil
}

// Swap atomically replaces e's policy with other's and closes other.
// Goroutines deciding on e meanwhile see the old policy or the new one.
func (e *Engine) Swap(other *Engine) error {
	other.mu.Lock()
	ptr := other.ptr
	other.ptr = nil
	other.mu.Unlock()
	if ptr == nil {
		return ErrClosed
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.ptr == nil {
		C.portcullis_engine_free(ptr)
		return ErrClosed
	}
	if status := C.portcullis_engine_swap(e.ptr, ptr); status != C.PORTCULLIS_STATUS_OK {
		return takeError(status, nil)
	}
	return nil
}

// DecideJSON returns the decision JSON for a request JSON, exactly as the
// Rust API writes it. A request that cannot be read is an *Error.
func (e *Engine) DecideJSON(request string) (string, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.ptr == nil {
		return "", ErrClosed
	}
	p, n := cstr(request)
	var buf C.portcullis_buffer
	var err *C.portcullis_error
	status := C.portcullis_decide_json(e.ptr, p, n, &buf, &err)
	runtime.KeepAlive(request)
	runtime.KeepAlive(e)
	out := C.GoStringN(buf.data, C.int(buf.len))
	C.portcullis_buffer_free(&buf)
	if status != C.PORTCULLIS_STATUS_OK {
		return out, takeError(status, err)
	}
	return out, nil
}

// Decide returns the full decision for a request.
func (e *Engine) Decide(request Request) (Decision, error) {
	body, err := json.Marshal(request)
	if err != nil {
		return Decision{}, err
	}
	text, err := e.DecideJSON(string(body))
	if err != nil {
		return Decision{}, err
	}
	return parseDecision(text)
}

// text is the Go string for a text the engine lends out, copied once.
func (e *Engine) text(p *C.char, n C.size_t) string {
	key := uintptr(unsafe.Pointer(p))
	if s, ok := e.texts.Load(key); ok {
		return s.(string)
	}
	s := C.GoStringN(p, C.int(n))
	e.texts.Store(key, s)
	return s
}

// fromStruct reads a fast-path decision (while the engine is held).
func (e *Engine) fromStruct(d *C.portcullis_decision) Decision {
	out := Decision{Effect: Effect(d.effect), MatchedCount: int(d.matched)}
	if d.rule != nil {
		out.Rule = e.text(d.rule, d.rule_len)
	}
	if d.reason != nil {
		out.Reason = e.text(d.reason, d.reason_len)
	} else {
		out.Reason = C.GoStringN(&d.reason_text[0], C.int(d.reason_text_len))
	}
	return out
}

// closed is the decision on a closed engine.
var closed = Decision{Effect: Deny, Reason: ErrClosed.Error()}

// fast makes one C fast-path call into a pooled decision struct, under the
// read lock, and converts the answer; a closed engine denies.
func (e *Engine) fast(call func(ptr *C.portcullis_engine, d *C.portcullis_decision)) Decision {
	cd := decisions.Get().(*cDecision)
	defer decisions.Put(cd)
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.ptr == nil {
		return closed
	}
	call(e.ptr, cd.p)
	runtime.KeepAlive(e)
	return e.fromStruct(cd.p)
}

// CheckCommand decides a shell command line (fast path).
func (e *Engine) CheckCommand(command string) Decision {
	p, n := cstr(command)
	d := e.fast(func(ptr *C.portcullis_engine, d *C.portcullis_decision) {
		C.portcullis_check_command(ptr, p, n, d)
	})
	runtime.KeepAlive(command)
	return d
}

// CheckCommandIn decides a shell command line run in the working directory
// cwd (the project: relative paths resolve against it, and its own files are
// project files even under a protected tree), on the fast path.
func (e *Engine) CheckCommandIn(command, cwd string) Decision {
	p, n := cstr(command)
	wp, wn := cstr(cwd)
	d := e.fast(func(ptr *C.portcullis_engine, d *C.portcullis_decision) {
		C.portcullis_check_command_in(ptr, p, n, wp, wn, d)
	})
	runtime.KeepAlive(command)
	runtime.KeepAlive(cwd)
	return d
}

// CheckURL decides an HTTP request (fast path).
func (e *Engine) CheckURL(method, url string) Decision {
	mp, mn := cstr(method)
	up, un := cstr(url)
	d := e.fast(func(ptr *C.portcullis_engine, d *C.portcullis_decision) {
		C.portcullis_check_http(ptr, mp, mn, up, un, d)
	})
	runtime.KeepAlive(method)
	runtime.KeepAlive(url)
	return d
}

// CheckTool decides a tool call; arguments are marshalled to JSON (fast path).
func (e *Engine) CheckTool(name string, arguments any) Decision {
	args := ""
	if arguments != nil {
		b, err := json.Marshal(arguments)
		if err != nil {
			return Decision{Effect: Deny, Reason: "arguments cannot be encoded as JSON: " + err.Error()}
		}
		args = string(b)
	}
	np, nn := cstr(name)
	ap, an := cstr(args)
	if args == "" {
		ap, an = nil, 0
	}
	d := e.fast(func(ptr *C.portcullis_engine, d *C.portcullis_decision) {
		C.portcullis_check_tool(ptr, np, nn, ap, an, d)
	})
	runtime.KeepAlive(name)
	runtime.KeepAlive(args)
	return d
}

// Version is the library version.
func Version() string { return C.GoString(C.portcullis_version()) }

// Session is an agent session: what the agent did so far, for the decisions
// made in it. It belongs to no engine. Calls with one session from several
// goroutines are serialized by the library. Close it when done (Close is
// idempotent; a finalizer frees a forgotten session).
type Session struct {
	mu  sync.RWMutex
	ptr *C.portcullis_session
	id  string
}

type sessionConstructor func(*C.char, C.size_t, **C.portcullis_session, **C.portcullis_error) C.portcullis_status

func newSession(text string, fn sessionConstructor) (*Session, error) {
	p, n := cstr(text)
	var ptr *C.portcullis_session
	var err *C.portcullis_error
	status := fn(p, n, &ptr, &err)
	runtime.KeepAlive(text)
	if status != C.PORTCULLIS_STATUS_OK {
		return nil, takeError(status, err)
	}
	var idLen C.size_t
	id := C.portcullis_session_id(ptr, &idLen)
	s := &Session{ptr: ptr, id: C.GoStringN(id, C.int(idLen))}
	runtime.SetFinalizer(s, (*Session).Close)
	return s, nil
}

// NewSession is a new, empty session with the given id (an id longer than
// 256 bytes is kept as its hash).
func NewSession(id string) (*Session, error) {
	return newSession(id, func(p *C.char, n C.size_t, out **C.portcullis_session, err **C.portcullis_error) C.portcullis_status {
		return C.portcullis_session_new(p, n, out, err)
	})
}

// SessionFromJSON reads a session's state as ToJSON wrote it. A state that
// is not a session's, or was written by a newer version, is an *Error with
// StatusInvalidSession (never a silent fresh session).
func SessionFromJSON(state string) (*Session, error) {
	return newSession(state, func(p *C.char, n C.size_t, out **C.portcullis_session, err **C.portcullis_error) C.portcullis_status {
		return C.portcullis_session_from_json(p, n, out, err)
	})
}

// ID is the session's id.
func (s *Session) ID() string { return s.id }

// Step is the number of decisions made in the session so far (0 once closed).
func (s *Session) Step() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.ptr == nil {
		return 0
	}
	return uint64(C.portcullis_session_step(s.ptr))
}

// Taint says why the session is tainted (a sensitive read, a secret seen,
// facts dropped at its bound), and whether it is.
func (s *Session) Taint() (string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.ptr == nil {
		return "", false
	}
	var buf C.portcullis_buffer
	C.portcullis_session_taint(s.ptr, &buf)
	if buf.data == nil {
		return "", false
	}
	out := C.GoStringN(buf.data, C.int(buf.len))
	C.portcullis_buffer_free(&buf)
	return out, true
}

// ToJSON is the session's state as JSON, for SessionFromJSON.
func (s *Session) ToJSON() (string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.ptr == nil {
		return "", ErrSessionClosed
	}
	var buf C.portcullis_buffer
	if status := C.portcullis_session_to_json(s.ptr, &buf); status != C.PORTCULLIS_STATUS_OK {
		return "", takeError(status, nil)
	}
	out := C.GoStringN(buf.data, C.int(buf.len))
	C.portcullis_buffer_free(&buf)
	return out, nil
}

// Close frees the session. Safe to call more than once and from several goroutines.
func (s *Session) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ptr != nil {
		C.portcullis_session_free(s.ptr)
		s.ptr = nil
	}
	return nil
}

// unixSeconds is t in Unix seconds, 0 before 1970.
func unixSeconds(t time.Time) C.uint64_t {
	if t.Unix() < 0 {
		return 0
	}
	return C.uint64_t(t.Unix())
}

// withBoth runs fn with the engine and the session held (engine first, as
// everywhere), or returns the error for a closed one.
func withBoth(e *Engine, s *Session, fn func(*C.portcullis_engine, *C.portcullis_session) error) error {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.ptr == nil {
		return ErrClosed
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.ptr == nil {
		return ErrSessionClosed
	}
	err := fn(e.ptr, s.ptr)
	runtime.KeepAlive(e)
	runtime.KeepAlive(s)
	return err
}

// decideInJSON decides at now, or by the system clock when now is nil.
func (e *Engine) decideInJSON(s *Session, request string, now *time.Time) (string, error) {
	var out string
	err := withBoth(e, s, func(ep *C.portcullis_engine, sp *C.portcullis_session) error {
		p, n := cstr(request)
		var buf C.portcullis_buffer
		var cerr *C.portcullis_error
		var status C.portcullis_status
		if now == nil {
			status = C.portcullis_decide_in_json(ep, sp, p, n, &buf, &cerr)
		} else {
			status = C.portcullis_decide_in_json_at(ep, sp, p, n, unixSeconds(*now), &buf, &cerr)
		}
		runtime.KeepAlive(request)
		out = C.GoStringN(buf.data, C.int(buf.len))
		C.portcullis_buffer_free(&buf)
		if status != C.PORTCULLIS_STATUS_OK {
			return takeError(status, cerr)
		}
		return nil
	})
	return out, err
}

// DecideInJSON returns the decision JSON for a request JSON decided in s:
// as DecideJSON, made stricter by what the session did earlier, allowed
// where the action was approved, and recorded in the session. A request
// that cannot be read is an *Error (with a deny JSON) and records nothing.
func (e *Engine) DecideInJSON(s *Session, request string) (string, error) {
	return e.decideInJSON(s, request, nil)
}

// DecideInJSONAt is DecideInJSON at now instead of the system clock.
func (e *Engine) DecideInJSONAt(s *Session, request string, now time.Time) (string, error) {
	return e.decideInJSON(s, request, &now)
}

func (e *Engine) decideIn(s *Session, request Request, now *time.Time) (Decision, error) {
	body, err := json.Marshal(request)
	if err != nil {
		return Decision{}, err
	}
	text, err := e.decideInJSON(s, string(body), now)
	if err != nil {
		return Decision{}, err
	}
	return parseDecision(text)
}

func parseDecision(text string) (Decision, error) {
	var d Decision
	if err := json.Unmarshal([]byte(text), &d); err != nil {
		return Decision{}, fmt.Errorf("portcullis: unreadable decision: %w", err)
	}
	d.MatchedCount = len(d.Matched)
	d.Raw = json.RawMessage(text)
	return d, nil
}

// DecideIn returns the full decision for a request decided in s; its
// Session field says which facts made it stricter and, for an ask, the
// approval code.
func (e *Engine) DecideIn(s *Session, request Request) (Decision, error) {
	return e.decideIn(s, request, nil)
}

// DecideInAt is DecideIn at now instead of the system clock.
func (e *Engine) DecideInAt(s *Session, request Request, now time.Time) (Decision, error) {
	return e.decideIn(s, request, &now)
}

// ranInJSON records that the request JSON ran, at now or by the system clock.
func (e *Engine) ranInJSON(s *Session, request, output string, now *time.Time) (string, error) {
	var code string
	err := withBoth(e, s, func(ep *C.portcullis_engine, sp *C.portcullis_session) error {
		rp, rn := cstr(request)
		var op *C.char
		var on C.size_t
		if output != "" {
			op, on = cstr(output)
		}
		var buf C.portcullis_buffer
		var cerr *C.portcullis_error
		var status C.portcullis_status
		if now == nil {
			status = C.portcullis_session_ran_json(ep, sp, rp, rn, op, on, &buf, &cerr)
		} else {
			status = C.portcullis_session_ran_json_at(ep, sp, rp, rn, op, on, unixSeconds(*now), &buf, &cerr)
		}
		runtime.KeepAlive(request)
		runtime.KeepAlive(output)
		if buf.data != nil {
			code = C.GoStringN(buf.data, C.int(buf.len))
			C.portcullis_buffer_free(&buf)
		}
		if status != C.PORTCULLIS_STATUS_OK {
			return takeError(status, cerr)
		}
		return nil
	})
	return code, err
}

func (e *Engine) ranIn(s *Session, request Request, output string, now *time.Time) (string, error) {
	body, err := json.Marshal(request)
	if err != nil {
		return "", err
	}
	return e.ranInJSON(s, string(body), output, now)
}

// RanIn tells s that the call request ran: a pending ask of the same
// action is approved (the user said yes), for the policy's approval TTL,
// and output (what the call gave the agent; "" for none; need not be
// UTF-8) is scanned for secrets. It returns the approval code it
// approved, or "" when no ask was pending.
func (e *Engine) RanIn(s *Session, request Request, output string) (string, error) {
	return e.ranIn(s, request, output, nil)
}

// RanInAt is RanIn at now instead of the system clock.
func (e *Engine) RanInAt(s *Session, request Request, output string, now time.Time) (string, error) {
	return e.ranIn(s, request, output, &now)
}

func (e *Engine) approveIn(s *Session, code string, once bool, now *time.Time) (bool, error) {
	var approved C.bool
	err := withBoth(e, s, func(ep *C.portcullis_engine, sp *C.portcullis_session) error {
		p, n := cstr(code)
		var cerr *C.portcullis_error
		var status C.portcullis_status
		if now == nil {
			status = C.portcullis_session_approve(ep, sp, p, n, C.bool(once), &approved, &cerr)
		} else {
			status = C.portcullis_session_approve_at(ep, sp, p, n, C.bool(once), unixSeconds(*now), &approved, &cerr)
		}
		runtime.KeepAlive(code)
		if status != C.PORTCULLIS_STATUS_OK {
			return takeError(status, cerr)
		}
		return nil
	})
	return bool(approved), err
}

// ApproveIn approves the ask that carried code in s: once (the next
// decision of that action uses it up) or until the policy's approval TTL
// ends. False when the session has no ask with that code.
func (e *Engine) ApproveIn(s *Session, code string, once bool) (bool, error) {
	return e.approveIn(s, code, once, nil)
}

// ApproveInAt is ApproveIn at now instead of the system clock.
func (e *Engine) ApproveInAt(s *Session, code string, once bool, now time.Time) (bool, error) {
	return e.approveIn(s, code, once, &now)
}
