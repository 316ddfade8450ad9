"""Signed checkpoints: signed when the tree grew, never two inconsistent ones; the key file."""

from __future__ import annotations

import stat

import pytest
from django.db import transaction

from sunlit.transparency import keys, merkle, note, selectors, services, tasks
from sunlit.transparency.models import Checkpoint, Log, LogLeaf, TreeNode
from tests.transparency.test_notes import independent_open


def test_a_checkpoint_is_signed_only_when_the_tree_grew(community, record_units):
    record_units(community, 5)
    log = Log.objects.get(community=community)
    first = services.sign_checkpoint(log)
    assert first.size == 5 and bytes(first.root_hash) == bytes(log.root_hash)
    assert services.sign_checkpoint(log) is None
    record_units(community, 2)
    second = services.sign_checkpoint(log)
    assert second.size == 7
    assert Checkpoint.objects.filter(log=log).count() == 2
    log.refresh_from_db()
    assert log.signed_size == 7


def test_the_checkpoint_is_a_c2sp_signed_note_under_the_log_origin(community, record_units):
    record_units(community, 3)
    log = Log.objects.get(community=community)
    checkpoint = services.sign_checkpoint(log)
    vkey = selectors.verifier_key(log)
    assert vkey.startswith("localhost/log/mingqiang+") and checkpoint.verifier_key == vkey
    text = independent_open(checkpoint.note, vkey)
    origin, size, root, empty = text.split("\n")
    assert (origin, size, root, empty) == (log.origin, "3", log.root_b64, "")
    body, opened = note.open_checkpoint(checkpoint.note, [note.Verifier.parse(vkey)],
                                        origin=log.origin)
    assert body.size == 3 and opened.signers == [log.origin]


def test_the_schedule_signs_every_log_that_grew(community, other_community, record_units):
    record_units(community, 2)
    record_units(other_community, 1)
    assert tasks.sign_checkpoints.call_local() == 2
    assert tasks.sign_checkpoints.call_local() == 0
    record_units(community, 1)
    assert tasks.sign_checkpoints.call_local() == 1


def _rewrite_history(log, index):
    """What a dishonest operator would do: replace one old leaf and rebuild the whole tree."""
    leaf = LogLeaf.objects.get(log=log, index=index)
    forged = leaf.data.replace('"floor":', '"floor":1')
    hashes = [bytes(h) for h in LogLeaf.objects.filter(log=log).order_by("index")
              .values_list("leaf_hash", flat=True)]
    hashes[index] = merkle.leaf_hash(forged.encode())
    tree = merkle.MemoryTree(hashes)
    LogLeaf.objects.filter(pk=leaf.pk).update(data=forged, leaf_hash=hashes[index])
    for (level, i), value in tree.nodes.items():
        if level:
            TreeNode.objects.filter(log=log, level=level, index=i).update(hash=value)
    Log.objects.filter(pk=log.pk).update(root_hash=tree.root(), frontier=tree.frontier.to_bytes())


def test_a_rewritten_history_is_never_signed(community, record_units):
    record_units(community, 6)
    log = Log.objects.get(community=community)
    services.sign_checkpoint(log)
    _rewrite_history(log, 2)
    record_units(community, 3)
    with pytest.raises(services.LogIntegrityError, match="not consistent"):
        services.sign_checkpoint(log)
    assert list(Checkpoint.objects.filter(log=log).values_list("size", flat=True)) == [6]
    # and the schedule refuses too, without stopping for the other logs
    assert tasks.sign_checkpoints.call_local() == 0


def test_a_head_that_disagrees_with_the_nodes_is_never_signed(community, record_units):
    record_units(community, 4)
    log = Log.objects.get(community=community)
    Log.objects.filter(pk=log.pk).update(root_hash=b"\x00" * 32)
    with pytest.raises(services.LogIntegrityError, match="disagrees"):
        services.sign_checkpoint(log)
    assert not Checkpoint.objects.exists()


def test_the_empty_log_gets_a_checkpoint(community):
    log = services.get_or_create_log(community)
    checkpoint = services.sign_checkpoint(log)
    assert checkpoint.size == 0 and bytes(checkpoint.root_hash) == merkle.EMPTY_ROOT
    assert services.sign_checkpoint(log) is None


def test_the_signing_key_is_created_once_with_mode_0600(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    keys.reset()
    try:
        signer = keys.signing_key()
        path = tmp_path / "keys" / "log_signing_key"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.read_text().startswith("PRIVATE+KEY+localhost/log+")
        keys.reset()
        assert keys.signing_key() == signer
    finally:
        keys.reset()


def test_the_signing_key_can_come_from_the_environment(monkeypatch, tmp_path, community):
    given = note.Signer.generate("operator.example/sunlit")
    monkeypatch.setenv("SUNLIT_LOG_SIGNING_KEY", given.skey)
    keys.reset()
    try:
        assert keys.signing_key() == given
        with transaction.atomic():
            log = services.get_or_create_log(community)
        checkpoint = services.sign_checkpoint(log)
        assert checkpoint.verifier_key == given.renamed(log.origin).verifier.vkey
        monkeypatch.delenv("SUNLIT_LOG_SIGNING_KEY")
        key_file = tmp_path / "skey"
        key_file.write_text(given.skey + "\n")
        monkeypatch.setenv("SUNLIT_LOG_SIGNING_KEY_FILE", str(key_file))
        keys.reset()
        assert keys.signing_key() == given
        monkeypatch.setenv("SUNLIT_LOG_SIGNING_KEY", "PRIVATE+KEY+broken")
        keys.reset()
        with pytest.raises(Exception, match="SUNLIT_LOG_SIGNING_KEY"):
            keys.signing_key()
    finally:
        keys.reset()


def test_the_origin_prefix_follows_the_public_host(settings, monkeypatch, other_community):
    settings.ALLOWED_HOSTS = ["localhost", "wuye.example.cn"]
    assert services.origin_for(other_community) == "wuye.example.cn/log/yuanjing"
    monkeypatch.setenv("SUNLIT_LOG_ORIGIN_PREFIX", "sunlit.example.org/logs/")
    assert services.origin_for(other_community) == "sunlit.example.org/logs/yuanjing"
