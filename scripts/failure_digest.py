#!/usr/bin/env python3
"""Prints, for every test that failed in the last ctest run of each build directory given, the
lines that say why (FAIL, Traceback, assertion and sanitizer lines) and the end of its output.

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


def digest(build_dir):
    names = failed_tests(build_dir)
    if not names:
        return 0
    by_name = outputs(build_dir)
    for name in names:
        print(f"==== failed in {build_dir}: {name} ====")
        lines = by_name.get(name)
        if not lines:
            print("  (no output recorded: it timed out silently, or did not run)")
            continue
        why = [line for line in lines if WHY.match(line)][:MAX_WHY_LINES]
        print(f"---- {name}: its failure lines ----")
        for line in why:
            print(f"  {line}")
        print(f"---- {name}: the end of its output ----")
        for line in lines[-TAIL_LINES:]:
            print(f"  {line}")
    return len(names)


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    print("== failure digest ==")
    total = sum(digest(build_dir) for build_dir in argv[1:])
    print(f"== {total} failed test(s) in all ==")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
