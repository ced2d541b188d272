"""Fails when a key the hub's config reader accepts is missing from docs/operations.md.

The keys are read from src/soket/hub/config.cpp itself: each `TableReader NAME(..., "prefix.")`
gives a prefix, and NAME.get/table/array("key"), read_rate(NAME, "key") and read_range(NAME, "key")
add prefix + key. A key counts as documented when it appears in backticks, full dotted path
(`server.http_port`), or for a table as its heading (`[limits.http]`).
"""

import os
import re
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CONFIG_CPP = os.path.join(REPO, "src", "soket", "hub", "config.cpp")
DOC = os.path.join(REPO, "docs", "operations.md")

# Tokens in source order: string-variable definitions, reader declarations, key reads.
TOKEN = re.compile(
    r'const std::string (?P<strvar>\w+) = "(?P<strval>[^"]*)";'
    r'|TableReader (?P<reader>\w+)\([^;]*?,\s*(?:"(?P<lit>[^"]*)"|(?P<ident>\w+))\);'
    r'|\b(?P<var>\w+)\.(?:get|table|array|raw)\("(?P<key>[^"]+)"'
    r'|\bread_(?:rate|range)\((?P<var2>\w+),\s*"(?P<key2>[^"]+)"')


def accepted_keys(source):
    strings, readers, keys = {}, {}, []
    for m in TOKEN.finditer(source):
        if m.group("strvar"):
            strings[m.group("strvar")] = m.group("strval")
        elif m.group("reader"):
            if m.group("lit") is not None:
                readers[m.group("reader")] = m.group("lit")
            else:
                # a prefix built at run time (read_range's "<key>."): min/max, documented with it
                readers[m.group("reader")] = strings.get(m.group("ident"))
        else:
            var = m.group("var") or m.group("var2")
            key = m.group("key") or m.group("key2")
            prefix = readers.get(var)
            if prefix is None:
                continue
            keys.append(prefix + key)
    return sorted(set(keys))


def main():
    with open(CONFIG_CPP, encoding="utf-8") as f:
        keys = accepted_keys(f.read())
    with open(DOC, encoding="utf-8") as f:
        doc = f.read()
    # The reader must really have been understood: the file has some 90 keys.
    if len(keys) < 80:
        print(f"only {len(keys)} keys found in {CONFIG_CPP}: the parser no longer understands it")
        return 1
    # a table may also be named as its section heading: `[limits.http]`
    missing = [k for k in keys if f"`{k}`" not in doc and f"`[{k}]`" not in doc]
    if missing:
        print(f"{len(missing)} of {len(keys)} config keys are not in docs/operations.md:")
        for k in missing:
            print("  " + k)
        return 1
    print(f"all {len(keys)} config keys are documented")
    return 0


if __name__ == "__main__":
    sys.exit(main())
