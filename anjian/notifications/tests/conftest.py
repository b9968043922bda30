"""Fixtures for notification tests: a finished inspection record waiting for the site."""

import pytest

from anjian.accounts.models import User
from anjian.inspections.services import records as svc
from anjian.inspections.testing import record_objects, signature_data_url


@pytest.fixture
def finished_record(world):
    """Project P's record, signed by both inspectors and finished: pm has to sign it now."""
    inspection = record_objects(world)["inspection"]
    supervisor = world.users["supervisor"]
    svc.inspection_sign(
        inspection=inspection,
        by=supervisor,
        role="inspector",
        image_data=signature_data_url(),
        signer=User.objects.get(username="supervisor_b2"),
    )
    return svc.inspection_finish(inspection=inspection, by=supervisor)
