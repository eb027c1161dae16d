"""`make run`: the development web server and a Celery worker (with its beat) together."""

import atexit
import os
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from portal.celery import ensure_broker_folders


class Command(BaseCommand):
    help = "Run the web server on 0.0.0.0:8000 and a Celery worker with beat beside it."

    def add_arguments(self, parser) -> None:
        parser.add_argument("addrport", nargs="?", default="0.0.0.0:8000")
        parser.add_argument("--no-worker", action="store_true", help="web server only")

    def handle(self, *args, addrport: str, no_worker: bool, **options) -> None:
        # runserver's autoreloader re-runs this command in a child (RUN_MAIN=true): only the
        # outer process starts the worker, so there is exactly one.
        if os.environ.get("RUN_MAIN") != "true":
            self._start_directory()
        if not no_worker and os.environ.get("RUN_MAIN") != "true":
            self._start_worker()
        call_command("runserver", addrport)

    def _start_directory(self) -> None:
        """The school directory of the demo (demo/directory.py), when slapd is installed."""
        from demo.directory import demo_directory_start

        try:
            server, note = demo_directory_start()
        except RuntimeError as error:
            server, note = None, f"Demo directory not started: {error}"
        self.stdout.write(note)
        if server is not None:
            atexit.register(server.stop)

    def _start_worker(self) -> None:
        ensure_broker_folders()
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable, "-m", "celery", "-A", "portal", "worker", "--beat",
            "--loglevel", "INFO", "--concurrency", "2",
            "--schedule", str(settings.VAR_DIR / "celerybeat-schedule"),
        ]  # fmt: skip
        worker = subprocess.Popen(command)  # noqa: S603 - fixed arguments
        self.stdout.write(f"Celery worker started (pid {worker.pid}).")

        def stop_worker() -> None:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()

        atexit.register(stop_worker)
