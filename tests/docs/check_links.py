"""Fails when README.md, CHANGELOG.md or a page of docs/ links to a file that is not in the
repository (a relative link whose target is missing, or an absolute path on some machine), or to
a heading that is not on the page it names."""

import glob
import os
import re
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PAGES = [os.path.join(REPO, "README.md"), os.path.join(REPO, "CHANGELOG.md")] + sorted(
    glob.glob(os.path.join(REPO, "docs", "*.md")))
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"```.*?```", re.S)
CODE = re.compile(r"`[^`\n]*`")


def anchors(path):
    """GitHub's heading anchors of a Markdown file."""
    with open(path, encoding="utf-8") as f:
        text = FENCE.sub("", f.read())
    found = set()
    for heading in re.findall(r"^#+\s+(.*)$", text, re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(slug)
    return found


def main():
    problems = []
    checked = 0
    for page in PAGES:
        with open(page, encoding="utf-8") as f:
            text = CODE.sub("", FENCE.sub("", f.read()))
        for target in LINK.findall(text):
            if re.match(r"^[a-z]+:", target):  # http:, https:, mailto:
                continue
            checked += 1
            path, _, anchor = target.partition("#")
            where = os.path.relpath(page, REPO)
            if path.startswith("/"):
                problems.append(f"{where}: {target}: an absolute path, not a file of the repository")
                continue
            full = os.path.normpath(os.path.join(os.path.dirname(page), path)) if path else page
            if not full.startswith(REPO) or not os.path.exists(full):
                problems.append(f"{where}: {target}: no such file in the repository")
            elif anchor and full.endswith(".md") and anchor not in anchors(full):
                problems.append(f"{where}: {target}: no heading #{anchor} there")
    for p in problems:
        print(p)
    if not problems:
        print(f"{checked} links of {len(PAGES)} pages point into the repository")
    return 1 if problems or checked < 50 else 0


if __name__ == "__main__":
    sys.exit(main())
