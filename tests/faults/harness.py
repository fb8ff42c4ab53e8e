"""The full stack on private services, for fault tests: a PostgreSQL 15 cluster and a Redis server of
our own (never the shared ones on 5432 and 6379), gunicorn, Celery workers and beat as subprocesses,
an HTTP client, and the measurements the fault tests assert and report."""

import email
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("FAULT_PG_BIN", "/usr/lib/postgresql/15/bin"))
PYTHON = sys.executable
BIN = Path(PYTHON).parent


def missing_binaries() -> str:
    """Why the fault tests cannot run here ("" when they can)."""
    if not (PG_BIN / "initdb").exists() or not (PG_BIN / "pg_ctl").exists():
        return f"PostgreSQL 15 binaries not found in {PG_BIN} (initdb, pg_ctl)"
    if not shutil.which("redis-server"):
        return "redis-server is not installed"
    if os.geteuid() == 0 and not shutil.which("runuser"):
        return "runuser is missing (initdb refuses to run as root)"
    for name in ("gunicorn", "celery"):
        if not (BIN / name).exists():
            return f"{name} is not installed in the virtualenv"
    return ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, *, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


# PostgreSQL ---------------------------------------------------------------------------------------

class PrivatePostgres:
    """A throw-away PostgreSQL cluster in a temporary folder, on a free port, run as `postgres`."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="registry-faults-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")

    def _run(self, *args, check=True, timeout=60):
        return subprocess.run([*self.as_postgres, *map(str, args)], capture_output=True, text=True, check=check,
                              timeout=timeout)

    def init(self) -> None:
        self._run(PG_BIN / "initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8",
                  "--locale", "C.UTF-8")

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-o", options, "-l", self.dir / "log", "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop", check=False)

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def sql(self, statement: str, database: str = "postgres"):
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(statement)
            return cursor.fetchall() if cursor.description else None

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


# Redis --------------------------------------------------------------------------------------------

class PrivateRedis:
    def __init__(self, folder: Path):
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        log = open(self.folder / f"redis-{self.port}.log", "ab")
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(self.ping, timeout=10, what="the private Redis to answer")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()  # no persistence: everything queued in Redis is gone, as in a crash
            self.process.wait(timeout=10)

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"


# The application stack ----------------------------------------------------------------------------

@dataclass
class Proc:
    name: str
    process: subprocess.Popen
    log: Path

    def alive(self) -> bool:
        return self.process.poll() is None

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class Stack:
    """gunicorn, Celery workers and beat against a private database and Redis."""

    def __init__(self, *, folder: Path, database_url: str, redis: PrivateRedis, env: dict | None = None):
        self.folder = folder
        self.port = free_port()
        self.media = folder / "media"
        self.mail = folder / "mail"
        self.media.mkdir(exist_ok=True)
        self.mail.mkdir(exist_ok=True)
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.local", "DJANGO_DEBUG": "false",
            "DATABASE_URL": database_url, "REDIS_URL": redis.url(0), "MEDIA_ROOT": str(self.media),
            "EMAIL_FILE_PATH": str(self.mail), "SITE_URL": f"http://127.0.0.1:{self.port}",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost", "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1", "FAULT_CHECK_SECONDS": "0.3", **(env or {}),
        }
        self.env.pop("EMAIL_URL", None)
        self.procs: dict[str, Proc] = {}
        self.base = f"http://127.0.0.1:{self.port}"

    def _spawn(self, name: str, args: list[str]) -> Proc:
        log = self.folder / f"{name}.log"
        handle = open(log, "ab")
        process = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT,
                                   start_new_session=True)  # its own process group, to kill it whole
        proc = Proc(name, process, log)
        self.procs[name] = proc
        return proc

    def manage(self, *args, timeout=300) -> str:
        result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True,
                                text=True, timeout=timeout)
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
        return result.stdout

    def seed(self, count: int) -> dict:
        result = subprocess.run([PYTHON, "-m", "tests.faults.seed", str(count)], cwd=ROOT, env=self.env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr[-4000:]
        return json.loads(result.stdout.strip().splitlines()[-1])

    def start(self, *, workers: tuple[str, ...], applications: int) -> list[dict]:
        """Start gunicorn, the named workers and beat, seed the database while they boot, and wait until
        the web answers and every worker has written its heartbeat. Returns the seeded applications."""
        for name in workers:
            self.start_worker(name)
        self.start_beat()
        self.start_web(wait=False)
        apps = self.seed(applications)["applications"]
        try:
            wait_for(lambda: self.get("/healthz", timeout=2).status == 200, timeout=60, what="gunicorn to answer")
            wait_for(lambda: set(workers) <= self.live_workers(), timeout=60, what="the workers' heartbeats")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{self.logs()}") from exc
        return apps

    def live_workers(self) -> set[str]:
        rows = self.pg.sql("SELECT name FROM trust_workerheartbeat WHERE stopped_at IS NULL", self.database)
        return {name.split("@")[0] for (name,) in rows}

    def start_web(self, workers: int = 2, threads: int = 4, wait: bool = True) -> Proc:
        proc = self._spawn("web", [str(BIN / "gunicorn"), "config.wsgi:application", "--bind",
                                   f"127.0.0.1:{self.port}", "--workers", str(workers), "--threads", str(threads),
                                   "--timeout", "60", "--graceful-timeout", "5"])
        if wait:
            wait_for(lambda: self.get("/healthz", timeout=2).status == 200, timeout=60, what="gunicorn to answer")
        return proc

    def start_worker(self, name: str, concurrency: int = 2) -> Proc:
        return self._spawn(name, [str(BIN / "celery"), "-A", "tests.support.fault_worker", "worker", "-n",
                                  f"{name}@%h", "-Q", "celery,checks,documents", "--pool", "prefork",
                                  "--concurrency", str(concurrency), "--without-gossip", "--without-mingle",
                                  "-l", "warning"])

    def start_beat(self) -> Proc:
        return self._spawn("beat", [str(BIN / "celery"), "-A", "config", "beat", "-l", "warning",
                                    "--schedule", str(self.folder / "beat-schedule")])

    def kill_group(self, name: str) -> None:
        proc = self.procs[name]
        os.killpg(proc.process.pid, signal.SIGKILL)
        proc.process.wait(timeout=10)

    def stop_all(self) -> None:
        """The test is over: no graceful shutdown to wait for."""
        for proc in self.procs.values():
            try:
                os.killpg(proc.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.process.wait(timeout=10)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name} (exit {p.process.poll()}) ---\n{p.tail()}" for p in self.procs.values())

    # HTTP ---------------------------------------------------------------------------------------------

    def request(self, method: str, path: str, *, token: str | None = None, body: dict | None = None,
                timeout: float = 30) -> "Answer":
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Token {token}"
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        started = time.monotonic()
        try:
            with urllib.request.urlopen(req, timeout=timeout) as response:
                payload, status, hdrs = response.read(), response.status, dict(response.headers)
        except urllib.error.HTTPError as exc:
            payload, status, hdrs = exc.read(), exc.code, dict(exc.headers)
        except (urllib.error.URLError, OSError) as exc:  # refused, reset or timed out: no answer at all
            return Answer(method, path, 0, {}, str(exc).encode(), time.monotonic() - started, started)
        return Answer(method, path, status, hdrs, payload, time.monotonic() - started, started)

    def get(self, path: str, **kwargs) -> "Answer":
        return self.request("GET", path, **kwargs)

    def submit(self, app: dict) -> "Answer":
        return self.request("POST", f"/api/v1/applications/{app['id']}/actions/", token=app["token"],
                            body={"action": "submit"})


@dataclass
class Answer:
    method: str
    path: str
    status: int
    headers: dict
    body: bytes
    seconds: float
    started: float

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")

    def json(self):
        return json.loads(self.body)

    def is_error_format(self) -> bool:
        try:
            body = self.json()
        except ValueError:
            return False
        return set(body) == {"error"} and {"code", "message", "details"} <= set(body["error"])

    def __repr__(self) -> str:
        return f"{self.method} {self.path} -> {self.status} in {self.seconds:.2f} s {self.body[:200]!r}"


def run_parallel(fn, items, workers: int = 8) -> list:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, items))


# What happened, from the database and the mail folder --------------------------------------------------

@dataclass
class Outcome:
    check_runs: int = 0
    check_runs_done: int = 0
    executions: Counter = field(default_factory=Counter)  # executions per run -> how many runs
    case_versions: Counter = field(default_factory=Counter)  # system results per case -> how many cases
    outbox: Counter = field(default_factory=Counter)  # (kind, status) -> rows
    email_rows: int = 0
    mails_by_id: Counter = field(default_factory=Counter)  # Message-ID -> files holding it
    submitted: int = 0

    @property
    def unsettled(self) -> int:
        return sum(n for (kind, status), n in self.outbox.items() if status == "pending")

    @property
    def emails_sent_once(self) -> bool:
        return (len(self.mails_by_id) == self.email_rows
                and all(n == 1 for n in self.mails_by_id.values()))

    @property
    def duplicated_emails(self) -> int:
        return sum(n - 1 for n in self.mails_by_id.values() if n > 1)

    @property
    def lost_emails(self) -> int:
        return max(self.email_rows - len(self.mails_by_id), 0)


def outcome(pg: PrivatePostgres, database: str, mail: Path) -> Outcome:
    out = Outcome()
    rows = pg.sql("SELECT status, executions FROM certification_checkrun", database)
    out.check_runs = len(rows)
    out.check_runs_done = sum(1 for status, _ in rows if status == "done")
    out.executions = Counter(executions for _, executions in rows)
    versions = pg.sql("SELECT count(*) FROM certification_caseresultversion WHERE actor_repr LIKE 'system:%' "
                      "GROUP BY case_id", database)
    out.case_versions = Counter(n for (n,) in versions)
    out.outbox = Counter({(kind, status): n for kind, status, n in pg.sql(
        "SELECT kind, status, count(*) FROM trust_outboxmessage GROUP BY kind, status", database)})
    out.email_rows = sum(n for (kind, _), n in out.outbox.items() if kind == "email")
    out.submitted = pg.sql("SELECT count(*) FROM certification_application WHERE status = 'submitted'",
                           database)[0][0]
    for path in mail.glob("*"):
        for chunk in path.read_text(errors="replace").split("-" * 79):
            if chunk.strip():
                message = email.message_from_string(chunk.strip())
                if message["Message-ID"]:
                    out.mails_by_id[message["Message-ID"]] += 1
    return out


def report(name: str, lines: dict) -> None:
    """One block of figures per fault, printed (pytest -s or -rA shows it) and kept under var/faults/."""
    text = f"[fault] {name}\n" + "\n".join(f"[fault]   {k}: {v}" for k, v in lines.items())
    print(text)
    folder = ROOT / "var" / "faults"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.txt").write_text(text + "\n")
