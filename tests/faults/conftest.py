"""Private PostgreSQL and Redis for the fault tests (the shared servers on 5432 and 6379 are never
touched), one migrated template database per session, and a fresh copy of it per test."""

import uuid

import pytest

from tests.faults.harness import PrivatePostgres, PrivateRedis, Stack, missing_binaries

TEMPLATE = "registry_faults_template"


@pytest.fixture(scope="session")
def private_pg(tmp_path_factory):
    why = missing_binaries()
    if why:
        pytest.skip(f"fault tests need real services: {why}")
    pg = PrivatePostgres()
    try:
        pg.init()
        pg.start()
        pg.sql(f"CREATE DATABASE {TEMPLATE}")
        folder = tmp_path_factory.mktemp("faults-template")
        redis = PrivateRedis(folder)
        Stack(folder=folder, database_url=pg.url(TEMPLATE), redis=redis).manage("migrate", "--noinput")
        yield pg
    finally:
        pg.destroy()


@pytest.fixture
def fault_stack(private_pg, tmp_path):
    database = f"faults_{uuid.uuid4().hex[:10]}"
    private_pg.sql(f"CREATE DATABASE {database} TEMPLATE {TEMPLATE}")
    redis = PrivateRedis(tmp_path)
    redis.start()
    stack = Stack(folder=tmp_path, database_url=private_pg.url(database), redis=redis)
    stack.pg, stack.database, stack.redis = private_pg, database, redis
    try:
        yield stack
    finally:
        stack.stop_all()
        redis.stop()
        try:
            private_pg.sql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        except Exception:
            pass
