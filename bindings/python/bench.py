"""Per-call cost of the Python binding (timeit), to compare with `make bench-c`.

Run: `make bench-python`.
"""

import timeit

from portcullis import Engine

SHORT = "ls -la"
TYPICAL = "git add -A && git commit -m 'fix: handle empty input in parser' && git push origin feature/parser-fix"

with Engine.default() as engine:
    for name, stmt, number in [
        ("check_command short (full decision, JSON)", lambda: engine.check_command(SHORT), 50000),
        ("check_command typical (full decision, JSON)", lambda: engine.check_command(TYPICAL), 20000),
        ("effect_of_command short (C fast path)", lambda: engine.effect_of_command(SHORT), 200000),
        ("effect_of_command typical (C fast path)", lambda: engine.effect_of_command(TYPICAL), 50000),
        ("check_url (full decision, JSON)", lambda: engine.check_url("https://api.github.com/repos/o/r"), 50000),
    ]:
        best = min(timeit.repeat(stmt, number=number, repeat=5)) / number
        print(f"{name:48} {best * 1e9:10.0f} ns/call")
