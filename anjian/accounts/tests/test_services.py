import datetime

import pytest
from django.utils import timezone

from anjian.accounts.models import ApiToken, LoginFailure
from anjian.accounts.services import (
    LoginLocked,
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    login_failure_record,
    login_lock_check,
    login_success_record,
    user_save,
)
from anjian.core.errors import DomainError

pytestmark = pytest.mark.django_db


def fail(username, address="10.0.0.1", times=1, at=None):
    for _ in range(times):
        login_failure_record(username=username, address=address, now=at)


def test_account_is_locked_after_five_failures_and_only_that_account(settings):
    settings.LOGIN_MAX_FAILURES = 5
    fail("pm", times=4)
    login_lock_check(username="pm", address="10.0.0.1")  # four failures: still open
    fail("pm")
    with pytest.raises(LoginLocked) as locked:
        login_lock_check(username="pm", address="10.0.0.9")
    assert "分钟" in str(locked.value.message) or "minutes" in str(locked.value.message)
    login_lock_check(username="pm2", address="10.0.0.9")


def test_lock_expires_after_the_lockout_window(settings):
    settings.LOGIN_LOCKOUT_MINUTES = 15
    past = timezone.now() - datetime.timedelta(minutes=16)
    fail("pm", times=5, at=past)
    login_lock_check(username="pm", address=None)
    with pytest.raises(LoginLocked):
        login_lock_check(username="pm", address=None, now=past + datetime.timedelta(minutes=14))


def test_address_is_locked_after_many_failures_across_usernames(settings):
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 3
    for name in ("a", "b", "c"):
        fail(name, address="10.9.9.9")
    with pytest.raises(LoginLocked):
        login_lock_check(username="someone-else", address="10.9.9.9")
    login_lock_check(username="someone-else", address="10.9.9.8")


def test_successful_login_clears_the_accounts_failures():
    fail("pm", times=3)
    login_success_record(username="PM")
    assert not LoginFailure.objects.filter(username="pm").exists()


def test_api_token_is_stored_only_as_a_hash_and_authenticates(world):
    token, key = api_token_create(user=world.users["pm"], name="脚本")
    assert key.startswith("aj_") and key not in token.key_hash
    assert ApiToken.objects.get().key_hash == ApiToken.hash_key(key)
    assert api_token_authenticate(key) == world.users["pm"]
    assert api_token_authenticate(key + "x") is None


def test_revoked_token_no_longer_authenticates(world):
    token, key = api_token_create(user=world.users["pm"], name="脚本")
    api_token_revoke(token=token, by=world.users["pm"])
    assert api_token_authenticate(key) is None


def test_other_users_cannot_revoke_a_token(world):
    token, _key = api_token_create(user=world.users["pm"], name="脚本")
    with pytest.raises(DomainError):
        api_token_revoke(token=token, by=world.users["pm2"])


def test_token_of_a_deactivated_user_does_not_authenticate(world):
    _token, key = api_token_create(user=world.users["pm"], name="脚本")
    world.users["pm"].is_active = False
    world.users["pm"].save()
    assert api_token_authenticate(key) is None


def test_only_administrators_save_user_accounts(world):
    user = world.users["pm"]
    user.name = "张伟"
    with pytest.raises(DomainError):
        user_save(user=user, by=world.users["supervisor"])
    user_save(user=user, by=world.users["admin"])
    user.refresh_from_db()
    assert user.name == "张伟"


def test_admin_cannot_deactivate_their_own_account(world):
    admin = world.users["admin"]
    admin.is_active = False
    with pytest.raises(DomainError):
        user_save(user=admin, by=admin)
