"""Demo-data seeders of later apps, run by `seed_demo` after the registry is loaded.

Each app registers a function in its AppConfig.ready(); every seeder must be idempotent.
"""

from collections.abc import Callable

DEMO_SEEDERS: list[tuple[int, str, Callable]] = []


def register_demo_seeder(name: str, order: int = 100):
    """Decorator: run `func(stdout=..., quiet=...)` during seed_demo, lowest order first."""

    def wrap(func):
        if all(existing != name for _o, existing, _f in DEMO_SEEDERS):
            DEMO_SEEDERS.append((order, name, func))
        return func

    return wrap


def run_demo_seeders(*, stdout, quiet: bool = False, scale: int = 1) -> None:
    """Run every seeder; those that accept `scale` also get it (bulk volume for benchmarks)."""
    import inspect

    for _order, _name, func in sorted(DEMO_SEEDERS, key=lambda item: (item[0], item[1])):
        if "scale" in inspect.signature(func).parameters:
            func(stdout=stdout, quiet=quiet, scale=scale)
        else:
            func(stdout=stdout, quiet=quiet)
