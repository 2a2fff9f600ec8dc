"""The `grouppush` command: demo, run, console, exec, check, config check, audit-export."""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from bot.terminal import printable

if TYPE_CHECKING:  # imported when a command runs: `run` sets up metrics before they load
    from engine.core import Reply
    from engine.service import GroupPushService

CONFIG_HELP = "grouppush.yml (default: $GROUPPUSH_CONFIG or ./grouppush.yml)"
AS_HELP = ("who acts: a Slack user ID as listed in slack.operators and slack.approvers "
           "(default: console)")
JSON_HELP = "print the answer as one JSON document (docs/json.md)"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("grouppush")
    except PackageNotFoundError:
        return "(not installed)"


class _Version(argparse.Action):
    """--version: the installed version, looked up only when asked (a start reads no metadata)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        print(f"grouppush {_version()}")
        parser.exit()


def _service(config: str | None) -> GroupPushService:
    from connectors.errors import ConfigError, ConnectorError
    from engine.bootstrap import service_from_env
    from engine.stored import DatabaseUnavailable

    try:
        service = service_from_env(config, tell=lambda note: print(note, file=sys.stderr))
    except ConfigError as error:
        print(f"grouppush: bad configuration: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    except ConnectorError as error:
        print(printable(f"grouppush: {error.describe()}"), file=sys.stderr)
        raise SystemExit(1) from None
    except DatabaseUnavailable as error:
        print(f"grouppush: {error}", file=sys.stderr)
        raise SystemExit(2 if error.usage else 1) from None
    if not gc.isenabled():  # main held the collector back while the imports ran
        gc.freeze()
        gc.enable()
    return service


def _print(reply: Reply, as_json: bool) -> int:
    from bot.views.words import render

    text = render(reply)
    if as_json:
        from engine.schema import envelope

        print(json.dumps(envelope(reply, reply.operation, text), default=str))
    else:
        print(printable(text))
    return reply.exit_code


def cmd_exec(args: argparse.Namespace) -> int:
    """One command; exit 0 done, 1 refused or failed, 2 bad usage."""
    from bot.exec_args import exec_text

    text = exec_text(args.text)
    if text.split()[:1] and text.split()[0].lower() == "help":
        from engine.help import answer

        helped = answer(text)  # no config, database or app needed
        if helped is not None:
            return _print(helped, args.json)
    from engine.executor import run_line

    service = _service(args.config)
    with _os_user("exec"):
        return _print(run_line(service, text, args.as_user), args.json)


def cmd_console(args: argparse.Namespace) -> int:
    """The interactive console."""
    from bot.console import run_console

    service = _service(args.config)
    with _os_user("console"):
        return run_console(service, args.as_user)


@contextmanager
def _os_user(surface: str) -> Iterator[None]:
    """While it runs, audit events name the OS user next to the `--as` actor."""
    import getpass

    from engine.stored import set_audit_origin

    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container): the number will do
        user = f"uid {os.getuid()}"
    set_audit_origin(f"{surface} by OS user {user}")
    try:
        yield
    finally:
        set_audit_origin("")


def cmd_check(args: argparse.Namespace) -> int:
    """One drift check; exit 1 when drift is found."""
    from engine.executor import execute
    from engine.operations import Check

    return _print(execute(_service(args.config), Check(args.app), args.as_user), args.json)


def cmd_run(args: argparse.Namespace) -> int:
    """The Slack bot with its scheduler."""
    from bot.app import serve

    return serve(_service(args.config), host=args.host, port=args.port,
                 config_path=args.config, health_port=args.health_port)


def cmd_config(args: argparse.Namespace) -> int:
    """`config check [--online]`: validate the config and directory, starting nothing."""
    from bot.config_command import config_check

    return config_check(args.config, args.online)


def cmd_audit_export(args: argparse.Namespace) -> int:
    """The audit trail as JSON Lines (stable ids, schema version) for a SIEM."""
    from bot.audit_command import audit_export

    return audit_export(_service(args.config), args.since, args.output, args.format)


def cmd_demo(args: argparse.Namespace) -> int:
    """A sample directory, a local SCIM app, SQLite in a temporary folder (or --dir), then
    the console."""
    from bot.demo import NotADemoFolder
    from bot.demo_run import refuse_config, run_demo

    refused = refuse_config(getattr(args, "config", None))
    if refused:
        print(f"grouppush: {refused}", file=sys.stderr)
        return 2
    try:
        return run_demo(args.dir, args.as_user)
    except NotADemoFolder as error:
        print(f"grouppush: {error}", file=sys.stderr)
        return 2


def _operator_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser],
                      common: argparse.ArgumentParser) -> None:
    export = sub.add_parser("audit-export", parents=[common],
                            help="the audit trail as JSON Lines for a SIEM")
    export.add_argument("--since", help="only the last DURATION: 90s, 30m, 12h, 7d, 2w")
    export.add_argument("--output", help="a file, replaced whole (default: standard output)")
    export.add_argument("--format", choices=("jsonl", "csv"), default="jsonl",
                        help="JSON Lines (default) or CSV, one event a line")
    export.set_defaults(func=cmd_audit_export)
    config = sub.add_parser("config", help="check the configuration")
    actions = config.add_subparsers(dest="action", required=True)
    check = actions.add_parser("check", parents=[common], help="validate grouppush.yml and "
                               "the directory file; exit 2 with every problem")
    check.add_argument("--online", action="store_true",
                       help="also sign in to the directory, each app and Slack")
    check.set_defaults(func=cmd_config)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser."""
    parser = argparse.ArgumentParser(prog="grouppush", description=__doc__)
    parser.add_argument("--config", help=CONFIG_HELP)
    parser.add_argument("--version", action=_Version, nargs=0,
                        help="show grouppush's version and exit")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", default=argparse.SUPPRESS, help=CONFIG_HELP)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", parents=[common],
                          help="sample directory, local SCIM app, the console")
    demo.add_argument("--as", dest="as_user", default="console",
                      help="who the console acts as (default: console, the demo's approver)")
    demo.add_argument("--dir", help="keep the demo's world (grouppush.yml, directory.yml, "
                      "database) in DIR and serve its SCIM app while the demo runs, for "
                      "exec, check and run from another terminal")
    demo.set_defaults(func=cmd_demo)
    run = sub.add_parser("run", parents=[common], help="the Slack bot with its scheduler")
    run.add_argument("--host", default="0.0.0.0",
                     help="the address to listen on (default: 0.0.0.0, every interface)")
    run.add_argument("--port", type=int, default=3000,
                     help="HTTP port of /slack/events, /healthz, /readyz, /metrics "
                          "(default: 3000)")
    run.add_argument("--health-port", type=int,
                     default=int(os.environ.get("GROUPPUSH_HEALTH_PORT") or 0) or None,
                     help="Socket Mode: where /healthz, /readyz and /metrics are served "
                          "(default: --port; env GROUPPUSH_HEALTH_PORT)")
    run.set_defaults(func=cmd_run)
    console = sub.add_parser("console", parents=[common], help="the chat console")
    console.add_argument("--as", dest="as_user", default="console", help=AS_HELP)
    console.set_defaults(func=cmd_console)
    execute = sub.add_parser("exec", parents=[common], help="run one command")
    execute.add_argument("text", nargs="+", help="the command, quoted or not")
    execute.add_argument("--as", dest="as_user", default="console", help=AS_HELP)
    execute.add_argument("--json", action="store_true", help=JSON_HELP)
    execute.set_defaults(func=cmd_exec)
    check = sub.add_parser("check", parents=[common], help="one drift check; exit 1 on drift")
    check.add_argument("app", nargs="?")
    check.add_argument("--as", dest="as_user", default="console", help=AS_HELP)
    check.add_argument("--json", action="store_true", help=JSON_HELP)
    check.set_defaults(func=cmd_check)
    _operator_parsers(sub, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `grouppush` script."""
    from bot.logs import configure_logging

    configure_logging()
    from bot.exec_args import exec_argv

    args = build_parser().parse_args(exec_argv(sys.argv[1:] if argv is None else argv))
    script = argv is None  # the `grouppush` script: the process ends when main returns
    if script and args.command in ("exec", "check"):
        gc.disable()  # imports make many objects and few cycles: collected once made
    if args.command in ("exec", "check", "console", "demo"):
        from bot.logs import answer_on_screen

        answer_on_screen()
    if args.command == "run":  # both processes of `run` add to the front's /metrics
        from telemetry import multiproc

        multiproc.prepare()
    try:
        code: int = args.func(args)
        sys.stdout.flush()
        if script:  # the process ends: no collection need walk every object it made
            gc.freeze()
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:  # `grouppush exec ... | head`: the reader left, nothing to say
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    return code


if __name__ == "__main__":
    raise SystemExit(main())
