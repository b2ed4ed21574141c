"""Run recipes and queues of them, each resuming its own work: `python scripts/run.py configs/queues/fashion_mnist.json`.

A queue (configs/queues/*.json) lists recipes (configs/networks/..., configs/experiments/...) under
"recipes"; each runs in its own process as `python -m <its _command> --config <recipe>`, one at a time (2 CPU
cores), a finished one (its `_done` file exists) skipped. The long runs of configs/queues/fashion_mnist.json
are the ones a fresh clone resumes: start it with `nohup nice -n 10 python scripts/run.py ... &`.
"""

import argparse
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tf_aegan import cli  # noqa: E402
from tf_aegan.recipes import run  # noqa: E402


@cli.exits_cleanly
def main(argv=None):
    p = argparse.ArgumentParser(prog="python scripts/run.py", description=__doc__,
                                formatter_class=cli.HelpFormatter)
    p.add_argument("paths", nargs="+", help="queues (configs/queues/*.json) or recipes, run in this order")
    p.add_argument("--dry-run", action="store_true", help="only print what would run")
    args = p.parse_args(argv)

    def stop(signum, frame):  # a kill (or a session's end) stops the queue as Ctrl-C does: the step keeps its work
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    results = run(args.paths, dry_run=args.dry_run)
    failed = [r for r, status, _ in results if status.startswith("failed")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
