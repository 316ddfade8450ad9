"""Model fields for personal data."""

from __future__ import annotations

from django.db import models

from sunlit.core import crypto


class EncryptedTextField(models.TextField):
    """Text kept encrypted at rest (AES-GCM); Python code sees the plaintext.

    Lookups other than ``isnull`` are meaningless on ciphertext: query the blind index
    column that sits beside the field instead.
    """

    def contribute_to_class(self, cls, name, *args, **kwargs):
        super().contribute_to_class(cls, name, *args, **kwargs)
        self._context = f"{cls._meta.app_label}.{cls.__name__}.{name}"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value, context=self._context)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value, context=self._context)
