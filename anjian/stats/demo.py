"""Demo: fill the statistics summary and the risk scores once every other seeder has run."""

import time

from anjian.core.seeding import register_demo_seeder


@register_demo_seeder("stats", order=95)
def seed(*, stdout, quiet=False, scale=1):
    """Rebuild the monthly hazard summary and every project's risk score (timed: at
    `--scale 125 --hazards-per-project 202` this is the summary over a million hazards)."""
    from .services import refresh_risk
    from .summary import rebuild

    started = time.monotonic()
    rows = rebuild()
    rebuilt = time.monotonic()
    scores = refresh_risk()
    if not quiet:
        stdout.write(
            f"Demo statistics: {rows} summary rows in {rebuilt - started:.1f}s, "
            f"{scores} risk scores in {time.monotonic() - rebuilt:.1f}s."
        )
