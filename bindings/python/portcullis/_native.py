"""Loading libportcullis and declaring the C ABI for ctypes.

The library is looked up, in order: the path in the ``PORTCULLIS_LIBRARY``
environment variable; a copy bundled in this package (``pip install`` puts
one there when ``target/release`` of the repository holds a built library);
``target/release`` and ``target/debug`` of the repository this package sits
in; and the system's library path (``ctypes.util.find_library``).
"""

import ctypes
import ctypes.util
import os
import sys
from pathlib import Path

if sys.platform == "darwin":
    _FILE = "libportcullis.dylib"
elif sys.platform == "win32":
    _FILE = "portcullis.dll"
else:
    _FILE = "libportcullis.so"


def _candidates():
    env = os.environ.get("PORTCULLIS_LIBRARY")
    if env:
        yield Path(env)
        return
    here = Path(__file__).resolve().parent
    yield here / _FILE
    repo = here.parent.parent.parent
    yield repo / "target" / "release" / _FILE
    yield repo / "target" / "debug" / _FILE
    found = ctypes.util.find_library("portcullis")
    if found:
        yield Path(found)


def _load():
    tried = []
    for path in _candidates():
        if path.name == _FILE and not path.exists():
            tried.append(str(path))
            continue
        try:
            return ctypes.CDLL(str(path))
        except OSError as e:
            tried.append(f"{path} ({e})")
    raise ImportError(
        "libportcullis not found; build it with `cargo build -p portcullis-ffi --release` "
        "or set PORTCULLIS_LIBRARY. Tried: " + ", ".join(tried)
    )


lib = _load()

status = ctypes.c_uint32
effect = ctypes.c_uint32
REASON_TEXT_CAPACITY = 256

STATUS_OK = 0
STATUS_NULL_POINTER = 1
STATUS_INVALID_UTF8 = 2
STATUS_INVALID_POLICY = 3
STATUS_INVALID_REQUEST = 4
STATUS_TOO_LARGE = 5
STATUS_PANIC = 6
STATUS_AUDIT = 7
STATUS_INVALID_SESSION = 8

EFFECTS = {0: "deny", 1: "ask", 2: "allow"}


class Buffer(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("len", ctypes.c_size_t)]


class DecisionStruct(ctypes.Structure):
    _fields_ = [
        ("effect", effect),
        ("matched", ctypes.c_uint32),
        ("rule", ctypes.c_void_p),
        ("rule_len", ctypes.c_size_t),
        ("reason", ctypes.c_void_p),
        ("reason_len", ctypes.c_size_t),
        ("reason_text", ctypes.c_char * REASON_TEXT_CAPACITY),
        ("reason_text_len", ctypes.c_size_t),
    ]


engine_p = ctypes.c_void_p
error_p = ctypes.c_void_p
session_p = ctypes.c_void_p


def _declare(name, restype, *argtypes):
    fn = getattr(lib, name)
    fn.restype = restype
    fn.argtypes = list(argtypes)
    return fn


version = _declare("portcullis_version", ctypes.c_char_p)
status_str = _declare("portcullis_status_str", ctypes.c_char_p, status)
engine_new_json = _declare(
    "portcullis_engine_new_json", status, ctypes.c_char_p, ctypes.c_size_t,
    ctypes.POINTER(engine_p), ctypes.POINTER(error_p),
)
engine_new_toml = _declare(
    "portcullis_engine_new_toml", status, ctypes.c_char_p, ctypes.c_size_t,
    ctypes.POINTER(engine_p), ctypes.POINTER(error_p),
)
engine_new_file = _declare(
    "portcullis_engine_new_file", status, ctypes.c_char_p, ctypes.c_size_t,
    ctypes.POINTER(engine_p), ctypes.POINTER(error_p),
)
engine_new_default = _declare(
    "portcullis_engine_new_default", status, ctypes.POINTER(engine_p), ctypes.POINTER(error_p)
)
engine_swap = _declare("portcullis_engine_swap", status, engine_p, engine_p)
engine_free = _declare("portcullis_engine_free", None, engine_p)
error_status = _declare("portcullis_error_status", status, error_p)
error_message = _declare(
    "portcullis_error_message", ctypes.c_void_p, error_p, ctypes.POINTER(ctypes.c_size_t)
)
error_free = _declare("portcullis_error_free", None, error_p)
decide_json = _declare(
    "portcullis_decide_json", status, engine_p, ctypes.c_char_p, ctypes.c_size_t,
    ctypes.POINTER(Buffer), ctypes.POINTER(error_p),
)
buffer_free = _declare("portcullis_buffer_free", None, ctypes.POINTER(Buffer))
check_command = _declare(
    "portcullis_check_command", status, engine_p, ctypes.c_char_p, ctypes.c_size_t,
    ctypes.POINTER(DecisionStruct),
)

# Sessions (ffi/src/session.rs): the `_at` variants take `now`, Unix seconds.
session_new = _declare(
    "portcullis_session_new", status, ctypes.c_char_p, ctypes.c_size_t,
    ctypes.POINTER(session_p), ctypes.POINTER(error_p),
)
session_from_json = _declare(
    "portcullis_session_from_json", status, ctypes.c_char_p, ctypes.c_size_t,
    ctypes.POINTER(session_p), ctypes.POINTER(error_p),
)
session_to_json = _declare("portcullis_session_to_json", status, session_p, ctypes.POINTER(Buffer))
session_taint = _declare("portcullis_session_taint", status, session_p, ctypes.POINTER(Buffer))
session_id = _declare(
    "portcullis_session_id", ctypes.c_void_p, session_p, ctypes.POINTER(ctypes.c_size_t)
)
session_step = _declare("portcullis_session_step", ctypes.c_uint64, session_p)
session_free = _declare("portcullis_session_free", None, session_p)
decide_in_json = _declare(
    "portcullis_decide_in_json", status, engine_p, session_p, ctypes.c_char_p, ctypes.c_size_t,
    ctypes.POINTER(Buffer), ctypes.POINTER(error_p),
)
decide_in_json_at = _declare(
    "portcullis_decide_in_json_at", status, engine_p, session_p, ctypes.c_char_p, ctypes.c_size_t,
    ctypes.c_uint64, ctypes.POINTER(Buffer), ctypes.POINTER(error_p),
)
session_ran_json = _declare(
    "portcullis_session_ran_json", status, engine_p, session_p, ctypes.c_char_p, ctypes.c_size_t,
    ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(Buffer), ctypes.POINTER(error_p),
)
session_ran_json_at = _declare(
    "portcullis_session_ran_json_at", status, engine_p, session_p, ctypes.c_char_p, ctypes.c_size_t,
    ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint64, ctypes.POINTER(Buffer), ctypes.POINTER(error_p),
)
session_approve = _declare(
    "portcullis_session_approve", status, engine_p, session_p, ctypes.c_char_p, ctypes.c_size_t,
    ctypes.c_bool, ctypes.POINTER(ctypes.c_bool), ctypes.POINTER(error_p),
)
session_approve_at = _declare(
    "portcullis_session_approve_at", status, engine_p, session_p, ctypes.c_char_p, ctypes.c_size_t,
    ctypes.c_bool, ctypes.c_uint64, ctypes.POINTER(ctypes.c_bool), ctypes.POINTER(error_p),
)
