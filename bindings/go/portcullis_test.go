package portcullis

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
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
