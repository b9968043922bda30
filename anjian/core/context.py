"""Who is acting and in which request: set by middleware, read by the change log."""

import uuid
from contextlib import contextmanager
from contextvars import ContextVar

current_actor: ContextVar = ContextVar("current_actor", default=None)
current_request_id: ContextVar[str] = ContextVar("current_request_id", default="")


def new_request_id() -> str:
    """Return a fresh request id."""
    return uuid.uuid4().hex


@contextmanager
def acting_as(user, request_id: str | None = None):
    """Attribute changes made inside the block to `user` (commands, tasks, consumers)."""
    actor_token = current_actor.set(user)
    rid_token = current_request_id.set(request_id or f"job-{new_request_id()[:12]}")
    try:
        yield
    finally:
        current_actor.reset(actor_token)
        current_request_id.reset(rid_token)
