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
	// Raw is the decision JSON, for Decide.
	Raw json.RawMessage `json:"-"`
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
)

// ErrClosed is returned by calls on a closed engine.
var ErrClosed = errors.New("portcullis: the engine is closed")

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
	var d Decision
	if err := json.Unmarshal([]byte(text), &d); err != nil {
		return Decision{}, fmt.Errorf("portcullis: unreadable decision: %w", err)
	}
	d.MatchedCount = len(d.Matched)
	d.Raw = json.RawMessage(text)
	return d, nil
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

// CheckCommand decides a shell command line (fast path).
func (e *Engine) CheckCommand(command string) Decision {
	p, n := cstr(command)
	cd := decisions.Get().(*cDecision)
	defer decisions.Put(cd)
	d := cd.p
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.ptr == nil {
		return closed
	}
	C.portcullis_check_command(e.ptr, p, n, d)
	runtime.KeepAlive(command)
	runtime.KeepAlive(e)
	return e.fromStruct(d)
}

// CheckURL decides an HTTP request (fast path).
func (e *Engine) CheckURL(method, url string) Decision {
	mp, mn := cstr(method)
	up, un := cstr(url)
	cd := decisions.Get().(*cDecision)
	defer decisions.Put(cd)
	d := cd.p
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.ptr == nil {
		return closed
	}
	C.portcullis_check_http(e.ptr, mp, mn, up, un, d)
	runtime.KeepAlive(method)
	runtime.KeepAlive(url)
	runtime.KeepAlive(e)
	return e.fromStruct(d)
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
	cd := decisions.Get().(*cDecision)
	defer decisions.Put(cd)
	d := cd.p
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.ptr == nil {
		return closed
	}
	C.portcullis_check_tool(e.ptr, np, nn, ap, an, d)
	runtime.KeepAlive(name)
	runtime.KeepAlive(args)
	runtime.KeepAlive(e)
	return e.fromStruct(d)
}

// Version is the library version.
func Version() string { return C.GoString(C.portcullis_version()) }
