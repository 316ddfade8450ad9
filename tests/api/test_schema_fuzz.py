"""A bounded schemathesis run over the whole API, from the schema the app serves.

Every operation of ``/api/openapi.json`` is called with generated requests — valid ones and
ones that break the schema — as two roles of 明强小区 (an owner, with a Bearer token, and the
manager), against the WSGI app in-process and the test database (SQLite or PostgreSQL, whichever
the suite runs on). Path ids are drawn from a small world of real objects (tests/api/fuzz_world.py)
as well as generated, so that requests reach real rows: the caller's own, a neighbour's, another
community's.

Checks on every answer:

- never a 5xx (``not_a_server_error``);
- the status is one the operation documents, with a documented content type, and the body
  conforms to the operation's response schema (``status_code_conformance``,
  ``content_type_conformance``, ``response_schema_conformance``);
- a request that breaks the schema is refused with a 4xx (``negative_data_rejection``);
- every 4xx has the uniform error shape ``{"detail": str, "errors": [{"field", "message"}]}``.

Bounded and repeatable: ``SUNLIT_FUZZ_EXAMPLES`` examples per operation and role (default 5),
generated from a fixed seed (``SUNLIT_FUZZ_SEED``), no example database, no shrinking limit
beyond Hypothesis' own. Each example runs in a savepoint that is rolled back, so examples do not
depend on one another and every one starts from the same world. docs/api.md says how to run it
longer.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import AcceptedNegativeData
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = int(os.environ.get("SUNLIT_FUZZ_EXAMPLES", "5"))
SEED = int(os.environ.get("SUNLIT_FUZZ_SEED", "278"))  # Civil Code art. 278: the owners decide
COVERAGE = os.environ.get("SUNLIT_FUZZ_COVERAGE", "") == "1"
ROLES = ("owner", "manager")

config = schemathesis.Config.from_dict({
    "seed": SEED,
    "generation": {
        "mode": "all",  # valid requests and requests that break the schema
        "max-examples": EXAMPLES,
        "deterministic": True,
        "database": "none",
        # The tokens are sent by the test; generated credentials would only be replaced.
        "with-security-parameters": False,
        # The API, like Ninja and most HTTP APIs, ignores query parameters it does not know, and
        # OpenAPI cannot say that a query is closed: an unknown parameter is not a "negative" case.
        "allow-extra-parameters": False,
    },
    # Examples and fuzzing; the coverage phase's hundreds of boundary cases per operation do not
    # fit the suite's time: SUNLIT_FUZZ_COVERAGE=1 adds it (docs/api.md).
    "phases": {"coverage": {"enabled": COVERAGE}, "stateful": {"enabled": False}},
})
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", WSGIHandler(), config=config)

# The world of the running module: ids of real rows by path parameter name (see ``world``).
KNOWN: dict[str, list] = {}


def uniform_error_shape(ctx, response, case):
    """Every 4xx: ``{"detail": str, "errors": [{"field": str | None, "message": str}]}``."""
    if not 400 <= response.status_code < 500:
        return None
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(f"{response.status_code} without a JSON body: {response.text[:200]!r}") from None
    shaped = (isinstance(body, dict) and set(body) == {"detail", "errors"}
              and isinstance(body["detail"], str) and isinstance(body["errors"], list)
              and all(isinstance(e, dict) and set(e) == {"field", "message"}
                      and isinstance(e["message"], str) and isinstance(e["field"], str | None)
                      for e in body["errors"]))
    if not shaped:
        raise AssertionError(f"{response.status_code} without the uniform error shape: {body!r}")
    return None


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, negative_data_rejection, uniform_error_shape]


def _real_or_generated(known_for, values):
    """Each integer id is kept as generated or replaced by the id of a real row of that kind;
    a value of another type is kept, so that a case meant to break the schema still does."""
    options = {}
    for name, value in (values or {}).items():
        known = known_for(name)
        if known and isinstance(value, type(known[0])) and not isinstance(value, bool):
            options[name] = st.sampled_from([*known, value])
        else:
            options[name] = st.just(value)
    return st.fixed_dictionaries(options)


# Schema-breaking requests that the API accepts on purpose, by its libraries' documented rules.
# Only these two mutations are let through, for the ``negative_data_rejection`` check only:
TOLERATED = (
    # Pydantic's lax mode takes JSON true/false for an integer (1/0).
    "(was integer, became boolean)",
    # Ninja takes a body whose fields all have defaults as optional: a ``null`` (or no) body is
    # an empty one (PATCH /units/{id}, POST /waivers/{id}/approve …), though the schema Ninja
    # writes marks the body required. Making those 12 bodies optional in the schema is left to
    # their apps (noted in docs/api.md).
    "(was object, became null)",
)


@schema.hook
def filter_failure(context, failure, case, response):
    return not (isinstance(failure, AcceptedNegativeData)
                and any(mutation in failure.message for mutation in TOLERATED))


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    path = context.operation.path if context.operation is not None else ""
    return _real_or_generated(lambda name: KNOWN.get(f"{path}:{name}") or KNOWN.get(name),
                              path_parameters)


@schema.hook
def flatmap_query(context, query):
    # a few query parameters name a community or a unit (/tickets/categories?community_id=…)
    aliases = {"community": "community_id", "community_id": "community_id", "unit": "unit_id"}
    return _real_or_generated(lambda name: KNOWN.get(aliases.get(name, "")), query)


def _known_ids(w) -> dict[str, list]:
    from sunlit.board.models import BoardContest, BoardItem, WeeklyBoard
    from sunlit.company.models import Employee, LeaveRequest, RosterPattern, SwapRequest
    from sunlit.core.models import ApiToken, Community, Membership, Person
    from sunlit.finance.models import (
        Bill,
        BillingRun,
        Expense,
        FeeItem,
        FundUse,
        JournalEntry,
        MeterImport,
        Payment,
        PaymentOrder,
        PublicIncome,
        ReminderRule,
        ReminderTemplate,
        Waiver,
    )
    from sunlit.governance.consultations.models import Comment, Consultation
    from sunlit.governance.controls.models import ControlChange
    from sunlit.governance.meetings.models import Attendee, Meeting
    from sunlit.governance.models import Ballot, Proposal, Vote
    from sunlit.notices.models import Notification
    from sunlit.registry.models import Unit, Vehicle
    from sunlit.tickets.models import Shift, Ticket
    from sunlit.transparency.models import LogLeaf, WitnessKey
    from tests.api import fuzz_world

    def pks(model, n=4):
        return list(model.objects.order_by("pk").values_list("pk", flat=True)[:n])

    by_name = {
        "community_id": Community, "unit_id": Unit, "person_id": Person, "vehicle_id": Vehicle,
        "token_id": ApiToken, "ticket_id": Ticket, "vote_id": Vote, "ballot_id": Ballot,
        "bill_id": Bill, "payment_id": Payment, "run_id": BillingRun, "order_id": PaymentOrder,
        "waiver_id": Waiver, "expense_id": Expense, "income_id": PublicIncome, "use_id": FundUse,
        "entry_id": JournalEntry, "import_id": MeterImport, "rule_id": ReminderRule,
        "template_id": ReminderTemplate, "board_id": WeeklyBoard, "contest_id": BoardContest,
        "meeting_id": Meeting, "attendee_id": Attendee, "consultation_id": Consultation,
        "comment_id": Comment, "proposal_id": Proposal, "notification_id": Notification,
        "witness_id": WitnessKey, "change_id": ControlChange, "employee_id": Employee,
        "membership_id": Membership, "pattern_id": RosterPattern, "leave_id": LeaveRequest,
        "swap_id": SwapRequest, "shift_id": Shift,
    }
    known = {name: pks(model) for name, model in by_name.items()}
    known["item_id"] = pks(BoardItem)
    known["/finance/fee-items/{item_id}/tariffs:item_id"] = pks(FeeItem)
    known["index"] = sorted(set(LogLeaf.objects.filter(log__community=w.a)
                                .order_by("index").values_list("index", flat=True)[:3]))
    known["month"] = [w.now.astimezone(fuzz_world.SHANGHAI).strftime("%Y-%m")]
    return {name: ids for name, ids in known.items() if ids}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The world, built once for the module inside a transaction that is rolled back at its end;
    each test (and each example, see ``test_api``) runs in a savepoint within it."""
    from tests.api import fuzz_world

    # Django's test client keeps request signals from closing the test's connection; the WSGI
    # handler that schemathesis calls does not.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            w = fuzz_world.build()
            KNOWN.update(_known_ids(w))
            yield w
        finally:
            KNOWN.clear()
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
@settings(derandomize=True, database=None, deadline=None,
          # The world is one for all examples on purpose (each example is rolled back).
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_api(case, role, world, db):
    headers = {"Authorization": f"Bearer {world.tokens[role]}"}
    with transaction.atomic():
        response = case.call(headers=headers)
        transaction.set_rollback(True)
    case.validate_response(response, checks=CHECKS, headers=headers)


def test_the_world_has_rows_for_the_path_ids(world, db):
    """Without rows, generated ids only ever reach 404s."""
    import re

    names = {name for path in schema.raw_schema["paths"] for name in re.findall(r"{(\w+)}", path)}
    # action: an enum, generated; key: a figure of a monthly report, generated
    missing = sorted(name for name in names - {"action", "key"} if name not in KNOWN)
    assert missing == [], " ".join(missing)
