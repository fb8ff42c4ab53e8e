"""Benchmark: the public registry at national scale, side by side with a bare Django view and Datasette.

Reproduce (PostgreSQL and Redis; the role needs CREATEDB and may create the pg_trgm extension):

    DATABASE_URL=postgres://USER@HOST:5432/NAME REDIS_URL=redis://127.0.0.1:6379/N \\
        .venv/bin/python bench/bench_public.py [--products 100000] [--duration 10] [--clients 8]

In one run, on the same rows:
1. a database `bench_public` (made, migrated and loaded with `generate_load_data --products N`, unless
   --reuse finds it loaded);
2. the same public rows copied to SQLite with an FTS5 index (diacritics removed by the unicode61
   tokenizer), served by Datasette (installed for the benchmark only, in var/bench/datasette-venv);
3. three servers on this machine: the floor (bare Django views: no middleware, no templates, one or two
   queries each, under the same gunicorn settings), Datasette, and the application under gunicorn
   (config/gunicorn.py, bench/app_settings.py: DEBUG off, Redis cache, throttles counted);
4. for each operation, 8 clients (keep-alive HTTP/1.1) for --duration seconds, once repeating one request
   and once cycling through 1,000 distinct ones; it prints req/s, p50/p95/p99 and the ratios to the floor
   and to Datasette, checks the targets, and measures the memory of a full export (100,000 rows).
The machine is shared: the figures move with other people's load; run it more than once.
"""

import argparse
import http.client
import json
import os
import random
import resource
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
DATASETTE = VAR / "datasette-venv" / "bin" / "datasette"
PORTS = {"floor": 8101, "datasette": 8102, "app": 8103}
BENCH_DB = "bench_public"


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def database_url(name: str) -> str:
    parts = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def psql(sql: str, db: str = "postgres") -> str:
    parts = urllib.parse.urlsplit(database_url(db))
    env = {**os.environ, "PGPASSWORD": urllib.parse.unquote(parts.password or "")}
    return subprocess.run(["psql", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U",
                           parts.username or "postgres", "-d", db, "-At", "-c", sql],
                          check=True, capture_output=True, text=True, env=env).stdout.strip()


def manage(*args: str, settings: str = "config.settings.local") -> None:
    env = {**os.environ, "DATABASE_URL": database_url(BENCH_DB), "DJANGO_SETTINGS_MODULE": settings}
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True, env=env)


def prepare_database(products: int, reuse: bool) -> None:
    exists = psql(f"SELECT 1 FROM pg_database WHERE datname = '{BENCH_DB}'") == "1"
    if reuse and exists:
        manage("migrate", "-v0")  # a database loaded by an older checkout gets this one's schema and indexes
        psql("ANALYZE", BENCH_DB)
        count = psql("SELECT count(*) FROM registry_product", BENCH_DB)
        log(f"reusing {BENCH_DB} ({count} products, migrated)")
        return
    psql(f"DROP DATABASE IF EXISTS {BENCH_DB}")
    psql(f"CREATE DATABASE {BENCH_DB}")
    manage("migrate", "-v0")
    started = time.monotonic()
    manage("generate_load_data", "--products", str(products))
    log(f"loaded in {time.monotonic() - started:.0f} s")
    psql("VACUUM ANALYZE", BENCH_DB)


def export_sqlite(path: Path) -> None:
    """The public rows (products with a certificate) in SQLite with FTS5, for Datasette."""
    import psycopg

    path.unlink(missing_ok=True)
    lite = sqlite3.connect(path)
    lite.executescript("""
        CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT, name_en TEXT, category TEXT, made_in_vietnam
          INTEGER, vendor_id INTEGER, vendor TEXT, tax_code TEXT, province TEXT, status TEXT, serials TEXT);
        CREATE TABLE certificates (serial TEXT PRIMARY KEY, status TEXT, valid_until TEXT, product_id INTEGER,
          product TEXT, vendor TEXT, level TEXT);
        CREATE INDEX products_category ON products(category);
        CREATE INDEX products_status ON products(status);
    """)
    with psycopg.connect(database_url(BENCH_DB)) as pg:
        rows = pg.execute("""
            SELECT p.id, p.name, p.name_en, p.category, p.made_in_vietnam, v.id, v.legal_name, v.tax_code, v.province,
                   (SELECT c.status FROM registry_certificate c WHERE c.product_id = p.id ORDER BY c.issued_at DESC
                    LIMIT 1),
                   (SELECT string_agg(c.serial, ' ') FROM registry_certificate c WHERE c.product_id = p.id)
            FROM registry_product p JOIN registry_vendor v ON v.id = p.vendor_id
            WHERE EXISTS (SELECT 1 FROM registry_certificate c WHERE c.product_id = p.id)""").fetchall()
        lite.executemany("INSERT INTO products VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
        certs = pg.execute("""SELECT c.serial, c.status, c.valid_until::text, c.product_id, p.name,
                              c.vendor_legal_name, c.level FROM registry_certificate c
                              JOIN registry_product p ON p.id = c.product_id""").fetchall()
        lite.executemany("INSERT INTO certificates VALUES (?,?,?,?,?,?,?)", certs)
    lite.executescript("""
        CREATE VIRTUAL TABLE products_fts USING fts5(name, name_en, vendor, tax_code, serials, content=products,
          content_rowid=id, tokenize='unicode61 remove_diacritics 2');
        INSERT INTO products_fts(rowid, name, name_en, vendor, tax_code, serials)
          SELECT id, name, name_en, vendor, tax_code, serials FROM products;
    """)
    lite.commit()
    lite.close()
    (path.parent / "datasette-metadata.json").write_text(json.dumps({"databases": {"registry": {"tables": {
        "products": {"fts_table": "products_fts", "fts_pk": "id"}}}}}))
    log(f"SQLite copy: {len(rows)} products, {len(certs)} certificates")


# Servers -------------------------------------------------------------------------------------------------

def start_servers() -> dict[str, subprocess.Popen]:
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    common = {**os.environ, "DATABASE_URL": database_url(BENCH_DB), "GUNICORN_ACCESS_LOG": "",
              "PYTHONPATH": str(ROOT)}
    logs = {name: open(VAR / f"{name}.log", "w") for name in PORTS}
    servers = {
        "floor": subprocess.Popen([gunicorn, "-c", "config/gunicorn.py", "config.wsgi"], cwd=ROOT, env={
            **common, "DJANGO_SETTINGS_MODULE": "bench.floor_settings", "GUNICORN_BIND": f"127.0.0.1:{PORTS['floor']}"},
            stdout=logs["floor"], stderr=subprocess.STDOUT, start_new_session=True),
        "app": subprocess.Popen([gunicorn, "-c", "config/gunicorn.py", "config.wsgi"], cwd=ROOT, env={
            **common, "DJANGO_SETTINGS_MODULE": "bench.app_settings", "GUNICORN_BIND": f"127.0.0.1:{PORTS['app']}"},
            stdout=logs["app"], stderr=subprocess.STDOUT, start_new_session=True),
        "datasette": subprocess.Popen([str(DATASETTE), "serve", str(VAR / "registry.db"), "-p", str(PORTS["datasette"]),
                                       "--immutable", str(VAR / "registry.db"), "-m",
                                       str(VAR / "datasette-metadata.json"), "--setting", "suggest_facets", "off",
                                       "--setting", "default_page_size", "20", "--setting", "sql_time_limit_ms",
                                       "10000", "--setting", "num_sql_threads", "4"],
                                      cwd=VAR, stdout=logs["datasette"], stderr=subprocess.STDOUT,
                                      start_new_session=True),
    }
    for name, port in PORTS.items():
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if servers[name].poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not start; see {VAR / (name + '.log')}") from None
                time.sleep(0.3)
    log("servers up: " + ", ".join(f"{n} :{p}" for n, p in PORTS.items()))
    return servers


def stop_servers(servers) -> None:
    for process in servers.values():
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for process in servers.values():
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


# Load -------------------------------------------------------------------------------------------------------

def run_load(port: int, requests: list[tuple[str, str, bytes | None]], *, clients: int, duration: float) -> dict:
    """`clients` threads with a keep-alive connection each, cycling through `requests` for `duration` s."""
    latencies: list[float] = []
    errors = [0]
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    stop_at = time.monotonic() + duration

    def worker(offset: int):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine, n = [], offset
        while time.monotonic() < stop_at:
            method, path, body = requests[n % len(requests)]
            n += clients
            headers = {"Content-Type": "application/json"} if body else {}
            started = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status = 0
            mine.append(time.perf_counter() - started)
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status != 200:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)
        connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    latencies.sort()

    def pct(p):
        return latencies[min(int(len(latencies) * p), len(latencies) - 1)] * 1000 if latencies else float("nan")

    return {"rps": len(latencies) / elapsed, "p50": pct(0.5), "p95": pct(0.95), "p99": pct(0.99),
            "n": len(latencies), "errors": errors[0], "statuses": statuses}


# Workloads ----------------------------------------------------------------------------------------------------

SEARCHES = {
    "search: common word": "tường lửa",
    "search: Vietnamese, diacritics": "mã độc",
    "search: Vietnamese, no diacritics": "ma doc",
    "search: fragment (word prefix)": "sentin",
}


def _q(value: str) -> str:
    return urllib.parse.quote(value)


def _datasette_search(query: str, prefix: bool = False) -> str:
    if prefix:
        return f"/registry/products.json?_search={_q(query + '*')}&_searchmode=raw&_size=20&_shape=objects"
    return f"/registry/products.json?_search={_q(query)}&_size=20&_shape=objects"


def workloads(rows) -> list[dict]:
    """Each operation: requests for floor / datasette / app, repeated (one request) and distinct (1,000)."""
    rng = random.Random(5)
    vocabulary = rows["vocabulary"]
    distinct_queries = []
    while len(distinct_queries) < 1000:
        words = rng.sample(vocabulary, rng.choice([1, 1, 2]))
        query = " ".join(words)
        if rng.random() < 0.3:
            query = query[:max(3, len(query) - rng.randint(1, 3))]  # typed halfway: a prefix
        if query not in distinct_queries:
            distinct_queries.append(query)
    categories = ["firewall", "waf", "siem", "ips", "anti_malware", "edr", "nac", "vpn"]
    statuses = ["active", "suspended", "revoked", "expired"]
    filters = [(c, s, p) for c in categories for s in statuses for p in rows["provinces"]]
    rng.shuffle(filters)
    ops = []
    for label, query in SEARCHES.items():
        prefix = "fragment" in label
        ops.append({"label": label, "kind": "search",
                    "floor": [("GET", f"/search/?q={_q(query)}", None)],
                    "datasette": [("GET", _datasette_search(query, prefix), None)],
                    "app": [("GET", f"/api/v1/products/?q={_q(query)}", None)],
                    "page": [("GET", f"/?q={_q(query)}", None)],
                    "distinct": {
                        "floor": [("GET", f"/search/?q={_q(q)}", None) for q in distinct_queries],
                        "datasette": [("GET", _datasette_search(q, True), None) for q in distinct_queries],
                        "app": [("GET", f"/api/v1/products/?q={_q(q)}", None) for q in distinct_queries],
                        "page": [("GET", f"/?q={_q(q)}", None) for q in distinct_queries]}})
        if label != "search: common word":
            ops[-1]["distinct"] = None  # one distinct-query run for all searches (below)
    ops[0]["label_distinct"] = "search: 1,000 distinct queries"
    ops.append({"label": "filter: category + status", "kind": "filter",
                "floor": [("GET", "/search/?category=firewall&certificate_status=active", None)],
                "datasette": [("GET", "/registry/products.json?category=firewall&status=active&_size=20", None)],
                "app": [("GET", "/api/v1/products/?category=firewall&certificate_status=active", None)],
                "page": [("GET", "/?category=firewall&certificate_status=active", None)],
                "distinct": {
                    "floor": [("GET", f"/search/?category={c}&certificate_status={s}", None) for c, s, p in filters],
                    "datasette": [("GET", f"/registry/products.json?category={c}&status={s}&province={p}&_size=20",
                                   None) for c, s, p in filters[:1000]],
                    "app": [("GET", f"/api/v1/products/?category={c}&certificate_status={s}&province={p}", None)
                            for c, s, p in filters[:1000]],
                    "page": [("GET", f"/?category={c}&certificate_status={s}&province={p}", None)
                             for c, s, p in filters[:1000]]}})
    ids, serials = rows["product_ids"], rows["serials"]
    ops.append({"label": "one product", "kind": "product",
                "floor": [("GET", f"/products/{ids[0]}/", None)],
                "datasette": [("GET", f"/registry/products/{ids[0]}.json", None)],
                "app": [("GET", f"/api/v1/products/{ids[0]}/", None)],
                "page": [("GET", f"/products/{ids[0]}/", None)],
                "distinct": {"floor": [("GET", f"/products/{i}/", None) for i in ids],
                             "datasette": [("GET", f"/registry/products/{i}.json", None) for i in ids],
                             "app": [("GET", f"/api/v1/products/{i}/", None) for i in ids],
                             "page": [("GET", f"/products/{i}/", None) for i in ids]}})
    ops.append({"label": "one certificate", "kind": "certificate",
                "floor": [("GET", f"/certificates/{serials[0]}/", None)],
                "datasette": [("GET", f"/registry/certificates/{serials[0]}.json", None)],
                "app": [("GET", f"/api/v1/certificates/{serials[0]}/", None)],
                "page": [("GET", f"/verify/{serials[0]}/", None)],
                "distinct": {"floor": [("GET", f"/certificates/{s}/", None) for s in serials],
                             "datasette": [("GET", f"/registry/certificates/{s}.json", None) for s in serials],
                             "app": [("GET", f"/api/v1/certificates/{s}/", None) for s in serials],
                             "page": [("GET", f"/verify/{s}/", None) for s in serials]}})
    body = json.dumps({"serials": rows["bulk"]}).encode()
    ops.append({"label": "bulk 10,000 serials", "kind": "bulk",
                "floor": [("POST", "/bulk/", body)], "datasette": None,
                "app": [("POST", "/api/v1/certificates/status/", body)], "page": None, "distinct": None})
    return ops


def sample_rows() -> dict:
    import psycopg

    with psycopg.connect(database_url(BENCH_DB)) as pg:
        names = [r[0] for r in pg.execute(
            "SELECT name FROM registry_product p WHERE EXISTS (SELECT 1 FROM registry_certificate c "
            "WHERE c.product_id = p.id) ORDER BY p.id LIMIT 3000").fetchall()]
        ids = [r[0] for r in pg.execute(
            "SELECT DISTINCT product_id FROM registry_certificate ORDER BY product_id LIMIT 1000").fetchall()]
        serials = [r[0] for r in pg.execute("SELECT serial FROM registry_certificate ORDER BY md5(serial) LIMIT 10000"
                                            ).fetchall()]
        provinces = [r[0] for r in pg.execute("SELECT DISTINCT province FROM registry_vendor WHERE province <> ''")]
    vocabulary = sorted({w for n in names for w in n.replace("#", " ").split() if len(w) > 2 and not w.isdigit()})
    bulk = serials[:9000] + [f"VN-CSP-1999-{i:05d}" for i in range(1000)]
    return {"vocabulary": vocabulary, "product_ids": ids, "serials": serials[:1000], "bulk": bulk,
            "provinces": provinces}


def export_memory() -> str:
    """Peak memory of a process that streams the export of every product (staff see all of them)."""
    code = r"""
import os, resource, sys, time, django
sys.path.insert(0, os.getcwd())
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.app_settings"
django.setup()
from django.test import Client
from accounts.models import User
from accounts.roles import roles_ensure, user_role_add
roles_ensure()
staff, _ = User.objects.get_or_create(email="bench-staff@generated.vn")
user_role_add(staff, "staff")
client = Client()
client.force_login(staff)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.monotonic()
response = client.get("/api/v1/products/export/", {"format": "csv"})
size = rows = 0
for chunk in response.streaming_content:
    size += len(chunk); rows += chunk.count(b"\n")
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"{rows - 1} rows, {size / 1e6:.1f} MB CSV in {time.monotonic() - started:.1f} s; peak RSS "
      f"{before / 1024:.0f} MB before, {after / 1024:.0f} MB after (+{(after - before) / 1024:.0f} MB)")
"""
    env = {**os.environ, "DATABASE_URL": database_url(BENCH_DB)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    return (out.stdout.strip() or out.stderr.strip()[-500:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--reuse", action="store_true", help="reuse a loaded bench_public database")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--only", default="", help="run only operations whose label contains this")
    args = parser.parse_args()
    if not DATASETTE.exists():
        log("installing Datasette into var/bench/datasette-venv (benchmark only, never a project dependency)")
        subprocess.run([sys.executable, "-m", "venv", str(VAR / "datasette-venv")], check=True)
        subprocess.run([str(VAR / "datasette-venv" / "bin" / "pip"), "install", "-q", "datasette==0.65.5"], check=True)
    VAR.mkdir(parents=True, exist_ok=True)
    prepare_database(args.products, args.reuse)
    export_sqlite(VAR / "registry.db")
    rows = sample_rows()
    servers = start_servers()
    results = []
    try:
        for op in workloads(rows):
            if args.only and args.only not in op["label"]:
                continue
            for workload in ("repeated", "distinct"):
                if workload == "distinct" and not op.get("distinct"):
                    continue
                label = op["label"] if workload == "repeated" else op.get("label_distinct", op["label"])
                row = {"label": label, "workload": workload}
                for system in ("floor", "datasette", "app", "page"):
                    requests = op[system] if workload == "repeated" else (op["distinct"] or {}).get(system)
                    if not requests:
                        continue
                    port = PORTS["app" if system == "page" else system]
                    clients = args.clients if op["kind"] != "bulk" else 2
                    run_load(port, requests[:50], clients=clients, duration=1.0)  # warm up (and fill caches)
                    row[system] = run_load(port, requests, clients=clients, duration=args.duration)
                    r = row[system]
                    log(f"{label:<40} {workload:<9} {system:<10} {r['rps']:8.1f} req/s  p50 {r['p50']:7.1f}  "
                        f"p95 {r['p95']:7.1f}  p99 {r['p99']:7.1f} ms  ({r['n']} req, {r['errors']} not 200: "
                        f"{r['statuses']})")
                results.append(row)
        memory = export_memory()
    finally:
        stop_servers(servers)
        if not args.keep and not args.reuse:
            psql(f"DROP DATABASE IF EXISTS {BENCH_DB}")
    report(results, args, memory)


def report(results, args, memory) -> None:
    print(f"\nPublic registry benchmark: {args.products:,} products, {args.clients} clients, {args.duration:.0f} s "
          f"per cell, {os.cpu_count()} cores (shared). req/s and latency p50/p95/p99 in ms.\n")
    header = f"{'operation':<40} {'workload':<9} {'system':<10} {'req/s':>9} {'p50':>8} {'p95':>8} {'p99':>8} " \
             f"{'vs floor':>9} {'vs Datasette':>13}"
    print(header)
    print("-" * len(header))
    for row in results:
        floor, peer = row.get("floor"), row.get("datasette")
        for system in ("floor", "datasette", "app", "page"):
            r = row.get(system)
            if not r:
                continue
            vs_floor = f"{r['rps'] / floor['rps']:.2f}x" if floor and system in ("app", "page") else ""
            vs_peer = f"{r['rps'] / peer['rps']:.2f}x" if peer and system in ("app", "page") else ""
            print(f"{row['label']:<40} {row['workload']:<9} {system:<10} {r['rps']:9.1f} {r['p50']:8.1f} "
                  f"{r['p95']:8.1f} {r['p99']:8.1f} {vs_floor:>9} {vs_peer:>13}")
    print("\nTargets:")
    for row in results:
        app, floor, peer = row.get("app"), row.get("floor"), row.get("datasette")
        if not app:
            continue
        label = row["label"]
        if label.startswith("search") and row["workload"] == "repeated":
            ok = app["rps"] >= 0.3 * floor["rps"] and app["p95"] <= 50
            print(f"  {'PASS' if ok else 'MISS'} {label}: repeated >= 0.3x floor ({app['rps'] / floor['rps']:.2f}x) "
                  f"and p95 <= 50 ms ({app['p95']:.1f})")
        if label.startswith("search") and row["workload"] == "distinct" and peer:
            ok = app["rps"] >= 3 * peer["rps"]
            print(f"  {'PASS' if ok else 'MISS'} {label}: >= 3x Datasette ({app['rps'] / peer['rps']:.2f}x)")
        if label in ("one product", "one certificate"):
            ok = app["rps"] >= 0.5 * floor["rps"]
            print(f"  {'PASS' if ok else 'MISS'} {label} ({row['workload']}): >= 0.5x floor "
                  f"({app['rps'] / floor['rps']:.2f}x)")
        if label.startswith("bulk"):
            ok = app["p50"] <= 300
            print(f"  {'PASS' if ok else 'MISS'} {label}: within 300 ms (p50 {app['p50']:.0f}, p95 {app['p95']:.0f})")
    print(f"\nFull export memory: {memory}")
    load1, load5, _ = os.getloadavg()
    print(f"Machine load average during the run: {load1:.1f} (1 min), {load5:.1f} (5 min); "
          f"bench process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
