"""The ``sunlit witness`` command and its HTTP server: init, run, serve, status, forget.

``witness.Witness`` does the work; this module reads the command line, prints what happened and
serves ``POST /add-checkpoint`` (C2SP tlog-witness) as a small WSGI application. It needs no
Django: a committee member runs it on his own machine.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TextIO

from sunlit.transparency import note
from sunlit.transparency.witness import (
    EXIT_FAILED,
    EXIT_REFUSED,
    MAX_BODY,
    SIZE_CONTENT_TYPE,
    AddCheckpointError,
    Inconsistency,
    Witness,
    WitnessFailure,
    init_state,
    loud,
)

# --- serving add-checkpoint (WSGI) ----------------------------------------------------------


def wsgi_app(witness: Witness, out: TextIO | None = None):
    """A small WSGI application: ``POST /add-checkpoint`` (C2SP tlog-witness), ``GET /`` the vkey."""

    def app(environ, start_response):
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")

        def reply(status: str, body: str, content_type: str = "text/plain; charset=utf-8"):
            data = body.encode("utf-8")
            start_response(status, [("Content-Type", content_type),
                                    ("Content-Length", str(len(data)))])
            return [data]

        if path in ("", "/") and method in ("GET", "HEAD"):
            return reply("200 OK", witness.vkey + "\n")
        if path != "/add-checkpoint":
            return reply("404 Not Found", "not found\n")
        if method != "POST":
            start_response("405 Method Not Allowed", [("Allow", "POST"), ("Content-Length", "0")])
            return [b""]
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            return reply("400 Bad Request", "请求体长度无效\n")
        body = environ["wsgi.input"].read(length)
        try:
            lines = witness.add_checkpoint(body)
        except AddCheckpointError as exc:
            if exc.evidence is not None and out is not None:
                out.write(loud(_origin_of(body), str(exc), exc.evidence) if exc.refused else
                          f"一致性证明无效的请求已记录（HTTP {exc.status}）：{exc.evidence}\n")
            if exc.status == 409 and exc.size is not None:
                return reply("409 Conflict", f"{exc.size}\n", SIZE_CONTENT_TYPE)
            return reply(f"{exc.status} {_REASONS[exc.status]}", f"{exc}\n")
        return reply("200 OK", lines)

    return app


_REASONS = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
            422: "Unprocessable Entity"}


def _origin_of(body: bytes) -> str:
    return body.decode("utf-8", "replace").partition("\n\n")[2].partition("\n")[0][:200]


# --- the command line -----------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="what", required=True,
                                metavar="{init,run,serve,status,forget}")
    init = sub.add_parser("init", help="create the witness key and state file; print the vkey")
    init.add_argument("--name", required=True,
                      help="the witness key name, e.g. yezhu.example/mingqiang-w1 (no spaces, no '+')")
    init.add_argument("--state", required=True, help="the state file to create (JSON)")
    init.add_argument("--key-file", help="where to put the private key (default: <state>.key)")

    run = sub.add_parser("run", help="poll logs, check consistency, cosign and submit")
    run.add_argument("--state", required=True)
    run.add_argument("--log", action="append", default=[],
                     help="a log URL, e.g. https://wuye.example.cn/log/mingqiang/ (repeatable; "
                          "default: every log in the state file)")
    run.add_argument("--log-key", action="append", default=[],
                     help="a log's note verifier key to trust (else trust on first use)")
    run.add_argument("--once", action="store_true", help="poll once and exit")
    run.add_argument("--interval", type=float, default=60.0, help="seconds between polls")

    serve = sub.add_parser("serve", help="serve POST /add-checkpoint (C2SP tlog-witness)")
    serve.add_argument("--state", required=True)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=7380)
    serve.add_argument("--log-key", action="append", default=[],
                       help="trust this log key for its origin (the key name) from now on")

    status = sub.add_parser("status", help="print the witness key and what it saw of each log")
    status.add_argument("--state", required=True)

    forget = sub.add_parser("forget", help="forget a log (after an investigation), keeping evidence")
    forget.add_argument("--state", required=True)
    forget.add_argument("origin")


def run(options: dict, out: TextIO, err: TextIO) -> int:
    what = options["what"]
    if what == "init":
        signer = init_state(Path(options["state"]), options["name"],
                            key_file=Path(options["key_file"]) if options.get("key_file") else None)
        out.write(f"已创建见证人 {signer.name}。请把下面的见证人公钥交给业委会，在日志页登记：\n"
                  f"{signer.verifier.vkey}\n")
        return 0
    witness = Witness(Path(options["state"]))
    if what == "status":
        return _status(witness, out)
    if what == "forget":
        if not witness.forget(options["origin"]):
            err.write(f"状态文件中没有日志 {options['origin']}\n")
            return EXIT_FAILED
        out.write(f"已忘记日志 {options['origin']}（证据文件保留）。下次接触时将重新固定其公钥。\n")
        return 0
    if what == "serve":
        return _serve(witness, options, out)
    return _run(witness, options, out, err)


def _status(witness: Witness, out: TextIO) -> int:
    data = witness.snapshot()
    out.write(f"见证人 {data['name']}\n公钥 {witness.vkey}\n")
    for origin, entry in sorted(data["logs"].items()):
        state = "拒绝联署" if entry.get("refusing") else "正常"
        size = "—" if entry.get("size") is None else entry["size"]
        out.write(f"- {origin}  [{state}]  已联署规模 {size}  "
                  f"时间 {entry.get('cosigned_at') or '—'}  地址 {entry.get('url') or '—'}\n")
        if entry.get("refusing"):
            out.write(f"    原因：{entry['refusing']['reason']}\n    证据：{entry['refusing']['evidence']}\n")
    return 0


def _serve(witness: Witness, options: dict, out: TextIO) -> int:
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    for key in options.get("log_key") or []:
        try:
            witness.add_log(note.Verifier.parse(key).name, [key.strip()])
        except note.NoteError as exc:
            raise WitnessFailure(f"日志公钥 {key} 无效：{exc}") from None

    class Quiet(WSGIRequestHandler):
        def log_message(self, format, *args):
            out.write(f"{self.address_string()} - {format % args}\n")

    server = make_server(options["host"], options["port"], wsgi_app(witness, out),
                         handler_class=Quiet)
    out.write(f"见证人 {witness.vkey}\n在 http://{options['host']}:{server.server_port}/add-checkpoint "
              "接收检查点（Ctrl-C 退出）\n")
    out.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _run(witness: Witness, options: dict, out: TextIO, err: TextIO) -> int:
    urls = list(options.get("log") or [])
    if not urls:
        urls = [e["url"] for e in witness.snapshot()["logs"].values() if e.get("url")]
    if not urls:
        raise WitnessFailure("请用 --log 指定要见证的日志地址")
    while True:
        status = 0
        for url in urls:
            try:
                witness.poll(url, log_keys=options.get("log_key") or [], out=out)
            except Inconsistency as exc:
                err.write(loud(exc.origin, exc.reason, exc.evidence))
                status = EXIT_REFUSED
            except WitnessFailure as exc:
                err.write(f"见证失败：{exc}\n")
                status = status or EXIT_FAILED
        out.flush()
        err.flush()
        if options.get("once"):
            return status
        time.sleep(max(1.0, float(options.get("interval") or 60)))


def main(argv: list[str], stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """``sunlit witness ...`` without Django (no settings, no database)."""
    out, err = stdout or sys.stdout, stderr or sys.stderr
    parser = argparse.ArgumentParser(prog="sunlit witness",
                                     description="A C2SP tlog-witness for Sunlit's transparency logs.")
    add_arguments(parser)
    options = vars(parser.parse_args(argv))
    try:
        return run(options, out, err)
    except WitnessFailure as exc:
        err.write(f"见证失败：{exc}\n")
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 0
