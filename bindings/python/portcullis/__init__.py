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
"""

import ctypes
import json
from dataclasses import dataclass, field
from typing import Any, Optional

from . import _native as _n

__all__ = ["Engine", "Decision", "Matched", "PolicyError", "PortcullisError", "version"]


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
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def allowed(self) -> bool:
        return self.effect == "allow"

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
        try:
            text = ctypes.string_at(buf.data, buf.len).decode() if buf.data else ""
        finally:
            _n.buffer_free(ctypes.byref(buf))
        if status != _n.STATUS_OK:
            raise _take_error(err, status)
        return text

    def decide(self, request: dict) -> Decision:
        """Decides a request in the JSON wire format, given as a dict:
        ``{"command": ...}``, ``{"http": {...}}`` or ``{"tool": {...}}``,
        with optional ``id`` and ``principal``."""
        return Decision.from_json(self.decide_json(json.dumps(request)))

    def check_command(self, command: str) -> Decision:
        """Decides a shell command line."""
        return self.decide({"command": command})

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
