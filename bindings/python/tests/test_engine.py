"""The Python binding decides as Rust does, reports errors as Rust does, and
frees what it allocates."""

import json
import threading
from pathlib import Path

import pytest

import portcullis
from portcullis import Decision, Engine, PolicyError, PortcullisError

DATA = Path(__file__).resolve().parents[3] / "tests" / "data" / "conformance"


@pytest.fixture(scope="module")
def engine():
    with Engine.default() as e:
        yield e


def test_conformance_corpus_matches_rust_byte_for_byte(engine):
    requests = (DATA / "requests.jsonl").read_text().splitlines()
    expected = (DATA / "decisions.jsonl").read_text().splitlines()
    assert len(requests) >= 50 and len(requests) == len(expected)
    for request, want in zip(requests, expected):
        assert engine.decide_json(request) == want, request


def test_bad_policy_message_is_rusts():
    with pytest.raises(PolicyError) as info:
        Engine.from_json((DATA / "bad_policy.json").read_text())
    assert str(info.value) == (DATA / "bad_policy.expected").read_text().rstrip("\n")
    assert info.value.status == 3


def test_shortcuts_return_full_decisions(engine):
    d = engine.check_command("rm -rf /")
    assert d.effect == "deny" and d.rule == "fs-rm-recursive-protected"
    assert any(m.rule == d.rule for m in d.matched)
    assert d.command["argv"] == ["rm", "-rf", "/"]
    d = engine.check_url("http://0x7f.1/")
    assert (d.effect, d.rule, d.canonical["ip"]) == ("deny", "deny-loopback", "127.0.0.1")
    assert engine.check_url("https://api.github.com/zen").allowed
    assert engine.check_tool("Read", {"file_path": "x"}).effect == "allow"
    assert engine.effect_of_command("ls") == "allow"
    assert engine.effect_of_command("rm -rf /") == "deny"


def test_the_working_directory_is_the_project(engine):
    # Its own build output under a protected tree may go; the tree's other
    # directories, and the project's .git, may not.
    assert engine.check_command("rm -rf /srv/app/build", cwd="/srv/app").effect == "allow"
    assert engine.check_command("rm -rf /srv/app/build", cwd="/srv/other").effect == "deny"
    assert engine.check_command("rm -rf .git", cwd="/srv/app").effect == "deny"
    assert engine.check_command("rm -rf /srv/app/build").effect == "deny"
    d = engine.decide({"command": "cd .. && rm -rf app", "cwd": "/srv/app"})
    assert d.effect == "deny"


def test_decide_takes_ids_and_principals(engine):
    d = engine.decide({"id": 7, "principal": {"id": "agent-7"}, "command": "ls"})
    assert d.id == 7 and d.kind == "command"


def test_invalid_requests_and_inputs_raise(engine):
    with pytest.raises(PortcullisError) as info:
        engine.decide_json('{"command": "ls", "tool": {"name": "x"}}')
    assert "exclusive" in str(info.value) and info.value.status == 4
    with pytest.raises(TypeError):
        engine.check_command(b"ls")


def test_a_nul_after_rm_rf_root_is_denied(engine):
    # A C string ends at its first NUL: `rm -rf /\0` runs as `rm -rf /`.
    d = Decision.from_json(engine.decide_json('{"command": "rm -rf /\\u0000"}'))
    assert d.effect == "deny" and d.rule is None
    assert "NUL byte at byte offset 8" in d.reason
    assert engine.check_command("rm -rf /\x00").effect == "deny"
    assert engine.check_command("ls\x00").effect == "deny"
    assert engine.check_command("ls").effect == "allow"


def test_toml_policies_and_swap():
    deny = 'version = 1\n[[commands]]\nid = "no-ls"\neffect = "deny"\nprogram = "ls"\n'
    with Engine.from_json('{"version": 1}') as e:
        assert e.check_command("ls").effect == "allow"
        replacement = Engine.from_toml(deny)
        e.swap(replacement)
        assert e.check_command("ls").rule == "no-ls"
        with pytest.raises(ValueError):
            replacement.check_command("ls")
    with pytest.raises(PolicyError) as info:
        Engine.from_toml("version = ")
    assert "line 1" in str(info.value)


def test_closed_engines_refuse_and_close_is_idempotent():
    e = Engine.from_json('{"version": 1}')
    e.close()
    e.close()
    with pytest.raises(ValueError):
        e.check_command("ls")


def test_threads_share_one_engine(engine):
    errors = []

    def work():
        for _ in range(200):
            if engine.check_command("rm -rf /").effect != "deny":
                errors.append("wrong effect")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_version_is_the_crates():
    assert portcullis.version() == "0.1.0"


def test_policy_files_compose_their_bases():
    team = DATA.parent / "policies" / "compose" / "team.toml"
    with Engine.from_file(team) as e:
        d = e.check_command("git push -f")
        assert (d.effect, d.rule, d.source) == ("deny", "git-force-push", "packs/git")
    with pytest.raises(PolicyError) as info:
        Engine.from_json('{"version": 1, "extends": ["./base.json"]}')
    assert "load the policy from a file" in str(info.value)
