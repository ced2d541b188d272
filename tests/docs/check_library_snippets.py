"""Fails when a snippet of docs/library.md is not cut, verbatim, from the programs the test command
builds: every ```cpp block must appear in a file of examples/library-guide/ (or
examples/standalone/), every ```cmake block in one of their CMakeLists.txt, line for line (the
whole block may be indented differently, as when a piece of a function is shown on its own).
A ```cmake block right after the line `<!-- not built by the tests -->` is exempt, and says so.
"""

import glob
import os
import re
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DOC = os.path.join(REPO, "docs", "library.md")
SOURCES = {
    "cpp": sorted(glob.glob(os.path.join(REPO, "examples", "library-guide", "*.cpp")) +
                  glob.glob(os.path.join(REPO, "examples", "standalone", "*.cpp"))),
    "cmake": [os.path.join(REPO, "examples", "library-guide", "CMakeLists.txt"),
              os.path.join(REPO, "examples", "standalone", "CMakeLists.txt")],
}
BLOCK = re.compile(r"(<!-- not built by the tests -->\n)?```(cpp|cmake)\n(.*?)\n```", re.S)


def appears_in(block, lines):
    """Whether `block` (a list of lines) is a run of `lines`, all shifted by one indentation."""
    first = block[0]
    for i in range(len(lines) - len(block) + 1):
        line = lines[i]
        if not line.endswith(first) or line[: len(line) - len(first)].strip():
            continue
        indent = line[: len(line) - len(first)]
        if all((lines[i + k] == indent + b) if b else not lines[i + k].strip()
               for k, b in enumerate(block)):
            return True
    return False


def main():
    with open(DOC, encoding="utf-8") as f:
        doc = f.read()
    files = {kind: {p: open(p, encoding="utf-8").read().split("\n") for p in paths}
             for kind, paths in SOURCES.items()}
    checked, exempt, failures = 0, 0, []
    for match in BLOCK.finditer(doc):
        waived, kind, text = match.group(1), match.group(2), match.group(3)
        if waived and kind == "cmake":
            exempt += 1
            continue
        block = text.split("\n")
        checked += 1
        if not any(appears_in(block, lines) for lines in files[kind].values()):
            where = doc[: match.start()].count("\n") + 1
            failures.append(f"docs/library.md:{where}: this ```{kind} block is in none of "
                            f"{[os.path.relpath(p, REPO) for p in SOURCES[kind]]}:\n{text}\n")
    if checked < 10:
        failures.append(f"only {checked} snippets found: is docs/library.md still there?")
    for failure in failures:
        print(failure)
    if not failures:
        print(f"all {checked} snippets of docs/library.md are in the built programs "
              f"({exempt} marked as not built)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
