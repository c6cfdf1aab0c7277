"""Bot-wall gate: every vendor wall fixture `blocked` with its vendor named, every ordinary page
of a protected site left alone. Prints one line per fixture and fails (exit 1) below 100%.

Why a gate and not only tests: the list is what the issue's closing note reports, and a later
change to classify's rules shows here as a number, fixture by fixture.

    uv run python bench/botwall_gate.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.hostile.botwalls import ORDINARY, WALLS, Shape
from verifier.core.classify import classify_response, read_page, wall_reason


def judge(shape: Shape) -> tuple[str, str | None]:
    headers = {**shape.headers, "content-type": shape.content_type}
    page = read_page(shape.body, shape.content_type) if "html" in shape.content_type else None
    status = classify_response(shape.status, headers, shape.cited, shape.url, shape.hops, page, cookies=shape.cookies)
    return status.value, wall_reason(page, headers, shape.cookies, shape.status, shape.url)


def main() -> int:
    passed = 0
    shapes = [*WALLS, *ORDINARY]
    print(f"{'fixture':42} {'HTTP':>4}  {'expected':12} {'got':12} error")
    for shape in shapes:
        got, reason = judge(shape)
        want_reason = f"bot wall: {shape.vendor} (HTTP {shape.status})" if shape.vendor else None
        good = got == shape.expected and reason == want_reason
        passed += good
        print(f"{shape.name:42} {shape.status:>4}  {shape.expected:12} {got:12} {reason or '-'}"
              f"{'' if good else '   <-- WRONG'}")
    walls_ok = sum(judge(s)[0] == "blocked" for s in WALLS)
    false_alarms = sum(judge(s)[0] == "blocked" for s in ORDINARY)
    print(f"\nwalls blocked: {walls_ok}/{len(WALLS)}   false alarms: {false_alarms}/{len(ORDINARY)}   "
          f"all as expected: {passed}/{len(shapes)} ({passed / len(shapes):.0%})")
    return 0 if passed == len(shapes) else 1


if __name__ == "__main__":
    raise SystemExit(main())
