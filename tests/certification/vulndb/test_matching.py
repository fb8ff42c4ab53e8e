import json
from types import SimpleNamespace

import pytest

from certification.sbom import sbom_parse
from certification.vulndb.matching import (
    component_package_key,
    components_match,
    version_affected,
)
from certification.vulndb.osv import osv_import
from tests.certification.vulndb.osv_support import OSV, REAL_OSV_DIRS, SBOM, needs_data, osv_record


def _ecosystem_range(*events, kind="ECOSYSTEM"):
    return [{"type": kind, "events": list(events)}]


def _affected(ecosystem, version, ranges=(), versions=()):
    return version_affected(ecosystem=ecosystem, ranges=list(ranges), versions=list(versions), version=version)


# Version ranges per ecosystem, hand-written -----------------------------------------------------
# Each case: (ecosystem, events, version, affected?). `fixed` excludes its own version,
# `last_affected` includes it, `introduced` includes it, "0" means from the very first version.

RANGE_CASES = [
    # npm (node-semver ordering): pre-releases sort before the release.
    ("npm", [{"introduced": "0"}, {"fixed": "4.17.21"}], "4.17.20", True),
    ("npm", [{"introduced": "0"}, {"fixed": "4.17.21"}], "4.17.21", False),
    ("npm", [{"introduced": "5.0.0-alpha.1"}, {"fixed": "5.0.0-beta.3"}], "5.0.0-beta.1", True),
    ("npm", [{"introduced": "5.0.0-alpha.1"}, {"fixed": "5.0.0-beta.3"}], "5.0.0", False),
    ("npm", [{"introduced": "1.0.0"}, {"last_affected": "1.2.5"}], "1.2.5", True),
    ("npm", [{"introduced": "1.0.0"}, {"last_affected": "1.2.5"}], "1.2.6", False),
    # PyPI (PEP 440): 2.0rc1 comes before 2.0; 2.0.post1 after it; "2.0" equals "2.0.0".
    ("PyPI", [{"introduced": "1.5"}, {"fixed": "2.0"}], "2.0rc1", True),
    ("PyPI", [{"introduced": "1.5"}, {"fixed": "2.0"}], "2.0.0", False),
    ("PyPI", [{"introduced": "1.5"}, {"fixed": "2.0"}], "1.5", True),
    ("PyPI", [{"introduced": "1.5"}, {"fixed": "2.0"}], "1.4.9", False),
    ("PyPI", [{"introduced": "0"}, {"last_affected": "2.0"}], "2.0.post1", False),
    # Maven (ComparableVersion): qualifiers like -jre, SNAPSHOT before release, .Final equals release.
    ("Maven", [{"introduced": "1.0"}, {"fixed": "32.0.0"}], "25.0-jre", True),
    # An unknown qualifier sorts after the release in Maven, so 32.0.0-android is past the fix.
    ("Maven", [{"introduced": "1.0"}, {"fixed": "32.0.0"}], "32.0.0-android", False),
    ("Maven", [{"introduced": "0"}, {"fixed": "2.0"}], "2.0-SNAPSHOT", True),
    ("Maven", [{"introduced": "0"}, {"fixed": "5.4.24"}], "5.4.24.Final", False),
    ("Maven", [{"introduced": "1.1.100"}, {"fixed": "2.0.206"}], "1.4.197", True),
    # Go (semver with v prefix and pseudo-versions), SEMVER ranges as the Go database writes them.
    ("Go", [{"introduced": "0"}, {"fixed": "0.0.0-20220906165146-f3363e06e74c"}],
     "v0.0.0-20200707034311-ab3426394381", True),
    ("Go", [{"introduced": "0"}, {"fixed": "0.0.0-20220906165146-f3363e06e74c"}],
     "v0.0.0-20221001000000-000000000000", False),
    ("Go", [{"introduced": "0"}, {"fixed": "1.4.1"}], "v1.4.1", False),
    ("Go", [{"introduced": "0"}, {"fixed": "1.21.12"}, {"introduced": "1.22.0-0"}, {"fixed": "1.22.5"}],
     "go1.22.3", True),
    ("Go", [{"introduced": "0"}, {"fixed": "1.21.12"}, {"introduced": "1.22.0-0"}, {"fixed": "1.22.5"}],
     "1.21.13", False),
    # Packagist (composer): "v" prefixes and -RC suffixes.
    ("Packagist", [{"introduced": "7.0.0"}, {"fixed": "7.4.3"}], "v7.4.2", True),
    ("Packagist", [{"introduced": "7.0.0"}, {"fixed": "7.4.3"}], "7.4.3", False),
    ("Packagist", [{"introduced": "0"}, {"fixed": "6.5.6"}], "6.5.8", False),
    ("Packagist", [{"introduced": "0"}, {"fixed": "2.0.0"}], "2.0.0-RC1", True),
    # crates.io (Cargo semver).
    ("crates.io", [{"introduced": "1.19.0"}, {"fixed": "1.20.3"}], "1.19.2", True),
    ("crates.io", [{"introduced": "1.19.0"}, {"fixed": "1.20.3"}], "1.18.9", False),
    ("crates.io", [{"introduced": "0.0.0-0"}, {"fixed": "0.3.0"}], "0.3.0-beta.2", True),
    # NuGet: four-part versions and pre-release labels.
    ("NuGet", [{"introduced": "2.18.0"}, {"fixed": "2.29.4"}], "2.29.3.1", True),
    ("NuGet", [{"introduced": "2.18.0"}, {"fixed": "2.29.4"}], "2.29.4", False),
    ("NuGet", [{"introduced": "0"}, {"fixed": "6.0.0"}], "6.0.0-preview.7", True),
    # RubyGems: "1.2.3.pre" is a pre-release of 1.2.3; 1.10 comes after 1.9.
    ("RubyGems", [{"introduced": "0"}, {"fixed": "1.2.3"}], "1.2.3.pre", True),
    ("RubyGems", [{"introduced": "0"}, {"fixed": "1.2.3"}], "1.2.3", False),
    ("RubyGems", [{"introduced": "1.9"}, {"last_affected": "1.10"}], "1.10", True),
    ("RubyGems", [{"introduced": "1.9"}, {"last_affected": "1.10"}], "1.11", False),
]


@pytest.mark.parametrize(("ecosystem", "events", "version", "expected"), RANGE_CASES)
def test_matching_version_ranges_per_ecosystem(ecosystem, events, version, expected):
    kind = "SEMVER" if ecosystem == "Go" else "ECOSYSTEM"
    verdict = _affected(ecosystem, version, _ecosystem_range(*events, kind=kind))
    assert verdict.affected is expected
    assert verdict.warnings == []


def test_matching_fixed_version_reported_for_the_matching_interval():
    ranges = [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "6.2.4"}]},
              {"type": "ECOSYSTEM", "events": [{"introduced": "6.7.0"}, {"fixed": "6.7.3"}]}]
    assert _affected("npm", "6.7.1", ranges).fixed_version == "6.7.3"
    last = _affected("npm", "1.0.0", _ecosystem_range({"introduced": "0"}, {"last_affected": "1.0.0"}))
    assert last.affected and last.fixed_version == ""  # no fix is known


def test_matching_open_ended_and_limit_events():
    assert _affected("Go", "v3.2.0", _ecosystem_range({"introduced": "0.0.0-20150717181359-44718f8a89b0"},
                                                      kind="SEMVER")).affected
    limited = _ecosystem_range({"introduced": "1.0.0"}, {"limit": "2.0.0"})
    assert _affected("npm", "1.5.0", limited).affected
    assert not _affected("npm", "2.1.0", limited).affected


def test_matching_explicit_versions_and_git_ranges():
    git = [{"type": "GIT", "repo": "https://example.invalid/r",
            "events": [{"introduced": "0"}, {"fixed": "74ea7cf7a6a27a4eeb2ae24e162bcc942a6706d5"}]}]
    assert _affected("PyPI", "2.10.0", git, versions=["2.10.0", "2.11.0"]).affected
    assert _affected("PyPI", "2.10", git, versions=["2.10.0"]).affected  # PEP 440: 2.10 == 2.10.0
    assert not _affected("PyPI", "2.12.0", git, versions=["2.10.0"]).affected


def test_matching_unparseable_versions_warn_and_never_crash():
    verdict = _affected("PyPI", "not a version!", _ecosystem_range({"introduced": "0"}, {"fixed": "1.0"}))
    assert not verdict.affected and "unparseable PyPI version" in verdict.warnings[0]
    broken_range = _affected("npm", "1.0.0", _ecosystem_range({"introduced": "0"}, {"fixed": "banana"}))
    assert not broken_range.affected and "unparseable npm version in range" in broken_range.warnings[0]
    assert not _affected("SomethingElse", "1.0", _ecosystem_range({"introduced": "0"})).affected
    assert _affected("npm", "", _ecosystem_range({"introduced": "0"})).warnings == ["component has no version"]


@pytest.mark.parametrize(("purl_type", "namespace", "name", "key"), [
    ("pypi", "", "Django_Rest.Framework", ("pypi", "django-rest-framework")),
    ("npm", "@babel", "traverse", ("npm", "@babel/traverse")),
    ("maven", "org.yaml", "snakeyaml", ("maven", "org.yaml:snakeyaml")),
    ("golang", "github.com/kataras/iris", "v12", ("golang", "github.com/kataras/iris/v12")),
    ("composer", "GuzzleHttp", "Guzzle", ("composer", "guzzlehttp/guzzle")),
    ("nuget", "", "Moment.js", ("nuget", "moment.js")),
    ("gem", "", "Rails", ("gem", "Rails")),
    ("cargo", "", "tokio", ("cargo", "tokio")),
])
def test_matching_component_keys(purl_type, namespace, name, key):
    component = SimpleNamespace(purl_type=purl_type, purl_namespace=namespace, purl_name=name, purl="")
    assert component_package_key(component) == key


def test_matching_distribution_packages_use_upstream_name():
    component = SimpleNamespace(purl_type="deb", purl_namespace="debian", purl_name="libssl1.1",
                                purl="pkg:deb/debian/libssl1.1@1.1.0l-1~deb9u5?arch=amd64&upstream=openssl&distro=debian-9")
    assert component_package_key(component) == ("deb", "openssl")


# The real SBOMs against the real advisories --------------------------------------------------------

def _parse(relative: str):
    path = SBOM / relative
    return sbom_parse(path.read_bytes(), filename=path.name)


def _pairs(result) -> set[tuple[str, str, str]]:
    return {(m.component.purl, m.advisory.osv_id, m.fixed_version) for m in result.matches}


@pytest.fixture
def real_advisories(db):
    osv_import(REAL_OSV_DIRS)


@needs_data
def test_matching_real_sboms_hand_verified(real_advisories):
    juice = _pairs(components_match(_parse("cyclonedx/real/juice-shop-11.1.2.cdx-1.2.json").components))
    # GHSA-35jh-r3h4-6jhm (lodash): introduced 0, fixed 4.17.21. 4.17.19 < 4.17.21, so affected.
    assert ("pkg:npm/lodash@4.17.19", "GHSA-35jh-r3h4-6jhm", "4.17.21") in juice
    # GHSA-hrpp-h998-j3pp (qs) has nine ranges; [6.7.0, 6.7.3) holds 6.7.0 because `introduced` is inclusive.
    assert ("pkg:npm/qs@6.7.0", "GHSA-hrpp-h998-j3pp", "6.7.3") in juice
    # GHSA-v88g-cgmw-v5xw (ajv): fixed 6.12.3. The SBOM has ajv 6.12.3 itself: equal to fixed is NOT affected.
    assert not any(purl == "pkg:npm/ajv@6.12.3" for purl, _, _ in juice)

    flat = _pairs(components_match(_parse("cyclonedx/real/juice-shop-via-npm-flat.cdx-1.4.json").components))
    # The newer Juice Shop ships lodash 4.17.21 = the fixed version of GHSA-35jh: NOT affected (boundary),
    # while its bundled lodash 2.4.2 still is.
    assert not any(purl == "pkg:npm/lodash@4.17.21" for purl, _, _ in flat)
    assert ("pkg:npm/lodash@2.4.2", "GHSA-35jh-r3h4-6jhm", "4.17.21") in flat
    # GHSA-wc69-rhjr-hc9g (moment): [2.18.0, 2.29.4); the flat SBOM has moment 2.29.4: NOT affected.
    assert not any(purl == "pkg:npm/moment@2.29.4" for purl, _, _ in flat)

    drop = _pairs(components_match(_parse("cyclonedx/real/dropwizard-1.3.15.cdx-1.2.json").components))
    # GHSA-599f-7c49-w659 (Text4Shell) starts at commons-text 1.5; Dropwizard ships 1.2: NOT affected.
    assert not any("commons-text" in purl for purl, _, _ in drop)
    # GHSA-h376-j262-vhq6 (h2): [1.1.100, 2.0.206); 1.4.197 lies inside in Maven order: affected, critical.
    assert ("pkg:maven/com.h2database/h2@1.4.197?type=jar", "GHSA-h376-j262-vhq6", "2.0.206") in drop

    proton = _pairs(components_match(_parse("cyclonedx/real/proton-bridge-1.6.3.cdx-1.2.json").components))
    # GO-2020-0019 (gorilla/websocket): fixed 1.4.1; the bridge uses v1.4.1: NOT affected.
    assert not any("gorilla/websocket" in purl for purl, _, _ in proton)
    # GO-2025-4188 (logrus): [0, 1.8.3) ∪ [1.9.0, 1.9.1) ∪ [1.9.2, 1.9.3); v1.7.0 is in the first interval.
    assert ("pkg:golang/github.com/sirupsen/logrus@v1.7.0", "GO-2025-4188", "1.8.3") in proton
    # GO-2022-0969 (x/net) is fixed in pseudo-version 0.0.0-20220906165146-...; the bridge's 2020-07-07
    # pseudo-version sorts before it: affected.
    assert ("pkg:golang/golang.org/x/net@v0.0.0-20200707034311-ab3426394381", "GO-2022-0969",
            "0.0.0-20220906165146-f3363e06e74c") in proton

    laravel = _pairs(components_match(_parse("cyclonedx/real/laravel-7.12.0.cdx-1.4.json").components))
    # Packagist: guzzle 6.5.8 is past the fix 6.5.6 (GHSA-cwmx-hcrq-mhc3); psr7 1.9.0 is before 1.9.1.
    assert laravel == {("pkg:composer/guzzlehttp/psr7@1.9.0", "GHSA-wxmh-65f7-jcvw", "1.9.1")}

    rust = _pairs(components_match(_parse("spdx/real/spdx-examples-ex11-rust-hello-server.spdx.json").components))
    # crates.io, GHSA-7rrj-xr53-82p7 (tokio) has three ranges; 1.19.2 falls in [1.19.0, 1.20.3).
    assert ("pkg:cargo/tokio@1.19.2", "GHSA-7rrj-xr53-82p7", "1.20.3") in rust


@needs_data
def test_matching_last_affected_is_affected(db, tmp_path):
    # GHSA-wc69-rhjr-hc9g as published says `fixed: 2.29.4`; this copy says `last_affected: 2.29.4`,
    # which makes 2.29.4 itself affected: the flat Juice Shop SBOM's moment 2.29.4 now matches.
    record = osv_record(OSV / "ghsa" / "GHSA-wc69-rhjr-hc9g.json")
    for affected in record["affected"]:
        affected["ranges"] = [{"type": "ECOSYSTEM", "events": [{"introduced": "2.18.0"}, {"last_affected": "2.29.4"}]}]
    (tmp_path / "wc69.json").write_text(json.dumps(record))
    osv_import([tmp_path / "wc69.json"])
    flat = _pairs(components_match(_parse("cyclonedx/real/juice-shop-via-npm-flat.cdx-1.4.json").components))
    assert ("pkg:npm/moment@2.29.4", "GHSA-wc69-rhjr-hc9g", "") in flat


@needs_data
def test_matching_keycloak_exact_findings(real_advisories, django_assert_max_num_queries):
    components = _parse("cyclonedx/real/keycloak-10.0.2.cdx-1.2.json").components
    assert len(components) == 903
    with django_assert_max_num_queries(3):  # one batched query per package-URL type, never a scan
        result = components_match(components)
    assert result.warnings == []
    assert {(purl.split("@")[0].split("/", 1)[1], osv) for purl, osv, _ in _pairs(result)} == {
        ("com.google.guava/guava", "GHSA-7g45-4rm6-3mm3"),
        ("com.h2database/h2", "GHSA-h376-j262-vhq6"),
        ("ch.qos.logback/logback-classic", "GHSA-vmq6-5m68-f53m"),
        ("ch.qos.logback/logback-core", "GHSA-vmq6-5m68-f53m"),
        ("org.yaml/snakeyaml", "GHSA-mjmj-j48q-9wg2"),
    }
    assert len(result.matches) == 10  # two logback versions each, four snakeyaml versions
