#!/usr/bin/env python3
"""Checks docs/api.md against include/jetsession/jet.h, the authority.

jet.h's comment above each function lists its results in check order,
after the word "Results". docs/api.md is the reader's guide: its table rows
(`| `JetCall(...)` | results |`) must name only errors that jet.h lists for
that call, in the same relative order, and together every error jet.h lists
(Success aside); every function of jet.h must be described in api.md.
Exits 1 and prints each disagreement otherwise.
"""

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def error_sequence(text, pattern):
    """The error names in `text`, in order of first appearance."""
    seen = []
    for match in pattern.finditer(text):
        if match.group(1) not in seen:
            seen.append(match.group(1))
    return seen


def main():
    jet = (ROOT / "include/jetsession/jet.h").read_text(encoding="utf-8")
    api = (ROOT / "docs/api.md").read_text(encoding="utf-8")
    names = sorted(set(re.findall(r"#define JET_err(\w+)\s", jet)),
                   key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(names) + r")\b")
    authority = {}
    for match in re.finditer(r"/\*((?:(?!\*/).)*)\*/\s*JET_ERR JET_API (\w+)\(",
                             jet, re.S):
        comment, call = match.group(1), match.group(2)
        results = comment.split("Results", 1)
        authority[call] = (error_sequence(results[1], pattern)
                           if len(results) == 2 else None)
    rows = {}
    for line in api.splitlines():
        match = re.match(r"\| `(\w+)\(.*?\)`[^|]*\| (.*)\|\s*$", line)
        if match:
            rows.setdefault(match.group(1), []).append(
                error_sequence(match.group(2), pattern))
    problems = []
    for call, listed in sorted(authority.items()):
        if f"`{call}" not in api:
            problems.append(f"{call}: not described in docs/api.md")
            continue
        if listed is None or call not in rows:
            continue  # described in prose (the parameter calls)
        named = set()
        for row in rows[call]:
            named.update(row)
            extra = [e for e in row if e not in listed and e != "Success"]
            if extra:
                problems.append(f"{call}: api.md names {extra}, "
                                f"which jet.h does not list")
            shared = [e for e in row if e in listed]
            if shared != sorted(shared, key=listed.index):
                problems.append(f"{call}: api.md orders {shared}, "
                                f"jet.h {listed}")
        missing = [e for e in listed if e not in named and e != "Success"]
        if missing:
            problems.append(f"{call}: jet.h lists {missing}, "
                            f"which api.md does not name")
    for problem in problems:
        print(problem)
    print(f"{len(authority)} calls of jet.h checked, "
          f"{len(problems)} disagreements")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
