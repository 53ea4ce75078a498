#!/usr/bin/env python3
"""Replays recorded SCIM client traffic (tests/data/clients/*.json) against a running server.

Usage: replay.py BASE_URL[,BASE_URL...] BEARER_TOKEN FILE...

With several comma-separated base URLs (replicas of one service on one database), the requests
alternate between them, one after the other; `${base}` in the files is the first URL, so every
replica must be configured with that public base URL (SCIM_BASE_URL), as behind a load balancer.

The file format is described in tests/data/clients/README.md; src/testkit/replay.rs implements the
same rules in-process. Only the standard library is used. Each file stops at its first failing
step (later steps depend on earlier ones); the exit code is 1 if any step failed.

With REPLAY_PAUSE_FILE set, the replay pauses half-way through each file (after step n // 2 of
n): it creates that file and waits (up to 120 s) until someone deletes it, e.g. a script that
restarts the server meanwhile (.ci/zitadel); the client's state (the ids it captured) carries on.
"""

import json
import os
import re
import sys
import time
import urllib.error
import urllib.request

VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
SCIM_MEDIA_TYPE = "application/scim+json"
DEFAULT_CONTENT_TYPE = "application/scim+json; charset=utf-8"


class Mismatch(Exception):
    pass


def substitute(value, variables):
    if isinstance(value, str):

        def one(match):
            name = match.group(1)
            if name not in variables:
                raise Mismatch(f"unknown variable ${{{name}}}")
            return variables[name]

        return VAR.sub(one, value)
    if isinstance(value, list):
        return [substitute(v, variables) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, variables) for k, v in value.items()}
    return value


def pointer(document, ptr):
    """RFC 6901 JSON pointer; returns (found, value)."""
    if ptr == "":
        return True, document
    current = document
    for raw in ptr.split("/")[1:]:
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(current, dict) and token in current:
            current = current[token]
        elif isinstance(current, list) and token.isdigit() and int(token) < len(current):
            current = current[int(token)]
        else:
            return False, None
    return True, current


def same_scalar(expected, actual):
    if isinstance(expected, bool) or isinstance(actual, bool):
        return isinstance(expected, bool) and isinstance(actual, bool) and expected == actual
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return expected == actual
    return type(expected) is type(actual) and expected == actual


def subset(expected, actual, where):
    """Expected objects are subsets; arrays match element-wise in any order with equal length."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            raise Mismatch(f"{where or '/'}: expected an object, got {json.dumps(actual)}")
        for key, value in expected.items():
            if key not in actual:
                raise Mismatch(f"{where}/{key}: missing (expected {json.dumps(value)})")
            subset(value, actual[key], f"{where}/{key}")
        return
    if isinstance(expected, list):
        if not isinstance(actual, list):
            raise Mismatch(f"{where or '/'}: expected an array, got {json.dumps(actual)}")
        if len(expected) != len(actual):
            raise Mismatch(
                f"{where or '/'}: expected {len(expected)} elements, got {len(actual)}: "
                f"{json.dumps(actual)}"
            )
        unused = list(range(len(actual)))
        for i, element in enumerate(expected):
            for j in unused:
                try:
                    subset(element, actual[j], f"{where}/{j}")
                except Mismatch:
                    continue
                unused.remove(j)
                break
            else:
                raise Mismatch(
                    f"{where or '/'}: no element matches {json.dumps(element)} in "
                    f"{json.dumps(actual)}"
                )
        return
    if not same_scalar(expected, actual):
        raise Mismatch(f"{where or '/'}: expected {json.dumps(expected)}, got {json.dumps(actual)}")


def send(base, token, request):
    method = request["method"]
    url = base + request["path"]
    headers = {}
    if request.get("auth", True):
        headers["Authorization"] = f"Bearer {token}"
    data = None
    if "body" in request:
        data = json.dumps(request["body"]).encode()
        headers["Content-Type"] = DEFAULT_CONTENT_TYPE
    headers.update(request.get("headers", {}))
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def check(step, status, headers, raw):
    expect = step["expect"]
    statuses = expect["status"] if isinstance(expect["status"], list) else [expect["status"]]
    body = None
    if raw:
        content_type = headers.get("Content-Type", "")
        if not content_type.startswith(SCIM_MEDIA_TYPE):
            raise Mismatch(f"Content-Type is {content_type!r}, not {SCIM_MEDIA_TYPE}")
        try:
            body = json.loads(raw)
        except ValueError as error:
            raise Mismatch(f"body is not JSON ({error}): {raw[:500]!r}")
    if status not in statuses:
        raise Mismatch(f"status {status}, expected {statuses}; body: {raw[:1000].decode(errors='replace')}")
    for name, value in expect.get("headers", {}).items():
        actual = headers.get(name)
        if actual is None or not actual.startswith(value):
            raise Mismatch(f"header {name}: expected {value!r}, got {actual!r}")
    if "body" in expect:
        if body is None:
            raise Mismatch("expected a body, got none")
        subset(expect["body"], body, "")
    for ptr in expect.get("present", []):
        if not pointer(body, ptr)[0]:
            raise Mismatch(f"{ptr}: expected to be present in {json.dumps(body)}")
    for ptr in expect.get("absent", []):
        if body is not None and pointer(body, ptr)[0]:
            raise Mismatch(f"{ptr}: expected to be absent from {json.dumps(body)}")
    return body


def pause(label):
    """Hands over to whoever watches REPLAY_PAUSE_FILE; returns when it deletes the file."""
    marker = os.environ.get("REPLAY_PAUSE_FILE")
    if not marker:
        return
    with open(marker, "w", encoding="utf-8") as file:
        file.write(label)
    deadline = time.monotonic() + 120
    while os.path.exists(marker):
        if time.monotonic() > deadline:
            raise Mismatch(f"nobody resumed the replay (REPLAY_PAUSE_FILE={marker})")
        time.sleep(0.02)
    print(f"resumed after {label}")


def replay(path, bases, token):
    with open(path, encoding="utf-8") as file:
        script = json.load(file)
    variables = {"base": bases[0]}
    for number, raw_step in enumerate(script["steps"], start=1):
        label = f"{path} step {number} ({raw_step.get('name', '')})"
        step = raw_step
        base = bases[(number - 1) % len(bases)]
        try:
            step = substitute(raw_step, variables)
            status, headers, raw = send(base, token, step["request"])
            body = check(step, status, headers, raw)
            for name, ptr in step.get("capture", {}).items():
                found, value = pointer(body, ptr)
                if not found or not isinstance(value, str):
                    raise Mismatch(f"capture {name}: {ptr} is not a string in the response")
                variables[name] = value
            if number == len(script["steps"]) // 2:
                pause(label)
        except Mismatch as mismatch:
            request = step["request"]
            print(f"FAILED {label}\n  request: {request['method']} {base}{request['path']}")
            if "body" in request:
                print(f"  request body: {json.dumps(request['body'])}")
            print(f"  {mismatch}")
            return number - 1, 1
        print(f"ok     {label}")
    return len(script["steps"]), 0


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    bases = [b.rstrip("/") for b in sys.argv[1].split(",") if b.strip()]
    token = sys.argv[2]
    passed = failed = 0
    for path in sys.argv[3:]:
        ok, bad = replay(path, bases, token)
        passed += ok
        failed += bad
    print(f"replays: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
