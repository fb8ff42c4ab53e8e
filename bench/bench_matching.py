"""Benchmark: parse the Keycloak SBOM (903 components) and match it against >= 100,000 advisories.

Reproduce (PostgreSQL, the deployment database):

    cd /work/main   # the checkout, with ../shared/data beside it
    DATABASE_URL=postgres://USER@HOST:5432/NAME .venv/bin/python bench/bench_matching.py

The script never touches NAME itself: like the test runner it creates a throw-away database
`bench_NAME` (Django's test-database utilities; the role needs CREATEDB), migrates it, and drops it
at the end. Without DATABASE_URL it runs on a temporary SQLite file, which is fine for a smoke run but
not the figure to report. Options: --advisories N (default 100000), --small N (default 10000),
--repeat N (default 5), --keep (keep the test database).

What it does: imports the real OSV records in ../shared/data/osv, then bulk-inserts synthetic
advisories with a realistic spread (Maven 40 %, npm 35 %, PyPI 25 %; 1-3 affected packages and
1-2 ranges each; many advisories per package name). --real of them (default 1000, all in the first
round) name real Keycloak components, half with ranges that hold Keycloak's version and half with
ranges that do not; the second round only adds unrelated advisories. It measures, at the small
table size and again at the full one:

* parse time of the Keycloak SBOM with certification.sbom.sbom_parse;
* match time of certification.vulndb.matching.components_match: once cold (no cached versions or
  ranges in the process) and warm (median and best of --repeat runs);
* peak Python memory during matching (tracemalloc) and the process's peak RSS (ru_maxrss);
* the number of candidate rows and queries, which depend on the SBOM, not on the table.
"""

import argparse
import os
import random
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

KEYCLOAK = ROOT.parent / "shared" / "data" / "sbom" / "cyclonedx" / "real" / "keycloak-10.0.2.cdx-1.2.json"
OSV_DIRS = [ROOT.parent / "shared" / "data" / "osv" / d for d in ("ghsa", "go-vulndb", "osv-schema-linter-testdata")]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def synthetic_advisories(start: int, count: int, keycloak: list, rng: random.Random, real_names: int = 0):
    """Yield (Advisory, [AdvisoryPackage]) pairs; ids continue from `start` so batches can be added.

    `real_names` of them (spread at random) name a real Keycloak component instead of a synthetic one.
    """
    from decimal import Decimal

    from django.utils import timezone

    from certification.models import Advisory, AdvisoryPackage
    from certification.vulndb.matching import component_package_key

    now = timezone.now()
    ratings = [("low", "3.1"), ("medium", "5.3"), ("high", "7.5"), ("critical", "9.8")]
    real_slots = set(rng.sample(range(start, start + count), min(real_names, count))) if keycloak else set()
    for n in range(start, start + count):
        rating, score = rng.choice(ratings)
        advisory = Advisory(osv_id=f"SYN-{n:07d}", modified=now, summary=f"Synthetic advisory {n}",
                            aliases=[f"CVE-2099-{n:07d}"], severity_rating=rating, severity_score=Decimal(score),
                            source="Synthetic (benchmark)")
        packages = []
        for i in range(rng.choice((1, 1, 1, 2, 3))):
            roll = rng.random()
            if n in real_slots and i == 0:
                # A real Keycloak component: half of these ranges hold its version, half do not.
                component = rng.choice(keycloak)
                purl_type, name = component_package_key(component)
                if rng.random() < 0.5:
                    events = [{"introduced": "0"}, {"fixed": "99999"}]
                else:
                    events = [{"introduced": "99990"}, {"fixed": "99991"}]
                ecosystem = {"maven": "Maven", "npm": "npm", "pypi": "PyPI"}.get(purl_type, "Maven")
            elif roll < 0.40:
                purl_type, ecosystem = "maven", "Maven"
                name = f"org.synthetic{rng.randrange(8000)}:artifact-{rng.randrange(5)}"
                events = _random_events(rng)
            elif roll < 0.75:
                purl_type, ecosystem = "npm", "npm"
                name = f"synthetic-pkg-{rng.randrange(15000)}"
                events = _random_events(rng)
            else:
                purl_type, ecosystem = "pypi", "PyPI"
                name = f"synthetic-lib-{rng.randrange(9000)}"
                events = _random_events(rng)
            ranges = [{"type": "ECOSYSTEM", "events": events}]
            if rng.random() < 0.3:
                ranges.append({"type": "ECOSYSTEM", "events": _random_events(rng)})
            fixed = ", ".join(e["fixed"] for r in ranges for e in r["events"] if "fixed" in e)
            packages.append(AdvisoryPackage(ecosystem=ecosystem, name=name, purl_type=purl_type, ranges=ranges,
                                            versions=[], fixed_version=fixed[:200]))
        yield advisory, packages


def _random_events(rng: random.Random) -> list[dict]:
    major, minor = rng.randrange(0, 10), rng.randrange(0, 20)
    intro = "0" if rng.random() < 0.3 else f"{major}.{minor}.0"
    return [{"introduced": intro}, {"fixed": f"{major}.{minor}.{rng.randrange(1, 30)}"}]


def insert(start: int, count: int, keycloak: list, rng: random.Random, *, real_names: int,
           batch: int = 5000) -> float:
    from django.db import transaction

    from certification.models import Advisory, AdvisoryPackage

    t0 = time.perf_counter()
    pending = []
    for pair in synthetic_advisories(start, count, keycloak, rng, real_names):
        pending.append(pair)
        if len(pending) >= batch:
            _flush(pending, Advisory, AdvisoryPackage, transaction)
            pending = []
    _flush(pending, Advisory, AdvisoryPackage, transaction)
    return time.perf_counter() - t0


def _flush(pending, Advisory, AdvisoryPackage, transaction):
    if not pending:
        return
    with transaction.atomic():
        advisories = Advisory.objects.bulk_create([a for a, _ in pending])
        rows = []
        for advisory, packages in zip(advisories, [p for _, p in pending], strict=True):
            for package in packages:
                package.advisory_id = advisory.pk
                rows.append(package)
        AdvisoryPackage.objects.bulk_create(rows, batch_size=5000)


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE certification_advisory")
            cursor.execute("ANALYZE certification_advisorypackage")
        elif connection.vendor == "sqlite":
            cursor.execute("ANALYZE")


def measure(components, repeat: int) -> dict:
    from django.db import connection, reset_queries

    from certification import matching
    from certification.vulndb.matching import components_match

    # Cold: no parsed versions or ranges cached in this process (as in a fresh worker).
    matching._parse.cache_clear()
    matching._range_intervals.cache_clear()
    t0 = time.perf_counter()
    components_match(components)
    cold = time.perf_counter() - t0
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = components_match(components)
        times.append(time.perf_counter() - t0)
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    reset_queries()
    result = components_match(components)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return {
        "match_cold_s": cold, "match_median_s": statistics.median(times), "match_best_s": min(times),
        "peak_tracemalloc_mb": peak / (1024 * 1024), "ru_maxrss_mb": _rss_mb(),
        "matches": len(result.matches), "candidates": result.candidates, "queries": result.queries,
        "warnings": len(result.warnings), "vendor": connection.vendor,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--advisories", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--real", type=int, default=1000,
                        help="synthetic advisories naming real Keycloak components (half of them matching)")
    parser.add_argument("--keep", action="store_true", help="keep the test database")
    args = parser.parse_args()
    if not KEYCLOAK.exists():
        print(f"missing {KEYCLOAK}: ../shared/data must be beside the checkout", file=sys.stderr)
        return 2

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    from certification.models import Advisory, AdvisoryPackage
    from certification.sbom import sbom_parse
    from certification.vulndb.osv import osv_import

    settings.CELERY_TASK_ALWAYS_EAGER = True
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    if connection.vendor != "sqlite":
        # Its own name, so a benchmark never collides with the test suite's test_NAME.
        connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_{old_name}"
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False,
                                                 keepdb=args.keep)
    print(f"database: {connection.vendor} {test_db} (throw-away; {old_name} untouched)")
    try:
        data = KEYCLOAK.read_bytes()
        t0 = time.perf_counter()
        parsed = sbom_parse(data, filename=KEYCLOAK.name, max_bytes=settings.ARTIFACT_MAX_BYTES)
        parse_s = time.perf_counter() - t0
        components = parsed.components
        print(f"SBOM: {KEYCLOAK.name}, {len(data):,} bytes, {len(components)} components; "
              f"parse {parse_s:.3f} s")

        report = osv_import([d for d in OSV_DIRS if d.exists()], rematch=False)
        print(f"real OSV records imported: {report.created} (skipped {len(report.skipped)})")
        rng = random.Random(20240601)
        keyed = [c for c in components if c.purl_type in ("maven", "npm", "pypi")]

        results = {}
        done = 0
        for target in (args.small, args.advisories):
            # The advisories naming Keycloak's components all come in the first round; the second only
            # grows the table, so equal figures show that cost follows the SBOM, not the table size.
            took = insert(done, target - done, keyed, rng, real_names=args.real if done == 0 else 0)
            done = target
            analyze()
            total = Advisory.objects.count()
            packages = AdvisoryPackage.objects.count()
            print(f"\n{total:,} advisories ({packages:,} affected-package rows); inserted in {took:.1f} s")
            figures = measure(components, args.repeat)
            results[target] = figures
            print(f"  match: cold {figures['match_cold_s'] * 1000:.1f} ms; warm median "
                  f"{figures['match_median_s'] * 1000:.1f} ms, best {figures['match_best_s'] * 1000:.1f} ms "
                  f"over {args.repeat} runs")
            print(f"  peak Python memory during one match (tracemalloc): {figures['peak_tracemalloc_mb']:.2f} MB")
            print(f"  process peak RSS so far (ru_maxrss): {figures['ru_maxrss_mb']:.1f} MB")
            print(f"  findings {figures['matches']}, candidate rows {figures['candidates']}, "
                  f"queries {figures['queries']}, warnings {figures['warnings']}")

        small, large = results[args.small], results[args.advisories]
        print("\nsummary")
        print(f"  parse (Keycloak, 903 components): {parse_s:.3f} s")
        for size, figures in results.items():
            print(f"  {size:>7,} synthetic advisories: match cold {figures['match_cold_s'] * 1000:7.1f} ms, "
                  f"warm {figures['match_median_s'] * 1000:7.1f} ms, "
                  f"tracemalloc peak {figures['peak_tracemalloc_mb']:6.2f} MB, candidates {figures['candidates']}")
        ratio = large["peak_tracemalloc_mb"] / max(small["peak_tracemalloc_mb"], 1e-9)
        print(f"  memory ratio {args.advisories:,} vs {args.small:,}: {ratio:.2f}x "
              "(grows with the candidate rows for this SBOM, not with the table)")
        ok = max(large["match_cold_s"], large["match_median_s"]) < 2.0
        print(f"  match under 2 s at {args.advisories:,}: {'yes' if ok else 'NO'}")
        return 0 if ok else 1
    finally:
        if not args.keep:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    sys.exit(main())
