"""The store's own invariants: tenancy and the uniqueness that makes ingest idempotent."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from shequn.apps.chat.models import Message
from shequn.apps.community.models import Group
from shequn.apps.people.models import Identity, Person
from shequn.apps.tenancy.models import ApiToken, hash_token


def test_a_message_id_is_stored_once_per_group(workspace):
    group = Group.objects.create(
        workspace=workspace, key="telegram:1", platform="telegram", name="g"
    )
    person = Person.objects.create(workspace=workspace, display_name="张三")
    ident = Identity.objects.create(
        workspace=workspace, person=person, platform="telegram", external_id="user1"
    )
    fields = dict(
        workspace=workspace, group=group, identity=ident, sent_at=timezone.now(), kind="text"
    )
    Message.objects.create(platform_message_id="7", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(platform_message_id="7", **fields)
    other = Group.objects.create(
        workspace=workspace, key="telegram:2", platform="telegram", name="h"
    )
    Message.objects.create(platform_message_id="7", **{**fields, "group": other})
    assert Message.objects.filter(workspace=workspace).count() == 2


def test_api_tokens_are_stored_hashed(workspace):
    raw = ApiToken.new_raw()
    token = ApiToken.objects.create(
        workspace=workspace, name="ci", prefix=raw[:8], token_hash=hash_token(raw)
    )
    assert raw not in token.token_hash
    assert ApiToken.objects.get(token_hash=hash_token(raw)) == token


def test_passwords_are_hashed_with_argon2(operator):
    assert operator.password.startswith("argon2$")
