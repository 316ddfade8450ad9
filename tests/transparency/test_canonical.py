"""entry.canonical: the fast path is byte for byte the rfc8785 package, errors included."""

from __future__ import annotations

import enum

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from sunlit.transparency import entry

SAFE = 2**53 - 1
# Any code point, astral ones and controls included; surrogates are in their own test.
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
KEYS = st.one_of(TEXT, st.sampled_from(["", "a", "A", "é", "€", "\ue000", "\U0001f600", "\x7f",
                                        "\u2028"]))
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-SAFE, SAFE), TEXT)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.lists(inner, max_size=3).map(tuple),
                            st.dictionaries(KEYS, inner, max_size=5)),
    max_leaves=30,
)


@settings(max_examples=1500, deadline=None)
@given(VALUES)
def test_the_fast_path_is_byte_identical_to_rfc8785(value):
    assert entry.canonical(value) == rfc8785.dumps(value)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(st.characters(), max_size=4), st.integers(), max_size=6))
def test_keys_sort_in_utf16_order_and_out_of_range_integers_fail_alike(value):
    # st.characters() includes astral code points and U+E000-U+FFFF, whose UTF-16 order
    # differs from code point order; integers beyond 2^53 and lone surrogates must fail alike
    _same_outcome(value)


@settings(max_examples=300, deadline=None)
@given(st.recursive(st.one_of(SCALARS, st.floats(allow_nan=True), st.text(st.characters(),
                                                                         max_size=4)),
                    lambda inner: st.one_of(st.lists(inner, max_size=3),
                                            st.dictionaries(st.text(max_size=3), inner, max_size=3)),
                    max_leaves=10))
def test_floats_and_surrogates_give_rfc8785s_own_output_or_error(value):
    _same_outcome(value)


class Colour(enum.StrEnum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


def test_subclasses_and_odd_values_match_too():
    for value in (Colour.RED, {"c": Colour.RED, Colour.RED: 1}, Level.HIGH, [Level.HIGH, True],
                  "\x00\x1f\"\\/\b\f\n\r\t", {1: "not text"}, {"a": {1.5}}, object(),
                  [2**53], -(2**53), 2**53 - 1, 1.0, "\ud800", {"\udc00": 1}):
        _same_outcome(value)


def _same_outcome(value):
    try:
        want = rfc8785.dumps(value)
    except Exception as exc:  # whatever rfc8785 raises, canonical raises too
        with pytest.raises(type(exc)):
            entry.canonical(value)
    else:
        assert entry.canonical(value) == want
