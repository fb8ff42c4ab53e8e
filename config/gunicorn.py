"""gunicorn settings, from the environment: `gunicorn -c config/gunicorn.py config.wsgi`.

Sync workers, as many as the machine's cores allow (2 per core plus one by default, WEB_CONCURRENCY to
choose); each answers one request at a time, so a slow client never holds a worker long (timeouts below)
and the proxy in front (nginx) buffers slow uploads. Workers are recycled after a number of requests so
memory growth of any kind stays bounded."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))  # the longest request: a 10,000-row attestation PDF
graceful_timeout = 30
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
backlog = 2048
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
preload_app = True
