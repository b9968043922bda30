"""Shared pytest fixtures: the personas' world and logged-in clients."""

import pytest
from django.test import Client

from anjian.core.testing.personas import build_world


@pytest.fixture(autouse=True, scope="session")
def _media_in_a_temporary_folder(tmp_path_factory):
    """Uploaded files of the tests go to a temporary folder, not to var/media."""
    from django.test import override_settings

    with override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media"))):
        yield


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
