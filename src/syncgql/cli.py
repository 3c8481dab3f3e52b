"""The ``syncgql`` command line and its sub-commands.

``serve``, ``emulator``, ``export-schema``, ``error-codes``, ``generate-secret-key``.

Each sub-command imports what it needs only when it runs, so ``syncgql --help`` stays fast
and a broken optional piece cannot stop the others from starting.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import metadata


def package_version() -> str:
    """The installed distribution's version (pyproject's ``version``), or why it is unknown."""
    try:
        return metadata.version("syncgql")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every sub-command."""
    parser = argparse.ArgumentParser(
        prog="syncgql",
        description="A typed, batched GraphQL gateway for CData Sync.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    from syncgql import serve
    from syncgql.emulator import command as emulator_command

    serve_parser = sub.add_parser(
        "serve",
        help="serve the GraphQL gateway",
        description=serve.SERVE_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.configure_serve(serve_parser)
    serve_parser.set_defaults(handler=serve.run_serve)

    export_parser = sub.add_parser(
        "export-schema",
        help="write schema.graphql (or check it with --check)",
        description="Write the GraphQL schema as SDL; --check fails when the file drifted.",
    )
    serve.configure_export(export_parser)
    export_parser.set_defaults(handler=serve.run_export)

    emulator_parser = sub.add_parser(
        "emulator",
        help="run the CData Sync API emulator (really runs jobs)",
        description=emulator_command.DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    emulator_command.configure_parser(emulator_parser)
    emulator_parser.set_defaults(handler=emulator_command.run)

    from syncgql import errorcodes

    codes_parser = sub.add_parser("error-codes", help="print the error codes as a Markdown table")
    codes_parser.set_defaults(handler=errorcodes.run)

    key_parser = sub.add_parser(
        "generate-secret-key",
        help="print a new --secret-key (a Fernet key) for webhook secrets at rest",
        description="Print a new random key for --secret-key / SYNCGQL_SECRET_KEY. To rotate, "
        "give the new key first and the old ones after it (comma-separated).",
    )
    key_parser.set_defaults(handler=_generate_secret_key)
    return parser


def _generate_secret_key(_args: argparse.Namespace) -> int:
    from syncgql.store.sealing import SecretBox

    sys.stdout.write(SecretBox.generate_key() + "\n")
    return 0


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line and exit with the sub-command's status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    sys.exit(args.handler(args))
