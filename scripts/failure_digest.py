#!/usr/bin/env python3
"""Prints, for every test that failed in the last ctest run of each build directory given, the
lines that say why (FAIL, Traceback, assertion and sanitizer lines) and the end of its output,
and at the very end one line per failed test with its most telling reason (a CI log viewer that
shows only the end of the log still shows why).

scripts/test.sh calls it when a run failed, so that the end of a long CI log shows the failures
themselves and not only ctest's list of names. The failed tests come from ctest's own
Testing/Temporary/LastTestsFailed.log (a test expected to fail, WILL_FAIL, is not in it), and
their output from Testing/Temporary/LastTest.log.

usage: failure_digest.py BUILD_DIR [BUILD_DIR ...]
"""

import os
import re
import sys

TAIL_LINES = 15
MAX_WHY_LINES = 30
WHY = re.compile(
    r"^(FAIL|ERROR|Traceback|AssertionError|.*Error:|.*Assertion|.*error:|not ok|\s*✖|"
    r"==\d+==ERROR|SUMMARY: |.*runtime error:|WARNING: ThreadSanitizer|.*\*\*\*Failed|"
    r".*Exception)")
# Of the lines above, those that state a reason rather than name a test or start a trace.
REASON = re.compile(r"(\w*Error\b|error:|Assertion|ERROR|runtime error|Timeout|timed out|"
                    r"Failure|FAIL:|failed)")
REASON_CHARS = 300


def failed_tests(build_dir):
    path = os.path.join(build_dir, "Testing", "Temporary", "LastTestsFailed.log")
    if not os.path.exists(path):
        return []
    names = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            number, _, name = line.strip().partition(":")
            if number.isdigit() and name:
                names.append(name)
    return names


def outputs(build_dir):
    """Each test's output in LastTest.log, by name."""
    path = os.path.join(build_dir, "Testing", "Temporary", "LastTest.log")
    if not os.path.exists(path):
        return {}
    result = {}
    name = None
    lines = None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            start = re.match(r'^\d+/\d+ Test: (.+)$', line)
            if start:
                name, lines = start.group(1), None
            elif name and line.startswith("Output:"):
                lines = []
            elif name and lines is not None and line == "<end of output>":
                result[name] = lines[1:] if lines and set(lines[0]) == {"-"} else lines
                name, lines = None, None
            elif lines is not None:
                lines.append(line)
    return result


def reason(lines, why):
    """The one line that best says why a test failed."""
    for line in why:
        stripped = line.strip()
        if REASON.search(stripped) and not stripped.startswith(("✖", "Traceback", "not ok")):
            return stripped
    for i, line in enumerate(lines):
        # node's spec reporter: the line after a failed test's name holds its error.
        if line.lstrip().startswith("✖") and i + 1 < len(lines) and lines[i + 1].strip():
            return lines[i + 1].strip()
    return why[0].strip() if why else "(no output recorded: it timed out silently, or did not run)"


def digest(build_dir, reasons):
    names = failed_tests(build_dir)
    if not names:
        return 0
    by_name = outputs(build_dir)
    for name in names:
        print(f"==== failed in {build_dir}: {name} ====")
        lines = by_name.get(name)
        if not lines:
            print("  (no output recorded: it timed out silently, or did not run)")
            reasons.append((build_dir, name, reason([], [])))
            continue
        why = [line for line in lines if WHY.match(line)][:MAX_WHY_LINES]
        print(f"---- {name}: its failure lines ----")
        for line in why:
            print(f"  {line}")
        print(f"---- {name}: the end of its output ----")
        for line in lines[-TAIL_LINES:]:
            print(f"  {line}")
        reasons.append((build_dir, name, reason(lines, why)))
    return len(names)


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    print("== failure digest ==")
    reasons = []
    total = sum(digest(build_dir, reasons) for build_dir in argv[1:])
    for build_dir, name, why in reasons:
        print(f"== failed: {os.path.basename(os.path.normpath(build_dir))} {name}: {why[:REASON_CHARS]}")
    print(f"== {total} failed test(s) in all ==")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
