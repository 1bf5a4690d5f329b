"""The admin commands of `assistant`: users (the users file), collections, and stored conversations."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from assistant.core.errors import ConfigurationError


def add_admin_commands(commands: Any) -> None:
    """Add `users`, `collections` and `conversations` to the `assistant` command's subparsers."""
    users = commands.add_parser("users", help="manage the users file: accounts, passwords and API keys")
    actions = users.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, text in (("add", "add a user (asks for the password)"), ("passwd", "set a user's password")):
        command = actions.add_parser(name, help=text)
        command.add_argument("name", help="user name: letters, digits and . _ @ + -")
        if name == "add":
            command.add_argument("--admin", action="store_true", help="an admin (owns the collection 'default')")
        command.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    actions.add_parser("remove", help="remove a user and their API keys").add_argument("name")
    key = actions.add_parser("key", help="make an API key for a user (printed once)")
    key.add_argument("name")
    key.add_argument("--label", default="", help="a note on what the key is for")
    revoke = actions.add_parser("revoke", help="revoke a user's API key (all of them without KEY_ID)")
    revoke.add_argument("name")
    revoke.add_argument("key_id", nargs="?", default=None, help="the key's id, from `assistant users list`")
    actions.add_parser("list", help="the users and their API keys' ids")
    for command in actions.choices.values():
        command.add_argument("--file", type=Path, default=None, help="users file (default: ASSISTANT_USERS_FILE)")
        command.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    users.set_defaults(handler=_users)

    collections = commands.add_parser("collections", help="list, create, rename, share and delete collections")
    actions = collections.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("list", help="the collections you may ask")
    actions.add_parser("create", help="a new empty collection").add_argument("name")
    rename = actions.add_parser("rename", help="give a collection a new name")
    rename.add_argument("name")
    rename.add_argument("new_name")
    actions.add_parser("delete", help="delete a collection and its documents").add_argument("name")
    for verb in ("share", "unshare"):
        command = actions.add_parser(verb, help=f"{verb} a collection with a user ('*': everyone), read-only")
        command.add_argument("name")
        command.add_argument("reader")
    for command in actions.choices.values():
        _add_workspace_options(command)
    collections.set_defaults(handler=_collections)

    conversations = commands.add_parser("conversations", help="list, export and recover stored conversations")
    actions = conversations.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("list", help="a user's conversations, the most recent first")
    export = actions.add_parser("export", help="print a conversation with its sources")
    export.add_argument("id")
    export.add_argument("--format", choices=["markdown", "json"], default="markdown")
    recover = actions.add_parser("recover", help="recover a damaged conversation database (server stopped)")
    recover.add_argument("path", nargs="?", type=Path, help="the database (default: <data dir>/conversations.sqlite3)")
    for command in actions.choices.values():
        _add_workspace_options(command)
    conversations.set_defaults(handler=_conversations)


def _add_workspace_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--index", type=Path, default=None, help="index folder (default: ASSISTANT_INDEX_DIR)")
    command.add_argument("--user", default=None, help="act as this user (default: the first admin)")
    command.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def workspace_for(args: argparse.Namespace) -> Any:
    """The workspace of the settings (`--index` overriding the index folder)."""
    from assistant.core.config import Settings
    from assistant.workspace import Workspace

    return Workspace.from_settings(Settings(**({"index_dir": args.index} if args.index else {})))


def user_for(workspace: Any, args: argparse.Namespace) -> Any:
    """`--user`, or the first admin (the owner of the collection 'default')."""
    return workspace.user(args.user) if args.user else workspace.accounts.default_owner()


# -- users ------------------------------------------------------------------------------------------------
def _users(args: argparse.Namespace) -> int:
    from assistant.accounts import users
    from assistant.core.config import Settings

    path = args.file or Settings().users_file
    if path is None:
        raise ConfigurationError("Which users file? Pass --file PATH, or set ASSISTANT_USERS_FILE to it.")
    match args.action:
        case "add":
            user = users.add_user(path, args.name, _password(args), admin=args.admin)
            result = {"added": user.name, "admin": user.admin, "file": str(path)}
        case "passwd":
            users.set_password(path, args.name, _password(args))
            result = {"password_set": args.name}
        case "remove":
            users.remove_user(path, args.name)
            result = {"removed": args.name}
        case "key":
            key = users.make_api_key(path, args.name, args.label)
            result = {"user": args.name, "api_key": key, "note": "shown once: only its SHA-256 digest is kept"}
        case "revoke":
            result = {"user": args.name, "revoked": users.revoke_api_keys(path, args.name, args.key_id)}
        case _:
            listed = [
                {"name": user.name, "admin": user.admin, "api_keys": [vars(k) for k in users.api_keys(path, user.name)]}
                for user in users.list_users(path)
            ]
            lines = [
                f"{user['name']}{' (admin)' * user['admin']}  API keys: "
                + (", ".join(f"{key['id']} {key['label']!r}" for key in user["api_keys"]) or "none")
                for user in listed
            ]
            _print(args, {"users": listed}, lines)
            return 0
    _print(args, result)
    return 0


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass(f"Password for {args.name}: ")
    if getpass.getpass("Again: ") != password:
        raise ConfigurationError("The two passwords differ; nothing was changed. Run the command again.")
    return password


# -- collections ------------------------------------------------------------------------------------------
def _collections(args: argparse.Namespace) -> int:
    workspace = workspace_for(args)
    user = user_for(workspace, args)
    match args.action:
        case "create":
            changed = workspace.create_collection(user, args.name)
        case "rename":
            changed = workspace.rename_collection(user, args.name, args.new_name)
        case "delete":
            changed = workspace.delete_collection(user, args.name)
        case "share" | "unshare":
            changed = workspace.share_collection(user, args.name, args.reader, shared=args.action == "share")
        case _:
            listed = [
                {**c.to_dict(), "label": workspace.collections.label(user, c)}
                for c in workspace.collections.list_for(user)
            ]
            lines = [
                f"{c['label']}  (id {c['id']}, owner {c['owner']}, readers: {', '.join(c['shared_with']) or 'none'})"
                for c in listed
            ]
            _print(args, {"collections": listed}, lines)
            return 0
    _print(args, {args.action: changed.to_dict()})
    return 0


# -- conversations ----------------------------------------------------------------------------------------
def _conversations(args: argparse.Namespace) -> int:
    if args.action == "recover":
        return _recover(args)
    workspace = workspace_for(args)
    user = user_for(workspace, args)
    if args.action == "list":
        listed = workspace.conversations_of(user)
        lines = [f"{c.id}  {c.title or '(untitled)'}  ({c.turns} turns)" for c in listed]
        _print(args, {"conversations": [c.to_dict() for c in listed]}, lines)
        return 0
    transcript = workspace.transcript(user, args.id)
    if args.format == "json":
        print(json.dumps(transcript.to_dict(), ensure_ascii=False, indent=2))
        return 0
    from assistant.web.presentation import Turn, conversation_markdown  # plain text: no gradio import

    print(conversation_markdown([Turn(turn.question, turn.answer) for turn in transcript.turns]))
    return 0


def _recover(args: argparse.Namespace) -> int:
    from assistant.conversations.database import DATABASE_FILE
    from assistant.conversations.recovery import recover
    from assistant.core.config import Settings

    settings = Settings(**({"index_dir": args.index} if args.index else {}))
    path = args.path or Path(settings.data_dir or settings.index_dir) / DATABASE_FILE
    done = recover(path)
    result = {
        "path": str(done.path),
        "kept_as": str(done.kept_as),
        "conversations": done.conversations,
        "turns": done.turns,
        "read_errors": done.read_errors,
        "skipped_turns": done.skipped_turns,
    }
    _print(args, result)
    return 0


def _print(args: argparse.Namespace, result: dict[str, Any], lines: list[str] | None = None) -> None:
    """`result` as one JSON object with --json; else `lines`, or `key: value` lines."""
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return
    if lines is not None:
        print("\n".join(lines) if lines else "(none)")
        return
    for key, value in result.items():
        print(f"{key}: {json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else value}")
