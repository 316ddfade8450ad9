"""sunlit log audit: recompute the tree from the leaves; tampering in the database is found."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from sunlit.transparency import merkle, note, services
from sunlit.transparency.choices import Problem
from sunlit.transparency.logaudit import audit_log
from sunlit.transparency.models import STORED_LEVEL, Checkpoint, Log, LogLeaf


@pytest.fixture
def log(community, record_units):
    record_units(community, 20)
    log = Log.objects.get(community=community)
    services.sign_checkpoint(log)
    record_units(community, 13)
    services.sign_checkpoint(log)
    return log


def audit(*args) -> str:
    out = StringIO()
    call_command("log", "audit", *args, stdout=out)
    return out.getvalue()


def raw_update(sql: str, params: list) -> None:
    """Tampering as an intruder with database access would: behind the application's back."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_an_untouched_log_passes(log):
    out = audit("--community", "mingqiang")
    assert "✓ localhost/log/mingqiang：33 条叶子" in out and "2 个检查点全部核对无误" in out
    report = audit_log(log)
    assert report.ok and report.nodes_checked == sum(33 >> lvl for lvl in range(STORED_LEVEL, 6))


def test_an_edited_leaf_is_named(log):
    leaf = LogLeaf.objects.get(log=log, index=17)
    raw_update("UPDATE transparency_logleaf SET data = %s WHERE id = %s",
               [leaf.data.replace('"floor":17', '"floor":7'), leaf.pk])
    with pytest.raises(CommandError, match="1 个日志未通过审计"):
        out = StringIO()
        call_command("log", "audit", stdout=out)
    assert "第一个有问题的叶子序号：17" in out.getvalue()
    report = audit_log(log)
    assert report.first_bad_index == 17
    problems = {f.problem for f in report.findings}
    assert Problem.LEAF_HASH in problems and Problem.CHECKPOINT_ROOT in problems
    assert Problem.NODE not in problems  # the stored hashes still agree with each other


def test_an_edited_leaf_with_its_hash_is_narrowed_down(log):
    leaf = LogLeaf.objects.get(log=log, index=9)
    forged = leaf.data.replace('"floor":9', '"floor":8')
    raw_update("UPDATE transparency_logleaf SET data = %s, leaf_hash = %s WHERE id = %s",
               [forged, merkle.leaf_hash(forged.encode()), leaf.pk])
    report = audit_log(log)
    assert not report.ok
    assert report.first_bad_index == 8  # node 2/2 covers leaves 8–11
    node = next(f for f in report.findings if f.problem == Problem.NODE)
    assert "2/2" in node.message and not node.exact
    assert any(f.problem == Problem.CHECKPOINT_ROOT and "0–19" in f.message
               for f in report.findings)


def test_a_removed_leaf_is_a_gap(log):
    raw_update("DELETE FROM transparency_logleaf WHERE log_id = %s AND \"index\" = %s",
               [log.pk, 30])
    report = audit_log(log)
    assert report.first_bad_index == 30
    assert report.findings[0].problem == Problem.GAP


def test_a_checkpoint_by_another_key_is_reported(log):
    impostor = note.Signer.generate(log.origin)
    cp = Checkpoint.objects.filter(log=log).order_by("size").first()
    forged = note.sign_checkpoint(note.Checkpoint(log.origin, cp.size, bytes(cp.root_hash)),
                                  [impostor])
    raw_update("UPDATE transparency_checkpoint SET note = %s, verifier_key = %s WHERE id = %s",
               [forged, impostor.verifier.vkey, cp.pk])
    report = audit_log(log)
    assert [f.problem for f in report.findings] == [Problem.CHECKPOINT_SIGNATURE]
    # unless that key is given as trusted (e.g. the key before a rotation)
    assert audit_log(log, trusted=[impostor.verifier]).ok


def test_sign_and_keys_commands(community, record_units):
    record_units(community, 3)
    out = StringIO()
    call_command("log", "sign", "--community", "mingqiang", stdout=out)
    assert "已签发规模 3 的检查点" in out.getvalue()
    out = StringIO()
    call_command("log", "sign", stdout=out)
    assert "没有新记录" in out.getvalue()
    out = StringIO()
    call_command("log", "keys", stdout=out)
    assert out.getvalue().startswith("明强小区\tlocalhost/log/mingqiang\tlocalhost/log/mingqiang+")
    with pytest.raises(CommandError, match="没有编码为 nowhere"):
        call_command("log", "audit", "--community", "nowhere")
