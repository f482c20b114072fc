import os
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the Dramatiq worker (all actors of all apps) on the configured Redis."

    def add_arguments(self, parser):
        parser.add_argument("--processes", type=int, default=1)
        parser.add_argument("--threads", type=int, default=4)
        parser.add_argument("--queues", nargs="*", default=None)

    def handle(self, *args, processes: int, threads: int, queues: list[str] | None, **options):
        argv = [sys.executable, "-m", "dramatiq", "labelhub.worker", "-p", str(processes), "-t", str(threads)]
        if queues:
            argv += ["-Q", *queues]
        self._start_periodic_jobs()
        sys.stdout.flush()
        os.execvp(argv[0], argv)

    @staticmethod
    def _start_periodic_jobs() -> None:
        """Kick off the self-rescheduling billing tick (one chain runs however many workers start it)."""
        from billing.actors import billing_tick

        billing_tick.send()
