"""`python -m clrportal.worker [options of celery worker]`: a Celery worker of the portal's app, started
without Celery's command-line group (`celery -A clrportal worker`), which imports every subcommand,
`celery amqp`'s REPL and its prompt toolkit among them: ~8 MB in the worker's main process and in each
of its pool processes, which fork from it. The options and their meaning are `celery worker`'s own."""

import sys

from celery.bin.base import CLIContext
from celery.bin.worker import worker

from clrportal.celery import app


def main(argv: list[str] | None = None) -> None:
    context = CLIContext(app=app, no_color=False, workdir=None, quiet=False)
    worker.main(
        args=sys.argv[1:] if argv is None else argv, prog_name="python -m clrportal.worker", obj=context
    )


if __name__ == "__main__":
    main()
