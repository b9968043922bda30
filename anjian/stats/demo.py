"""Demo: fill the statistics summary and the risk scores once every other seeder has run."""

import time

from anjian.core.seeding import register_demo_seeder


@register_demo_seeder("stats", order=95)
def seed(*, stdout, quiet=False, scale=1):
    from .services import refresh_risk
    from .summary import rebuild

    started = time.monotonic()
    rows = rebuild()
    scores = refresh_risk()
    if not quiet:
        stdout.write(
            f"Demo statistics: {rows} summary rows, {scores} risk scores "
            f"in {time.monotonic() - started:.1f}s."
        )
