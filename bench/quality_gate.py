"""CI quality gate: run the shared harness with fixed seeds and fail below the accuracy floors.

Usage: python bench/quality_gate.py [--shared ../shared] [--briefs 40] [--seed 7] [--skip-zoo]
Prints the harness figures, then one line per floor; exits 1 if any floor is missed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

#: floors from the issues (verdict accuracy: issue 3; link health: issue 4; rechecks: issue 6; OCR: issue 8)
QUOTE_FLOORS = {
    "true_quote_acceptance": (">=", 0.99),
    "false_verification_rate": ("<=", 0.01),
    "altered_detected": (">=", 0.95),
    "misattributed_detected": (">=", 0.90),
    "not_found_detected": (">=", 0.98),
    "unverifiable_detected": (">=", 1.0),
    "typo_flagged_minor": (">=", 0.8),
    "evidence_correct": (">=", 0.98),
    "errors": ("<=", 0),
    "missing_quotes": ("<=", 0),
}


def run_harness(shared: Path, *args: str) -> dict:
    harness = shared / "eval" / "harness.py"
    p = subprocess.run([sys.executable, str(harness), *args], capture_output=True, text=True, timeout=3000)
    if p.returncode != 0:
        print(p.stderr[-2000:], file=sys.stderr)
        raise SystemExit(f"quality gate: harness {' '.join(args)} failed with exit {p.returncode}")
    out = p.stdout
    return json.loads(out[out.index("{"):])


def check(metrics: dict, floors: dict[str, tuple[str, float]]) -> list[str]:
    failed = []
    for name, (op, bound) in floors.items():
        value = metrics.get(name)
        ok = value is not None and (value >= bound if op == ">=" else value <= bound)
        print(f"  {'ok  ' if ok else 'FAIL'} {name} = {value} (floor {op} {bound})")
        if not ok:
            failed.append(name)
    return failed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[1].parent / "shared"))
    ap.add_argument("--briefs", type=int, default=40)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--skip-zoo", action="store_true")
    args = ap.parse_args()
    shared = Path(args.shared)
    failed: list[str] = []
    print(f"quality gate: quotes, {args.briefs} briefs, seed {args.seed}")
    report = run_harness(shared, "--corpus", str(shared / "corpus" / "dev"), "--briefs", str(args.briefs),
                         "--seed", str(args.seed))
    print(json.dumps(report["metrics"], indent=1))
    failed += check(report["metrics"], QUOTE_FLOORS)
    if not args.skip_zoo:
        print("quality gate: link zoo")
        zoo = run_harness(shared, "--zoo")
        m = zoo["metrics"]
        print(json.dumps(m, indent=1))
        failed += check(m, {"link_status_correct": (">=", m.get("links", 0)),
                            "ssrf_requests_leaked": ("<=", 0),
                            "ssrf_refused": (">=", m.get("links", 0))})
        if zoo.get("wrong"):
            print("  wrong statuses:", json.dumps(zoo["wrong"]))
    print("quality gate: drift (rechecks)")
    drift = run_harness(shared, "--drift")
    print(json.dumps(drift["metrics"], indent=1))
    failed += check(drift["metrics"], {"correct": (">=", drift["metrics"].get("cases") or 7)})
    if (shared / "corpus" / "large" / "mueller-report-doj-ocr-2019-04-18.txt").exists():
        print("quality gate: quotes against the DOJ report's OCR text")
        ocr = run_harness(shared, "--ocr", "--seed", str(args.seed))
        print(json.dumps(ocr["metrics"], indent=1))
        failed += check(ocr["metrics"], {"true_quote_acceptance": (">=", 0.95),
                                         "false_verification_rate": ("<=", 0.02), "missing_quotes": ("<=", 0)})
    if failed:
        raise SystemExit(f"quality gate: below the floor on {', '.join(failed)}")
    print("quality gate: all floors met")


if __name__ == "__main__":
    main()
