"""Starting, stopping and killing the example server, and small HTTP helpers, for the CI scripts
(.ci/crash_test.py, .ci/replica_test.py). Only the standard library is used."""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

SCIM_PATH = "/scim/v2"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


class Failed(Exception):
    """A check failed; the message says which and why."""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(method, url, token=None, body=None, timeout=30):
    """One HTTP request; returns (status, parsed JSON body or None). Connection errors raise."""
    headers = {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/scim+json"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    return status, (json.loads(raw) if raw else None)


def fresh_postgres_database(url, name):
    """Creates (or empties) database `name` on the server of `url` and returns its URL.

    Uses psql (the cluster of .ci/postgres: its user may create databases)."""
    psql = shutil.which("psql") or "psql"
    for statement in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'):
        subprocess.run(
            [psql, "-q", "-v", "ON_ERROR_STOP=1", url, "-c", statement],
            check=True,
            env={**os.environ, "PGOPTIONS": "-c client_min_messages=warning"},
        )
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


class ExampleServer:
    """One example server process on a free loopback port, with its own log file."""

    def __init__(self, binary, env, name="server", workdir=None):
        self.binary = binary
        self.name = name
        self.port = free_port()
        self.root = f"http://127.0.0.1:{self.port}"
        self.base = self.root + SCIM_PATH
        self.env = dict(os.environ)
        self.env.update({"SCIM_ADDR": f"127.0.0.1:{self.port}"})
        self.env.update(env)
        self.workdir = workdir or tempfile.mkdtemp(prefix=f"scimitar-{name}-")
        self.log_path = os.path.join(self.workdir, f"{name}.log")
        self.process = None

    def start(self, timeout=60):
        """Starts the process and waits until /healthz answers; raises Failed if it does not."""
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [self.binary], env=self.env, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise Failed(f"{self.name} exited with {self.process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.root + "/healthz", timeout=1):
                    return self
            except OSError:
                time.sleep(0.05)
        raise Failed(f"{self.name} did not answer /healthz within {timeout}s:\n{self.log()}")

    def kill(self):
        """SIGKILL: no shutdown code runs, as in a crash or an OOM kill."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        self.process = None

    def stop(self):
        """SIGTERM and wait (the graceful shutdown)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def log(self, lines=40):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as file:
                return "".join(file.readlines()[-lines:])
        except OSError:
            return "(no log)"


class Client:
    """A keep-alive HTTP/1.1 connection to one server, for the load scripts (.ci/concurrency_test.py,
    .ci/soak.py): one per thread, since http.client connections are not thread-safe. A request
    that fails at the connection level (never answered) raises; nothing is retried silently."""

    def __init__(self, root, token, timeout=60):
        parts = urllib.parse.urlsplit(root)
        self.host, self.port = parts.hostname, parts.port
        self.prefix = parts.path.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.connection = None

    def request(self, method, path, body=None, headers=None):
        """Returns (status, response headers as a lower-cased dict, parsed JSON body or None)."""
        sent = {"Authorization": f"Bearer {self.token}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/scim+json; charset=utf-8"
        if headers:
            sent.update(headers)
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            self.connection.request(method, self.prefix + path, body=data, headers=sent)
            response = self.connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        answer = {k.lower(): v for k, v in response.getheaders()}
        if answer.get("connection", "").lower() == "close":
            self.close()
        return response.status, answer, (json.loads(raw) if raw else None)

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def process_rss_kib(pid):
    """Resident set size of a process in KiB (VmRSS of /proc/PID/status), None if unknown."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None
