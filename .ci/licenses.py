#!/usr/bin/env python3
"""Licence check of the dependency tree: every package that any feature of scimitar can pull in
(`cargo metadata --all-features`, dev- and build-dependencies included) must carry a licence
expression satisfiable from the allow-list below (permissive licences compatible with
scimitar's MIT OR Apache-2.0). Fails, naming the package, on a missing or other licence."""
import json
import re
import subprocess
import sys

ALLOWED = {
    "MIT", "Apache-2.0", "Apache-2.0 WITH LLVM-exception", "BSD-2-Clause", "BSD-3-Clause",
    "ISC", "Zlib", "0BSD", "Unlicense", "Unicode-3.0", "Unicode-DFS-2016", "BSL-1.0",
    "CC0-1.0", "CDLA-Permissive-2.0", "MPL-2.0",
}


def satisfiable(expr: str) -> bool:
    """True when the SPDX expression `expr` can be met with allowed licences only
    (`A OR B`: either; `A AND B`: both; `A WITH exception`: as listed; `/` is an old OR)."""
    tokens = re.findall(r"\(|\)|[^\s()]+", expr.replace("/", " OR "))
    pos = 0

    def peek():
        return tokens[pos] if pos < len(tokens) else None

    def take():
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def factor():
        if peek() == "(":
            take()
            value = disjunction()
            if take() != ")":
                raise ValueError(expr)
            return value
        ident = take()
        if peek() == "WITH":
            take()
            ident = f"{ident} WITH {take()}"
        return ident in ALLOWED

    def conjunction():
        value = factor()
        while peek() == "AND":
            take()
            value = factor() and value
        return value

    def disjunction():
        value = conjunction()
        while peek() == "OR":
            take()
            value = conjunction() or value
        return value

    try:
        value = disjunction()
        return value and pos == len(tokens)
    except (IndexError, ValueError):
        return False


def main() -> int:
    out = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--all-features", "--locked"],
        check=True, capture_output=True, text=True,
    ).stdout
    bad = []
    packages = json.loads(out)["packages"]
    for p in packages:
        lic = p.get("license")
        if not lic or not satisfiable(lic):
            bad.append(f"{p['name']} {p['version']}: {lic or 'no licence expression'}")
    if bad:
        print("licence check FAILED:")
        print("\n".join(bad))
        return 1
    print(f"licence check: {len(packages)} packages, all under allowed licences")
    return 0


if __name__ == "__main__":
    sys.exit(main())
