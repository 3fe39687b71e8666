#!/usr/bin/env python3
"""Extracts the block and allow cases of two peer guards into TSV files.

    extract.py dcg GIT_DIR > dcg.tsv
    extract.py cc-safety-net GIT_DIR > cc-safety-net.tsv

GIT_DIR is a bare clone (or a .git directory) of
Dicklesworthstone/destructive_command_guard or kenryu42/claude-code-safety-net;
the files are read at HEAD with `git show`, nothing is checked out.

Output: `verdict<TAB>command`, verdict `block` or `allow`; a command is
escaped with `\\n` (newline), `\\t` (tab) and `\\\\` (backslash). Duplicates are
dropped (first occurrence kept); a command given both verdicts keeps both
lines. See SOURCES.md for what is taken from each peer and what is left out.
"""

import re
import subprocess
import sys
import tomllib


def git(gitdir, *args):
    return subprocess.run(["git", "--git-dir", gitdir, *args], check=True,
                          capture_output=True, text=True).stdout


def escape(cmd):
    return cmd.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def dcg(gitdir):
    files = git(gitdir, "ls-tree", "-r", "HEAD", "--name-only").split()
    out = []
    for f in sorted(files):
        if f.startswith("tests/corpus/") and f.endswith(".toml"):
            doc = tomllib.loads(git(gitdir, "show", "HEAD:" + f))
            for case in doc.get("case", []):
                expected = case.get("expected", case.get("expected_decision"))
                if case.get("input_kind", "command") != "command":
                    continue
                verdict = {"deny": "block", "allow": "allow"}.get(expected)
                if verdict is None or "command" not in case:
                    continue
                out.append((verdict, case["command"], f))
    for name, verdict in (("dangerous", "block"), ("safe", "allow")):
        f = f"tests/e2e/fixtures/commands/{name}.txt"
        for line in git(gitdir, "show", "HEAD:" + f).splitlines():
            if line.strip() and not line.startswith("#"):
                out.append((verdict, line, f))
    return out


STRING = r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`(?:[^`\\$]|\\.|\$(?!\{))*`"""


def js_string(lit):
    """The value of a JavaScript string literal without interpolation."""
    body = lit[1:-1]
    simple = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\",
              "'": "'", '"': '"', "`": "`", "$": "$"}
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            n = body[i + 1]
            if n == "x":
                out.append(chr(int(body[i + 2:i + 4], 16)))
                i += 4
                continue
            if n == "u":
                if body[i + 2] == "{":
                    end = body.index("}", i)
                    out.append(chr(int(body[i + 3:end], 16)))
                    i = end + 1
                else:
                    out.append(chr(int(body[i + 2:i + 6], 16)))
                    i += 6
                continue
            if n == "\n":
                i += 2
                continue
            out.append(simple.get(n, n))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def spans(text, opener):
    """(start, end) of every call `opener(...)`, balancing brackets outside strings."""
    result = []
    for m in re.finditer(re.escape(opener), text):
        depth, i = 0, m.end() - 1
        while i < len(text):
            s = re.compile(STRING).match(text, i)
            if s:
                i = s.end()
                continue
            if text[i] in "([{":
                depth += 1
            elif text[i] in ")]}":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        result.append((m.start(), i))
    return result


# Files whose cases depend on a custom config or fixtures are left out.
CC_FILES = [
    "tests/core/rules-git.test.ts",
    "tests/core/rules-rm.test.ts",
    "tests/core/analyze/edge-cases.test.ts",
    "tests/core/analyze/find.test.ts",
]


def cc_safety_net(gitdir):
    out = []
    call = re.compile(r"\b(assertBlocked|assertAllowed)\(\s*(" + STRING + r")\s*(,\s*(" + STRING + r")\s*)?(,\s*(" + STRING + r"|[^)]*?))?\s*,?\s*\)", re.S)
    for f in CC_FILES:
        text = git(gitdir, "show", "HEAD:" + f)
        env = spans(text, "withEnv(")
        for m in call.finditer(text):
            if any(a <= m.start() <= b for a, b in env):
                continue  # strict, paranoid, worktree or HOME modes
            kind, cmd = m.group(1), js_string(m.group(2))
            # assertAllowed(cmd, cwd) and assertBlocked(cmd, reason, cwd):
            # a cwd makes the verdict depend on a directory; left out.
            if kind == "assertAllowed" and m.group(3):
                continue
            if kind == "assertBlocked" and m.group(5):
                continue
            out.append(("block" if kind == "assertBlocked" else "allow", cmd, f))
    return out


def main():
    peer, gitdir = sys.argv[1], sys.argv[2]
    cases = {"dcg": dcg, "cc-safety-net": cc_safety_net}[peer](gitdir)
    commit = git(gitdir, "rev-parse", "HEAD").strip()
    repo = {"dcg": "Dicklesworthstone/destructive_command_guard",
            "cc-safety-net": "kenryu42/claude-code-safety-net"}[peer]
    print(f"# {peer}: block and allow cases of github.com/{repo} at {commit} (MIT).")
    print("# Generated by extract.py; see SOURCES.md. Columns: verdict, command"
          " (\\n newline, \\t tab, \\\\ backslash).")
    print("verdict\tcommand")
    seen = set()
    for verdict, cmd, _ in cases:
        if not cmd.strip() or (verdict, cmd) in seen:
            continue
        seen.add((verdict, cmd))
        print(f"{verdict}\t{escape(cmd)}")


if __name__ == "__main__":
    main()
