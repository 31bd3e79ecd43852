"""gunicorn settings for `make serve`: PORT, WORKERS and HOST come from the environment."""
import multiprocessing
import os

from gunicorn.glogging import Logger


class RedactingLogger(Logger):
    """The access log without one-time tokens: `/password/<token>` is written `/password/[redacted]`."""

    def atoms(self, resp, req, environ, request_time):
        # Imported in the worker, which has loaded the app: the master stays free of app code (HUP reloads it).
        from bootcamp.tokens import redact

        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()}


bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = 30
graceful_timeout = 20
preload_app = False  # each worker opens its own database connections
accesslog = "-"
logger_class = RedactingLogger
# No query strings in the access log: they can carry names typed in a search box.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(L)ss req=%({x-request-id}o)s'
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
