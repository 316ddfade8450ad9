"""Sunlit (阳光物业): transparency-first property management."""

__version__ = "0.1.0"
