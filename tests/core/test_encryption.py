"""Personal data is encrypted at rest, findable through blind indexes, and rotatable."""

import base64
import os

import pytest
from django.db import connection
from django.test import override_settings

from sunlit.core import crypto
from sunlit.core.models import Person, User
from sunlit.core.services import rotate_field_keys
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def raw_row(table: str, pk: int, *columns: str) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()


def test_mobile_and_id_number_are_not_stored_in_plaintext(community):
    person = PersonFactory(community=community, mobile="13812345678",
                           id_number="11010119900307123X".replace("X", "4"))
    mobile_raw, id_raw, name_raw = raw_row("core_person", person.pk, "mobile", "id_number", "name")
    assert "13812345678" not in mobile_raw and mobile_raw.startswith("v1:")
    assert "1101011990" not in id_raw
    assert name_raw == person.name
    fresh = Person.objects.get(pk=person.pk)
    assert fresh.mobile == "13812345678"


def test_ciphertext_is_bound_to_its_column(community):
    person = PersonFactory(community=community, mobile="13812345678")
    (mobile_raw,) = raw_row("core_person", person.pk, "mobile")
    with pytest.raises(Exception):  # noqa: B017  (cryptography's InvalidTag)
        crypto.decrypt(mobile_raw, context="core.Person.id_number")


def test_same_plaintext_gives_different_ciphertexts(community):
    a = PersonFactory(community=community, mobile="13800000001")
    b = PersonFactory(community=community, mobile="13800000001")
    assert raw_row("core_person", a.pk, "mobile") != raw_row("core_person", b.pk, "mobile")
    assert a.mobile_index == b.mobile_index != ""


def test_user_mobile_is_encrypted_and_indexed(db):
    user = User.objects.create_user("u1", password="x-very-long-1", mobile="13912345678")
    (raw,) = raw_row("core_user", user.pk, "mobile")
    assert "13912345678" not in raw
    assert user.mobile_index == crypto.blind_index("13912345678", purpose="mobile")


def test_key_rotation_reencrypts_with_the_new_key(community, settings):
    person = PersonFactory(community=community, mobile="13812345678")
    old_spec = settings.FIELD_ENCRYPTION_KEYS
    new_key = "k2:" + base64.b64encode(os.urandom(32)).decode()
    with override_settings(FIELD_ENCRYPTION_KEYS=f"{new_key},{old_spec}"):
        assert Person.objects.get(pk=person.pk).mobile == "13812345678"  # old key still reads
        rewritten = rotate_field_keys()
        assert rewritten >= 1
        (raw,) = raw_row("core_person", person.pk, "mobile")
        assert crypto.key_id_of(raw) == "k2"
    with override_settings(FIELD_ENCRYPTION_KEYS=new_key):  # old key retired
        assert Person.objects.get(pk=person.pk).mobile == "13812345678"
