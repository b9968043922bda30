"""Demo data for evaluations and rankings (filled in below)."""

from anjian.core.seeding import register_demo_seeder


@register_demo_seeder("evaluations", order=40)
def seed(*, stdout, quiet=False, scale=1):
    return None
