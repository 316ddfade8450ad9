"""The demo's witness — 见证人: the owners' committee of 明强小区 watches its log.

``load_demo`` makes a witness as ``sunlit witness init`` would (its key and state file under
``DATA_DIR/demo-witness/``, pinned to the log's key) and has a committee member register it, as
an owners' committee does. ``cosign_latest`` (called by the orchestrator once the first
checkpoint is signed) has that witness check and cosign it through the same code
``sunlit witness serve`` runs (C2SP tlog-witness add-checkpoint), and the log accepts the
cosignature as it accepts any witness's. Later checkpoints are cosigned when someone runs::

    sunlit witness run --state DATA_DIR/demo-witness/state.json --log http://127.0.0.1:8000/log/mingqiang/
"""

from __future__ import annotations

import datetime as dt
import shutil

from django.conf import settings

from sunlit.core.choices import Role
from sunlit.core.demo import DemoCast
from sunlit.core.models import Community
from sunlit.core.sides import is_committee_member
from sunlit.transparency import selectors
from sunlit.transparency import services as log
from sunlit.transparency import witness as witness_client
from sunlit.transparency.models import Log, WitnessKey


def state_path(community: Community):
    return settings.DATA_DIR / "demo-witness" / community.code / "state.json"


def load_demo(community: Community, *, cast: DemoCast | None = None, seed: int = 2026,
              now: dt.datetime | None = None) -> WitnessKey | None:
    """Registers the committee's demo witness (nothing if one is registered already or the
    community has no committee member holding no company role)."""
    if WitnessKey.objects.in_community(community).exists():
        return None
    cast = cast or DemoCast.of(community)
    member = cast.lead(Role.COMMITTEE)
    if member is None or not is_committee_member(member, community):
        return None
    the_log = log.get_or_create_log(community)
    state = state_path(community)
    if state.parent.exists():  # a witness of an earlier demo database: this log is a new one
        shutil.rmtree(state.parent)
    witness_client.init_state(state, f"yezhu.example/{community.code}-witness")
    witness = witness_client.Witness(state)
    witness.add_log(the_log.origin, [selectors.verifier_key(the_log)])
    return log.register_witness_key(community, actor=member, vkey=witness.vkey,
                                    name="业委会见证人（演示）")


def cosign_latest(community: Community) -> int:
    """The demo witness cosigns the log's latest checkpoint; returns the cosignatures stored."""
    the_log = Log.objects.filter(community=community).first()
    state = state_path(community)
    checkpoint = the_log.checkpoints.order_by("-size").first() if the_log else None
    if checkpoint is None or not state.exists():
        return 0
    witness = witness_client.Witness(state)
    line = witness.add_checkpoint(witness_client.add_checkpoint_body(0, [], checkpoint.note))
    return len(log.accept_cosignatures(the_log, checkpoint.note + line))
