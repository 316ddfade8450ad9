"""sunlit witness: C2SP tlog-witness add-checkpoint with its status codes, pull and push, evidence.

The first half drives the witness alone (a log kept in memory, the WSGI app called directly);
the second half runs it against the live Django server: cosign, store, serve, verify with
``sunlit verify checkpoint --min-witnesses``, then catch a rewritten history.
"""

from __future__ import annotations

import base64
import io
import json
import os
import stat
import subprocess
import sys
import threading
import urllib.request
from io import StringIO
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server
from wsgiref.util import setup_testing_defaults

import pytest

from sunlit.transparency import (
    keys,
    merkle,
    note,
    offline,
    selectors,
    services,
    tasks,
    tiles,
    witness,
    witness_cli,
)
from sunlit.transparency.cosignature import CosignatureVerifier, verify_cosignatures
from sunlit.transparency.models import Checkpoint, Cosignature, Log
from sunlit.transparency.witness import AddCheckpointError, Witness, add_checkpoint_body
from tests.transparency.test_checkpoints import _rewrite_history

ORIGIN = "example.com/log"


class MemoryLog:
    """A log kept in memory: its tree and the checkpoints its key signs."""

    def __init__(self, signer: note.Signer | None = None):
        self.signer = signer or note.Signer.generate(ORIGIN)
        self.tree = merkle.MemoryTree()

    def grow(self, n: int) -> None:
        for _ in range(n):
            self.tree.append(merkle.leaf_hash(f"entry {self.tree.size}".encode()))

    def checkpoint(self, size: int | None = None, root: bytes | None = None,
                   signer: note.Signer | None = None) -> str:
        size = self.tree.size if size is None else size
        root = self.tree.root(size) if root is None else root
        return note.sign_checkpoint(note.Checkpoint(ORIGIN, size, root), [signer or self.signer])

    def proof(self, old: int, new: int | None = None) -> list[bytes]:
        return self.tree.consistency_proof(old, new) if old else []


@pytest.fixture
def state(tmp_path):
    path = tmp_path / "witness" / "state.json"
    witness.init_state(path, "committee.example/w1")
    return path


@pytest.fixture
def memlog():
    log = MemoryLog()
    log.grow(10)
    return log


@pytest.fixture
def wit(state, memlog):
    w = Witness(state, clock=lambda: 1_700_000_000)
    w.add_log(ORIGIN, [memlog.signer.verifier.vkey])
    return w


def post(app, body: bytes, *, method: str = "POST", path: str = "/add-checkpoint"):
    environ: dict = {}
    setup_testing_defaults(environ)
    environ.update(REQUEST_METHOD=method, PATH_INFO=path, CONTENT_LENGTH=str(len(body)),
                   **{"wsgi.input": io.BytesIO(body)})
    answer = {}

    def start_response(status, headers):
        answer["status"], answer["headers"] = int(status.split()[0]), dict(headers)

    data = b"".join(app(environ, start_response))
    return answer["status"], answer["headers"], data.decode("utf-8")


def cosigns(wit: Witness, message: str, lines: str) -> bool:
    verifier = CosignatureVerifier.parse(wit.vkey)
    return len(verify_cosignatures(message + lines, [verifier])[1]) == 1


# --- init ----------------------------------------------------------------------------------


def test_init_creates_a_private_key_file_and_prints_the_vkey(tmp_path):
    path = tmp_path / "state.json"
    out, err = StringIO(), StringIO()
    assert witness_cli.main(["init", "--name", "committee.example/w1", "--state", str(path)], out, err) == 0
    vkey = out.getvalue().strip().splitlines()[-1]
    assert CosignatureVerifier.parse(vkey).name == "committee.example/w1"
    key_file = tmp_path / "state.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text().startswith("PRIVATE+KEY+committee.example/w1+")
    data = json.loads(path.read_text())
    assert data["vkey"] == vkey and data["logs"] == {} and data["key_file"] == "state.key"
    assert Witness(path).vkey == vkey
    # never overwritten: the key is the witness's identity
    assert witness_cli.main(["init", "--name", "x.example/w", "--state", str(path)], out, err) == 1
    assert "已存在" in err.getvalue() and Witness(path).vkey == vkey
    assert witness_cli.main(["init", "--name", "bad name", "--state", str(tmp_path / "b.json")],
                        out, err) == 1


# --- add-checkpoint: every status code of C2SP tlog-witness --------------------------------


def test_200_first_contact_then_a_consistent_growth(wit, memlog, state):
    app = witness_cli.wsgi_app(wit)
    first = memlog.checkpoint()
    status, _, body = post(app, add_checkpoint_body(0, [], first))
    assert status == 200 and body.startswith("— committee.example/w1 ") and body.endswith("\n")
    assert cosigns(wit, first, body)
    assert Witness(state).snapshot()["logs"][ORIGIN]["size"] == 10  # persisted before answering
    memlog.grow(7)
    second = memlog.checkpoint()
    status, _, body = post(app, add_checkpoint_body(10, memlog.proof(10), second))
    assert status == 200 and cosigns(wit, second, body)
    _, found = verify_cosignatures(second + body, [CosignatureVerifier.parse(wit.vkey)])
    assert found[0].timestamp == 1_700_000_000
    # the same checkpoint again (a retry) is cosigned again
    assert post(app, add_checkpoint_body(17, [], second))[0] == 200
    entry = Witness(state).snapshot()["logs"][ORIGIN]
    assert entry["size"] == 17 and entry["root_hash"] == base64.b64encode(memlog.tree.root()).decode()


def test_409_when_the_old_size_is_not_the_last_cosigned_one(wit, memlog):
    app = witness_cli.wsgi_app(wit)
    assert post(app, add_checkpoint_body(0, [], memlog.checkpoint()))[0] == 200
    memlog.grow(5)
    for old in (0, 4, 12):
        status, headers, body = post(app, add_checkpoint_body(old, memlog.proof(old), memlog.checkpoint()))
        assert (status, body) == (409, "10\n")
        assert headers["Content-Type"] == "text/x.tlog.size"
    # a stale request for an older size cannot roll the witness back
    status, _, body = post(app, add_checkpoint_body(0, [], memlog.checkpoint(size=3)))
    assert (status, body) == (409, "10\n")


def test_409_and_refusal_when_one_size_has_two_roots(wit, memlog, state):
    out = StringIO()
    app = witness_cli.wsgi_app(wit, out)
    assert post(app, add_checkpoint_body(0, [], memlog.checkpoint()))[0] == 200
    forked = memlog.checkpoint(root=merkle.leaf_hash(b"another history"))
    status, headers, body = post(app, add_checkpoint_body(10, [], forked))
    assert (status, body, headers["Content-Type"]) == (409, "10\n", "text/x.tlog.size")
    entry = Witness(state).snapshot()["logs"][ORIGIN]
    assert entry["refusing"] and "两个不同的树根" in entry["refusing"]["reason"]
    evidence = json.loads(Path(entry["refusing"]["evidence"]).read_text())
    assert evidence["new_checkpoint"] == forked and evidence["cosigned_checkpoint"] == memlog.checkpoint()
    assert "警告" in out.getvalue() and "WARNING" in out.getvalue()
    # from now on the witness refuses the log, even a consistent checkpoint
    memlog.grow(1)
    status, _, body = post(app, add_checkpoint_body(10, memlog.proof(10), memlog.checkpoint()))
    assert status == 403 and "拒绝" in body


def test_403_when_no_trusted_key_signed(wit, memlog):
    app = witness_cli.wsgi_app(wit)
    stranger = note.Signer.generate(ORIGIN)
    status, _, body = post(app, add_checkpoint_body(0, [], memlog.checkpoint(signer=stranger)))
    assert status == 403 and "签名" in body
    # signatures of unknown keys are ignored when a trusted one is there
    both = memlog.checkpoint()
    both += note.sign(note.split(both)[0], [stranger]).partition("\n\n")[2]
    assert post(app, add_checkpoint_body(0, [], both))[0] == 200


def test_404_for_an_unknown_origin(wit):
    other = note.Signer.generate("other.example/log")
    message = note.sign_checkpoint(note.Checkpoint("other.example/log", 1, b"\x01" * 32), [other])
    status, _, body = post(witness_cli.wsgi_app(wit), add_checkpoint_body(0, [], message))
    assert status == 404 and "other.example/log" in body


def test_422_for_a_proof_that_does_not_verify_and_the_request_is_kept(wit, memlog, state):
    app = witness_cli.wsgi_app(wit, StringIO())
    assert post(app, add_checkpoint_body(0, [], memlog.checkpoint()))[0] == 200
    memlog.grow(6)
    proof = memlog.proof(10)
    proof[0] = bytes(32)
    status, _, body = post(app, add_checkpoint_body(10, proof, memlog.checkpoint()))
    assert status == 422 and "一致性证明" in body
    evidence = list((state.parent / "evidence").iterdir())
    assert len(evidence) == 1 and json.loads(evidence[0].read_text())["old_size"] == 10
    # anyone can copy a signed checkpoint and send a bad proof: that alone is no reason to
    # stop witnessing the log, so the right proof is still cosigned
    assert not Witness(state).snapshot()["logs"][ORIGIN]["refusing"]
    assert post(app, add_checkpoint_body(10, memlog.proof(10), memlog.checkpoint()))[0] == 200
    # a non-empty proof from size 0 does not verify either
    fresh = MemoryLog(memlog.signer)
    fresh.grow(3)
    wit.forget(ORIGIN)
    wit.add_log(ORIGIN, [memlog.signer.verifier.vkey])
    assert post(app, add_checkpoint_body(0, [bytes(32)], fresh.checkpoint()))[0] == 422


@pytest.mark.parametrize("body", [
    b"old 0\nexample.com/log\n1\n",                                        # no blank line
    b"old 01\n\n",                                                         # leading zero
    b"old -1\n\n",
    b"old x\n\n",
    b"new 0\n\n",
    b"old 0\nnot base64!\n\n",
    b"old 0\n" + base64.b64encode(bytes(31)) + b"\n\n",                    # not a 32-byte hash
    b"old 0\n" + (base64.b64encode(bytes(32)) + b"\n") * 64 + b"\n",       # more than 63 lines
    b"\xff\xfe",                                                           # not UTF-8
])
def test_400_for_a_malformed_request(wit, memlog, body):
    message = memlog.checkpoint().encode()
    status, _, _ = post(witness_cli.wsgi_app(wit), body if b"\n\n" not in body else body + message)
    assert status == 400


def test_400_for_an_old_size_above_the_checkpoint_and_a_malformed_checkpoint(wit, memlog):
    app = witness_cli.wsgi_app(wit)
    assert post(app, add_checkpoint_body(11, [], memlog.checkpoint()))[0] == 400
    assert post(app, b"old 0\n\nexample.com/log\nten\nAAAA\n\n- sig\n")[0] == 400


def test_only_post_add_checkpoint(wit):
    app = witness_cli.wsgi_app(wit)
    assert post(app, b"", method="GET")[0] == 405
    assert post(app, b"", path="/other")[0] == 404
    status, _, body = post(app, b"", method="GET", path="/")
    assert status == 200 and body.strip() == wit.vkey


def test_concurrent_requests_never_roll_the_witness_back(wit, memlog, state):
    """tlog-witness: checking the old size and storing the new one are one atomic step."""
    app = witness_cli.wsgi_app(wit)
    assert post(app, add_checkpoint_body(0, [], memlog.checkpoint()))[0] == 200
    memlog.grow(10)
    bodies = [add_checkpoint_body(10, memlog.proof(10, size), memlog.checkpoint(size=size))
              for size in range(11, 21)]
    results: list[int] = []
    threads = [threading.Thread(target=lambda b=b: results.append(post(app, b)[0])) for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200] + [409] * 9
    assert Witness(state).snapshot()["logs"][ORIGIN]["size"] > 10


# --- reading hash tiles ------------------------------------------------------------------------


def tile_server(tree: merkle.MemoryTree):
    """fetch() over a tlog-tiles log whose tree is ``tree`` (counts the requests)."""
    calls = []

    def fetch(url, **_):
        calls.append(url)
        wanted = tiles.parse(url.split("/log/", 1)[1])
        level = wanted.tree_level
        hashes = [tree.nodes.get((level, wanted.first + i)) for i in range(wanted.width)]
        if None in hashes:
            return witness.Fetched(404, "text/plain", b"")
        return witness.Fetched(200, "application/octet-stream", b"".join(hashes))

    return fetch, calls


@pytest.mark.parametrize(("old", "new"), [(1, 2), (3, 7), (255, 256), (256, 300), (1000, 1300),
                                          (65_535, 65_537), (70_000, 70_001), (1, 70_001)])
def test_consistency_proofs_from_hash_tiles_equal_the_trees(old, new):
    tree = merkle.MemoryTree(merkle.leaf_hash(str(i).encode()) for i in range(new))
    fetch, calls = tile_server(tree)
    reader = witness.TileReader("https://h/log/", new, fetch)
    assert merkle.consistency_proof(old, new, reader) == tree.consistency_proof(old, new)
    assert merkle.root_hash(new, reader) == tree.root()
    assert len(calls) == len(set(calls)) <= 3 * 3  # each tile once; few tiles per level


# --- pull, against the live server ---------------------------------------------------------


def _run(state, *args) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    code = witness_cli.main(["run", "--state", str(state), *args, "--once"], out, err)
    return code, out.getvalue(), err.getvalue()


def _get(url: str) -> str:
    with urllib.request.urlopen(url) as response:
        return response.read().decode()


def _verify(*args) -> tuple[int, str]:
    out, err = StringIO(), StringIO()
    code = offline.main([str(a) for a in args], out, err)
    return code, out.getvalue() + err.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_witness_cosigns_the_live_log_and_refuses_a_rewritten_history(
        live_server, community, committee, record_units, tmp_path):
    record_units(community, 20)
    log = Log.objects.get(community=community)
    services.sign_checkpoint(log)
    state = tmp_path / "w" / "state.json"
    vkey = witness.init_state(state, "committee.example/mingqiang").verifier.vkey
    services.register_witness_key(community, actor=committee, vkey=vkey, name="业委会见证节点")
    url = f"{live_server.url}/log/{log.path}/"

    # first contact: the log key comes from GET /log/ (trust on first use, said loudly)
    code, out, err = _run(state, "--log", url)
    assert code == 0, err
    assert "TOFU" in out and selectors.verifier_key(log) in out and "规模 20" in out
    first = Cosignature.objects.get()
    assert first.checkpoint.size == 20 and first.witness.key_name == "committee.example/mingqiang"

    # the checkpoint is served with the cosignature, and verifies with a minimum of witnesses
    served = _get(url + "checkpoint")
    assert served.endswith(first.line) and served.startswith(first.checkpoint.note)
    (tmp_path / "cp20.txt").write_text(served)
    log_key = selectors.verifier_key(log)
    code, text = _verify("checkpoint", tmp_path / "cp20.txt", "--key", log_key, "--witness", vkey,
                         "--min-witnesses", "1")
    assert code == 0, text
    assert "1 个见证人联署有效" in text and "committee.example/mingqiang" in text
    other = witness.CosignatureSigner.generate("someone.example/w").verifier.vkey
    code, text = _verify("checkpoint", tmp_path / "cp20.txt", "--key", log_key, "--witness", vkey,
                         "--witness", other, "--min-witnesses", "2")
    assert code == 1 and "只有 1 个见证人联署" in text

    # nothing new: nothing sent
    code, out, _ = _run(state)
    assert code == 0 and "已联署" not in out
    assert Cosignature.objects.count() == 1

    # the log grows past a tile: the consistency proof 20 → 530 comes from public hash tiles
    record_units(community, 509)  # + the witness's registration (log.witness.registered)
    services.sign_checkpoint(log)
    code, out, err = _run(state, "--log", url)
    assert code == 0, err
    assert list(Cosignature.objects.order_by("checkpoint__size")
                .values_list("checkpoint__size", flat=True)) == [20, 530]
    snapshot = witness.Witness(state).snapshot()["logs"][log.origin]
    assert snapshot["size"] == snapshot["submitted_size"] == 530

    # the operator rewrites an old leaf, rebuilds the tree and signs the result by hand
    # (sign_checkpoint itself would refuse): the witness must not go along
    _rewrite_history(log, 2)
    record_units(community, 5)
    log.refresh_from_db()
    forged = note.sign_checkpoint(note.Checkpoint(log.origin, log.size, bytes(log.root_hash)),
                                  [keys.log_signer(log.origin)])
    Checkpoint.objects.create(community=community, log=log, size=log.size, root_hash=log.root_hash,
                              note=forged, key_name=log.origin, verifier_key=log_key)
    code, out, err = _run(state)
    assert code == witness.EXIT_REFUSED
    assert "拒绝联署" in err and "WARNING" in err and "一致性证明验证失败" in err
    assert Cosignature.objects.count() == 2  # nothing for the forged checkpoint
    entry = witness.Witness(state).snapshot()["logs"][log.origin]
    assert entry["refusing"] and entry["size"] == 530
    evidence = json.loads(Path(entry["refusing"]["evidence"]).read_text())
    assert evidence["cosigned_size"] == 530 and evidence["new_checkpoint"].startswith(forged)
    assert evidence["cosigned_checkpoint"].startswith(Checkpoint.objects.get(log=log, size=530).note)
    assert evidence["consistency_proof"] and evidence["old_size"] == 530
    # the evidence convicts the log offline: two signed checkpoints, a proof that fails
    old_cp = tmp_path / "old.txt"
    new_cp = tmp_path / "new.txt"
    old_cp.write_text(evidence["cosigned_checkpoint"])
    new_cp.write_text(evidence["new_checkpoint"])
    (tmp_path / "proof.json").write_text(json.dumps({
        "first": 530, "second": log.size, "proof": evidence["consistency_proof"]}))
    code, text = _verify("consistency", tmp_path / "proof.json", "--old", old_cp, "--new", new_cp,
                         "--key", log_key)
    assert code == 1 and "一致性证明验证失败" in text
    # an owner who asks for a witness cosignature rejects the forged checkpoint
    code, text = _verify("checkpoint", new_cp, "--key", log_key, "--witness", vkey,
                         "--min-witnesses", "1")
    assert code == 1 and "只有 0 个见证人联署" in text

    # and the witness keeps refusing, loudly, until someone investigates
    code, _, err = _run(state)
    assert code == witness.EXIT_REFUSED and "继续拒绝" in err
    out = StringIO()
    assert witness_cli.main(["forget", "--state", str(state), log.origin], out) == 0
    assert log.origin not in witness.Witness(state).snapshot()["logs"]


@pytest.mark.django_db(transaction=True)
def test_the_witness_refuses_a_shrinking_tree_and_a_key_change(live_server, community,
                                                               record_units, tmp_path):
    record_units(community, 8)
    log = Log.objects.get(community=community)
    services.sign_checkpoint(log)
    url, log_key = f"{live_server.url}/log/{log.path}/", selectors.verifier_key(log)
    state = tmp_path / "state.json"
    vkey = witness.init_state(state, "committee.example/w2").verifier.vkey
    # not registered by the committee yet: cosigned, but the log does not take it
    code, _, err = _run(state, "--log", url, "--log-key", log_key)
    assert code == witness.EXIT_FAILED and "拒收" in err and vkey in err
    assert witness.Witness(state).snapshot()["logs"][log.origin]["size"] == 8

    # the witness cosigned a bigger tree than the log now shows
    data = json.loads(state.read_text())
    data["logs"][log.origin]["size"] = 50
    state.write_text(json.dumps(data))
    code, _, err = _run(state)
    assert code == witness.EXIT_REFUSED and "规模倒退" in err

    # after an investigation the log is forgotten and pinned again (--log-key, no TOFU)
    witness.Witness(state).forget(log.origin)
    code, out, _ = _run(state, "--log", url, "--log-key", log_key)
    assert code == witness.EXIT_FAILED and "TOFU" not in out

    # the checkpoint comes signed with another key (a rotation, or an impostor)
    record_units(community, 1)
    log.refresh_from_db()
    other = note.Signer.generate(log.origin)
    Checkpoint.objects.create(
        community=community, log=log, size=9, root_hash=log.root_hash,
        note=note.sign_checkpoint(note.Checkpoint(log.origin, 9, bytes(log.root_hash)), [other]),
        key_name=log.origin, verifier_key=other.verifier.vkey)
    code, _, err = _run(state)
    assert code == witness.EXIT_REFUSED and "固定的日志公钥" in err


def test_the_witness_says_what_failed_when_the_log_cannot_be_reached(state):
    code, _, err = _run(state, "--log", "http://127.0.0.1:9/log/x/")
    assert code == witness.EXIT_FAILED and "无法访问" in err
    code, _, err = _run(state)
    assert code == witness.EXIT_FAILED and "--log" in err


# --- push: the log asks a serving witness ----------------------------------------------------


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def serving(state, settings):
    """The witness of ``state`` serving add-checkpoint on a free port, on this machine: the
    operator allows the host by name (SUNLIT_OUTBOUND_ALLOW_HOSTS, core.outbound)."""
    settings.SUNLIT_OUTBOUND_ALLOW_HOSTS = ["127.0.0.1"]
    w = Witness(state)
    server = make_server("127.0.0.1", 0, witness_cli.wsgi_app(w, StringIO()), handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield w, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_the_log_asks_a_serving_witness_to_cosign(serving, community, committee, record_units):
    w, url = serving
    record_units(community, 5)
    log = Log.objects.get(community=community)
    w.add_log(log.origin, [selectors.verifier_key(log)])
    services.register_witness_key(community, actor=committee, vkey=w.vkey, name="推送见证", url=url)
    assert tasks.sign_checkpoints.call_local() == 1
    # 5 units and the witness's registration (log.witness.registered)
    assert list(Cosignature.objects.values_list("checkpoint__size", flat=True)) == [6]

    # the witness saw a newer checkpoint by another way: the log's guess of its size is stale,
    # the witness answers 409 with its size, the log proves from there
    record_units(community, 4)
    ten = services.sign_checkpoint(log)
    w.add_checkpoint(add_checkpoint_body(6, selectors.consistency_proof(log, 6, 10), ten.note))
    record_units(community, 3)
    assert tasks.sign_checkpoints.call_local() == 1
    assert sorted(Cosignature.objects.values_list("checkpoint__size", flat=True)) == [6, 13]
    latest = selectors.latest_checkpoint(log)
    _, found = verify_cosignatures(selectors.cosigned_note(latest), [CosignatureVerifier.parse(w.vkey)])
    assert len(found) == 1


def test_an_unreachable_witness_does_not_stop_the_signing(community, committee, record_units, caplog,
                                                          settings):
    settings.SUNLIT_OUTBOUND_ALLOW_HOSTS = ["127.0.0.1"]
    witness_key = witness.CosignatureSigner.generate("gone.example/w")
    services.register_witness_key(community, actor=committee, vkey=witness_key.verifier.vkey,
                                  name="离线", url="http://127.0.0.1:9")
    record_units(community, 2)
    assert tasks.sign_checkpoints.call_local() == 1
    assert not Cosignature.objects.exists()
    assert "did not cosign" in caplog.text


# --- the console script ------------------------------------------------------------------------


def test_the_console_script_runs_without_django(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "no.such.settings",
           "DATABASE_URL": "postgresql://nobody@127.0.0.1:9/no_such_database"}
    state = tmp_path / "state.json"
    init = subprocess.run([sys.executable, "-m", "sunlit.cli", "witness", "init", "--name",
                           "committee.example/cli", "--state", str(state)],
                          env=env, capture_output=True, text=True, check=False)
    assert init.returncode == 0, init.stderr
    assert "committee.example/cli+" in init.stdout
    status = subprocess.run([sys.executable, "-m", "sunlit.cli", "witness", "status", "--state",
                             str(state)], env=env, capture_output=True, text=True, check=False)
    assert status.returncode == 0 and "committee.example/cli" in status.stdout
    usage = subprocess.run([sys.executable, "-m", "sunlit.cli", "witness"], env=env,
                           capture_output=True, text=True, check=False)
    assert usage.returncode == 2 and "init" in usage.stderr


def test_the_management_command_wraps_the_same(tmp_path):
    from django.core.management import CommandError, call_command

    state = tmp_path / "state.json"
    out = StringIO()
    call_command("witness", "init", "--name", "committee.example/cmd", "--state", str(state), stdout=out)
    assert "committee.example/cmd+" in out.getvalue()
    with pytest.raises(CommandError, match="已存在"):
        call_command("witness", "init", "--name", "committee.example/cmd", "--state", str(state))
    with pytest.raises(AddCheckpointError):
        Witness(state).add_checkpoint(b"old 0\n")
