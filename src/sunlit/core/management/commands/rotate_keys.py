"""sunlit rotate-keys — re-encrypt personal data with the first key of SUNLIT_FIELD_KEYS."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from tqdm import tqdm

from sunlit.core import crypto
from sunlit.core.services import rotate_field_keys


class Command(BaseCommand):
    help = "Re-encrypt every personal field with the current field key (key rotation)."

    def handle(self, *args, **options):
        with tqdm(desc="重新加密", unit="行") as bar:
            count = rotate_field_keys(progress=bar.update)
        self.stdout.write(self.style.SUCCESS(
            f"已用密钥 {crypto.current_key_id()} 重新加密 {count} 行"))
