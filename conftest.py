"""Shared pytest fixtures: the personas' world and logged-in clients."""

import pytest
from django.test import Client

from anjian.core.testing.personas import build_world


@pytest.fixture
def world(db):
    """One district with agencies, companies, projects P/Q/R and every persona."""
    return build_world()


@pytest.fixture
def client_as(world):
    """`client_as("pm")` returns a test client logged in as that persona (or anonymous)."""

    def make(name: str) -> Client:
        client = Client()
        user = world.user(name)
        if user is not None:
            client.force_login(user)
        return client

    return make
