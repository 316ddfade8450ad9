"""The art. 278 tally: a table of boundaries for every rule, and hypothesis properties."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sunlit.governance.votes.tally import (
    ABSTAIN,
    NO,
    YES,
    CastBallot,
    Elector,
    latest_per_unit,
    retally,
    tally,
)

D = Decimal


def electorate(*rows) -> list[Elector]:
    """rows of (unit, area, owner)."""
    return [Elector(u, D(str(a)), o) for u, a, o in rows]


def equal(n: int, area: str = "100") -> list[Elector]:
    """n units of equal area, each with its own owner."""
    return electorate(*((f"u{i}", area, f"o{i}") for i in range(n)))


# (name, electorate, ballots, special, participation_met, approval_met)
TABLE = [
    # --- participation: at least 2/3 of area AND of owners; 2/3 itself passes
    ("exactly 2/3 of area and owners take part", equal(3), {"u0": YES, "u1": YES},
     False, True, True),
    ("area just below 2/3 (200 of 300.01)",
     electorate(("u0", "100", "a"), ("u1", "100", "b"), ("u2", "100.01", "c")),
     {"u0": YES, "u1": YES}, False, False, True),
    ("area just at 2/3 with cents (200.00 of 300.00)",
     electorate(("u0", "100.00", "a"), ("u1", "100.00", "b"), ("u2", "100.00", "c")),
     {"u0": YES, "u1": YES}, False, True, True),
    ("owners below 2/3 though area is plenty (2 of 4 owners, 2000 of 2002 m²)",
     electorate(("u0", "1000", "a"), ("u1", "1000", "b"), ("u2", "1", "c"), ("u3", "1", "d")),
     {"u0": YES, "u1": YES}, False, False, True),
    ("owners just below 2/3 (19 of 29 < 2/3 < 20 of 29)", equal(29),
     {f"u{i}": YES for i in range(19)}, False, False, True),
    ("owners just above 2/3 (20 of 29)", equal(29),
     {f"u{i}": YES for i in range(20)}, False, True, True),
    ("nobody votes", equal(3), {}, False, False, False),
    # --- ordinary matters: more than 1/2 of participating area AND owners
    ("exactly 1/2 does not approve", equal(4), {"u0": YES, "u1": YES, "u2": NO, "u3": NO},
     False, True, False),
    ("just above 1/2 approves", equal(4), {"u0": YES, "u1": YES, "u2": YES, "u3": NO},
     False, True, True),
    ("area just above 1/2 but owners exactly 1/2",
     electorate(("u0", "100.01", "a"), ("u1", "100", "b"), ("u2", "100", "c"),
                ("u3", "99.99", "d")),
     {"u0": YES, "u1": YES, "u2": NO, "u3": NO}, False, True, False),
    ("owners above 1/2 but area exactly 1/2",
     electorate(("u0", "50", "a"), ("u1", "50", "b"), ("u2", "100", "c")),
     {"u0": YES, "u1": YES, "u2": NO}, False, True, False),
    ("area 1/2 + 0.01 m² approves",
     electorate(("u0", "50.01", "a"), ("u1", "50", "b"), ("u2", "100", "c"), ("u3", "0.01", "d")),
     {"u0": YES, "u1": YES, "u2": NO, "u3": YES}, False, True, True),
    ("abstentions take part but do not approve", equal(4),
     {"u0": YES, "u1": YES, "u2": ABSTAIN, "u3": ABSTAIN}, False, True, False),
    # --- special matters (items 6–8): at least 3/4 of participating area AND owners
    ("special: exactly 3/4 approves", equal(4), {"u0": YES, "u1": YES, "u2": YES, "u3": NO},
     True, True, True),
    ("special: area just below 3/4",
     electorate(("u0", "100", "a"), ("u1", "100", "b"), ("u2", "99.99", "c"),
                ("u3", "100.01", "d")),
     {"u0": YES, "u1": YES, "u2": YES, "u3": NO}, True, True, False),
    ("special: owners just below 3/4 (5 of 7 < 3/4)", equal(7),
     {**{f"u{i}": YES for i in range(5)}, "u5": NO, "u6": NO}, True, True, False),
    ("special: 2/3 is not enough although it is more than half", equal(3),
     {"u0": YES, "u1": YES, "u2": NO}, True, True, False),
    ("ordinary: 2/3 approves", equal(3), {"u0": YES, "u1": YES, "u2": NO}, False, True, True),
    # --- counting owners
    ("multi-unit owner counts once: 3 units of A take part, 1 of 3 owners < 2/3",
     electorate(("u0", "100", "A"), ("u1", "100", "A"), ("u2", "100", "A"),
                ("u3", "10", "B"), ("u4", "10", "C")),
     {"u0": YES, "u1": YES, "u2": YES}, False, False, True),
    ("developer-held units are one owner together",
     electorate(*((f"d{i}", "100", "developer") for i in range(5)),
                ("u1", "100", "b"), ("u2", "100", "c")),
     {"u1": YES, "u2": YES}, False, False, True),  # 2 of 3 owners, but 200 of 700 m²
    ("developer voting all units carries the area",
     electorate(*((f"d{i}", "100", "developer") for i in range(5)),
                ("u1", "100", "b"), ("u2", "100", "c")),
     {**{f"d{i}": NO for i in range(5)}, "u1": YES, "u2": YES}, False, True, False),
    ("co-owned unit is one ballot for the set of its owners",
     electorate(("u0", "100", "A+B"), ("u1", "100", "A"), ("u2", "100", "C")),
     {"u0": YES, "u1": YES}, False, True, True),  # A+B and A are different owners
    ("owner voting differently on two units takes part but does not approve (count)",
     electorate(("u0", "100", "A"), ("u1", "100", "A"), ("u2", "100", "B")),
     {"u0": YES, "u1": NO, "u2": YES}, False, True, False),  # owners: yes 1 of 2
]


@pytest.mark.parametrize(("name", "voters", "ballots", "special", "participation", "approval"),
                         TABLE, ids=[row[0] for row in TABLE])
def test_table(name, voters, ballots, special, participation, approval):
    result = tally(voters, ballots, special=special)
    assert result.participation_met is participation
    assert result.approval_met is approval
    assert result.passed is (participation and approval)
    assert result.failed() == [t for t in result.thresholds if not t.met]


def test_figures_are_exact_fractions_and_decimals():
    voters = electorate(("u0", "89.50", "A"), ("u1", "120.33", "A"), ("u2", "60.17", "B"),
                        ("u3", "75.00", "developer"), ("u4", "75.00", "developer"))
    result = tally(voters, {"u0": YES, "u1": NO, "u2": YES, "u3": ABSTAIN}, special=False)
    assert result.total_area == D("420.00")
    assert result.total_owners == 3
    assert result.participating_area == D("345.00")
    assert result.participating_owners == 3
    assert result.area == {YES: D("149.67"), NO: D("120.33"), ABSTAIN: D("75.00")}
    assert result.owners == {YES: 1, NO: 0, ABSTAIN: 1, "mixed": 1}
    part_area, part_owners = result.participation
    assert part_area.value == Fraction(34500, 42000)
    assert part_owners.value == Fraction(1)
    approve_area, approve_owners = result.approval
    assert approve_area.value == Fraction(14967, 34500)
    assert approve_owners.value == Fraction(1, 3)
    assert all(isinstance(t.value, Fraction) for t in result.thresholds)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="outside"):
        tally(equal(2), {"zz": YES}, special=False)
    with pytest.raises(ValueError, match="choice"):
        tally(equal(2), {"u0": "maybe"}, special=False)
    with pytest.raises(ValueError, match="twice"):
        tally(equal(1) + equal(1), {}, special=False)
    with pytest.raises(ValueError, match="positive"):
        tally([Elector("u", D("0"), "o")], {}, special=False)
    with pytest.raises(ValueError, match="positive"):
        tally([Elector("u", 1.5, "o")], {}, special=False)


def test_empty_electorate_fails_without_dividing_by_zero():
    result = tally([], {}, special=False)
    assert not result.passed
    assert all(t.value == 0 for t in result.thresholds)


T0 = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC)


def test_the_ballot_cast_last_counts_and_ties_go_to_the_later_entry():
    ballots = [CastBallot("u0", YES, T0, 1), CastBallot("u0", NO, T0 + dt.timedelta(1), 2),
               CastBallot("u1", NO, T0, 3), CastBallot("u1", YES, T0, 4),
               CastBallot("u2", ABSTAIN, T0 + dt.timedelta(2), 5),
               CastBallot("u2", YES, T0, 6)]  # a paper ballot received earlier, entered later
    assert latest_per_unit(ballots) == {"u0": NO, "u1": YES, "u2": ABSTAIN}


def test_retally_from_published_documents():
    electorate_doc = {"units": [{"unit": "1号楼-101", "area": "89.50", "owner": "O-A"},
                                {"unit": "1号楼-102", "area": "89.50", "owner": "O-A"},
                                {"unit": "1号楼-201", "area": "120.00", "owner": "DEV"}]}
    ballots_doc = {"ballots": [{"unit": "1号楼-101", "choice": YES},
                               {"unit": "1号楼-201", "choice": YES}]}
    result = retally(electorate_doc, ballots_doc, special=False)
    assert result.passed and result.participating_area == D("209.50")
    with pytest.raises(ValueError, match="two counted"):
        retally(electorate_doc, {"ballots": ballots_doc["ballots"] * 2}, special=False)


# --- properties ----------------------------------------------------------------------------------

areas = st.integers(min_value=1, max_value=50000).map(lambda cents: D(cents) / 100)
choices = st.sampled_from([YES, NO, ABSTAIN])


@st.composite
def votes(draw, min_units=1):
    n = draw(st.integers(min_value=min_units, max_value=25))
    owners = draw(st.lists(st.sampled_from(["A", "B", "C", "D", "E", "developer", "F", "G"]),
                           min_size=n, max_size=n))
    voters = [Elector(f"u{i}", draw(areas), owners[i]) for i in range(n)]
    cast = draw(st.dictionaries(st.sampled_from([e.unit for e in voters]), choices))
    return voters, cast, draw(st.booleans())


@settings(max_examples=300, deadline=None)
@given(votes(), st.data())
def test_adding_a_yes_ballot_never_turns_a_pass_into_a_fail(vote, data):
    voters, cast, special = vote
    silent = [e.unit for e in voters if e.unit not in cast]
    if not silent:
        return
    unit = data.draw(st.sampled_from(silent))
    before = tally(voters, cast, special=special)
    after = tally(voters, {**cast, unit: YES}, special=special)
    if before.passed:
        assert after.passed
    assert after.participating_area > before.participating_area


@settings(max_examples=300, deadline=None)
@given(votes(), st.data())
def test_turning_a_ballot_into_yes_never_turns_a_pass_into_a_fail(vote, data):
    voters, cast, special = vote
    if not cast:
        return
    unit = data.draw(st.sampled_from(sorted(cast)))
    before = tally(voters, cast, special=special)
    if before.passed:
        assert tally(voters, {**cast, unit: YES}, special=special).passed


@settings(max_examples=300, deadline=None)
@given(votes(min_units=2), st.data())
def test_removing_a_non_participant_changes_no_counted_figure(vote, data):
    voters, cast, special = vote
    silent = [e for e in voters if e.unit not in cast]
    if not silent:
        return
    gone = data.draw(st.sampled_from(silent))
    before = tally(voters, cast, special=special)
    after = tally([e for e in voters if e is not gone], cast, special=special)
    assert (after.participating_area, after.participating_owners, after.area, after.owners) == (
        before.participating_area, before.participating_owners, before.area, before.owners)
    assert after.approval == before.approval
    if before.passed:
        assert after.passed  # the electorate shrank, participation can only rise


@settings(max_examples=200, deadline=None)
@given(votes(), st.data())
def test_the_order_of_ballots_changes_nothing(vote, data):
    voters, _cast, special = vote
    units = [e.unit for e in voters]
    history = data.draw(st.lists(
        st.tuples(st.sampled_from(units), choices, st.integers(min_value=0, max_value=5)),
        max_size=40))
    ballots = [CastBallot(u, c, T0 + dt.timedelta(hours=h), seq)
               for seq, (u, c, h) in enumerate(history)]
    shuffled = data.draw(st.permutations(ballots))
    assert latest_per_unit(shuffled) == latest_per_unit(ballots)
    assert tally(voters, latest_per_unit(shuffled), special=special) == \
        tally(voters, latest_per_unit(ballots), special=special)


@settings(max_examples=300, deadline=None)
@given(votes())
def test_thresholds_agree_with_integer_cross_multiplication(vote):
    voters, cast, special = vote
    result = tally(voters, cast, special=special)
    cents = lambda d: int(d * 100)  # noqa: E731
    part, total = cents(result.participating_area), cents(result.total_area)
    yes = cents(result.area[YES])
    assert result.participation[0].met == (3 * part >= 2 * total)
    assert result.participation[1].met == (
        3 * result.participating_owners >= 2 * result.total_owners)
    if special:
        assert result.approval[0].met == (part > 0 and 4 * yes >= 3 * part)
        assert result.approval[1].met == (
            result.participating_owners > 0 and 4 * result.owners[YES]
            >= 3 * result.participating_owners)
    else:
        assert result.approval[0].met == (2 * yes > part)
        assert result.approval[1].met == (2 * result.owners[YES] > result.participating_owners)
