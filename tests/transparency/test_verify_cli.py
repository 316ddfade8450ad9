"""sunlit verify: offline checks of checkpoints, proofs and bundles, with no database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from sunlit.transparency import selectors, services
from sunlit.transparency.models import Log, b64


def run(*args) -> str:
    out = StringIO()
    call_command("verify", *[str(a) for a in args], stdout=out)
    return out.getvalue()


@pytest.fixture
def files(tmp_path, community, unit, record_units):
    """Two signed checkpoints (sizes 10 and 25), proofs from the API's shapes, a bundle."""
    record_units(community, 10)
    log = Log.objects.get(community=community)
    old = services.sign_checkpoint(log)
    record_units(community, 15)
    new = services.sign_checkpoint(log)
    (tmp_path / "old.txt").write_text(old.note)
    (tmp_path / "new.txt").write_text(new.note)
    leaf = selectors.leaf_at(log, 4)
    (tmp_path / "entry.json").write_bytes(leaf.entry)
    (tmp_path / "inclusion.json").write_text(json.dumps({
        "index": 4, "size": 25, "leaf_hash": b64(leaf.leaf_hash),
        "proof": [b64(p) for p in selectors.inclusion_proof(log, 4, 25)]}))
    (tmp_path / "consistency.json").write_text(json.dumps({
        "first": 10, "second": 25,
        "proof": [b64(p) for p in selectors.consistency_proof(log, 10, 25)]}))
    (tmp_path / "bundle.json").write_text(json.dumps(
        selectors.proof_bundle(log, "registry.unit", str(unit.pk)), ensure_ascii=False))
    (tmp_path / "keys.txt").write_text("# trusted keys\n" + selectors.verifier_key(log) + "\n")
    return tmp_path, selectors.verifier_key(log)


def test_checkpoints_verify_with_the_key_and_not_without(files):
    path, vkey = files
    out = run("checkpoint", path / "new.txt", "--key", vkey)
    assert "✓ 检查点签名有效" in out and "规模：25" in out
    run("checkpoint", path / "new.txt", "--key", f"@{path / 'keys.txt'}",
        "--origin", "localhost/log/mingqiang")
    with pytest.raises(CommandError, match="验证失败"):
        run("checkpoint", path / "new.txt", "--key", vkey, "--origin", "other.example/log")
    (path / "forged.txt").write_text((path / "new.txt").read_text().replace("\n25\n", "\n26\n"))
    with pytest.raises(CommandError, match="does not verify"):
        run("checkpoint", path / "forged.txt", "--key", vkey)
    with pytest.raises(CommandError, match="--key"):
        run("checkpoint", path / "new.txt")
    with pytest.raises(CommandError, match="无法读取"):
        run("checkpoint", path / "missing.txt", "--key", vkey)


def test_inclusion_proofs(files):
    path, vkey = files
    out = run("inclusion", path / "inclusion.json", "--checkpoint", path / "new.txt", "--key",
              vkey, "--leaf", path / "entry.json")
    assert "第 4 号叶子包含在规模 25 的树中" in out
    with pytest.raises(CommandError, match="规模 25"):
        run("inclusion", path / "inclusion.json", "--checkpoint", path / "old.txt", "--key", vkey)
    (path / "other-entry.json").write_bytes(b"{}")
    with pytest.raises(CommandError, match="leaf_hash"):
        run("inclusion", path / "inclusion.json", "--checkpoint", path / "new.txt", "--key", vkey,
            "--leaf", path / "other-entry.json")
    proof = json.loads((path / "inclusion.json").read_text())
    proof["index"] = 5
    (path / "wrong.json").write_text(json.dumps(proof))
    with pytest.raises(CommandError, match="包含证明验证失败"):
        run("inclusion", path / "wrong.json", "--checkpoint", path / "new.txt", "--key", vkey)
    with pytest.raises(CommandError, match="--checkpoint"):
        run("inclusion", path / "inclusion.json")


def test_consistency_proofs(files):
    path, vkey = files
    out = run("consistency", path / "consistency.json", "--old", path / "old.txt", "--new",
              path / "new.txt", "--key", vkey)
    assert "规模 25 的树是规模 10 的树的延续" in out
    with pytest.raises(CommandError, match="规模"):
        run("consistency", path / "consistency.json", "--old", path / "new.txt", "--new",
            path / "old.txt", "--key", vkey)
    proof = json.loads((path / "consistency.json").read_text())
    proof["proof"][0] = proof["proof"][1]
    (path / "bad.json").write_text(json.dumps(proof))
    with pytest.raises(CommandError, match="一致性证明验证失败"):
        run("consistency", path / "bad.json", "--old", path / "old.txt", "--new",
            path / "new.txt", "--key", vkey)


def test_bundles(files):
    path, vkey = files
    out = run("bundle", path / "bundle.json", "--key", vkey)
    assert "✓ 证明包有效：25 条记录" in out and "roster.unit.registered" in out
    data = json.loads((path / "bundle.json").read_text())
    data["entries"][0]["inclusion_proof"].pop()
    (path / "bad.json").write_text(json.dumps(data))
    with pytest.raises(CommandError, match="证明包验证失败"):
        run("bundle", path / "bad.json", "--key", vkey)


def test_the_console_script_needs_no_django_and_exits_non_zero(files, tmp_path_factory):
    path, vkey = files
    data_dir = tmp_path_factory.mktemp("untouched")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "no.such.settings",
           "SUNLIT_DATA_DIR": str(data_dir),
           "DATABASE_URL": "postgresql://nobody@127.0.0.1:9/no_such_database"}
    ok = subprocess.run([sys.executable, "-m", "sunlit.cli", "verify", "bundle",
                         str(path / "bundle.json"), "--key", vkey],
                        env=env, capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    assert "证明包有效" in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "sunlit.cli", "verify", "checkpoint",
                          str(path / "new.txt"), "--key", vkey.replace("mingqiang", "x")],
                         env=env, capture_output=True, text=True, check=False)
    assert bad.returncode == 1
    assert bad.stderr.startswith("验证失败：验证公钥无效")
    assert not any(data_dir.iterdir())  # no settings loaded: no keys, no database created
    usage = subprocess.run([sys.executable, "-m", "sunlit.cli", "verify"], env=env,
                           capture_output=True, text=True, check=False)
    assert usage.returncode == 2 and "checkpoint" in usage.stderr
