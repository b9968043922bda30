"""Demo data for 危大工程 (filled in below)."""

from anjian.core.seeding import register_demo_seeder


@register_demo_seeder("dangerous_works", order=30)
def seed(*, stdout, quiet=False, scale=1):
    from .services import seed_threshold_rules

    seed_threshold_rules()
