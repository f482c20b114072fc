"""The `labelhub` command line: a thin layer over `labelhub_client.Client`.

Exit codes: 0 success, 1 the API (or the network) said no — one line on stderr, 2 usage or configuration error.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path

from labelhub_client import config as cfg
from labelhub_client.client import Client
from labelhub_client.errors import ImportFailed, LabelHubError, format_line_error

EPILOG = """\
getting started:
  labelhub login --url https://labelhub.example.com --tenant acme --api-key lh_xxx_yyy
  labelhub projects
  labelhub items create 3 items.jsonl          # one JSON object per line: {"external_id": ..., "text": ...}
  labelhub progress 3
  labelhub datasets create 3 --format jsonl --format parquet --min-confidence 0.9 --wait
  labelhub datasets list 3
  labelhub datasets download 3 1 --format parquet -o train.parquet

configuration:
  `login` stores the URL, tenant and API key in ~/.config/labelhub/config.json (mode 0600);
  LABELHUB_CONFIG names another file. LABELHUB_URL, LABELHUB_TENANT and LABELHUB_API_KEY override the stored values.

exit codes: 0 success; 1 the API refused or could not be reached (the server's message on stderr); 2 usage error.
"""


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                        help="no progress bars")  # fmt: skip
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="print the API's JSON instead of a table")  # fmt: skip

    parser = _Parser(prog="labelhub", description="Command-line client of the LabelHub API for one tenant.",
                     epilog=EPILOG, parents=[common])  # fmt: skip
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    login = sub.add_parser("login", parents=[common], help="store the server URL, tenant and API key",
                           description="Store the server URL, tenant slug and API key (checked against the server "
                           "unless --no-check). Values not given keep their stored ones; without --api-key "
                           "on a terminal you are asked for it.")  # fmt: skip
    login.add_argument("--url", help="server base URL, e.g. https://labelhub.example.com")
    login.add_argument("--tenant", help="tenant slug (the <slug> of /t/<slug>/)")
    login.add_argument("--api-key", help="an API key of the tenant (lh_...)")
    login.add_argument("--no-check", action="store_true", help="store without calling the server")

    sub.add_parser("projects", parents=[common], help="list the tenant's projects")

    items = sub.add_parser("items", parents=[common], help="items of a project")
    items_sub = items.add_subparsers(dest="items_command", metavar="ACTION", required=True)
    create = items_sub.add_parser("create", parents=[common], help="import items from a file and wait for the job",
                                  description="Upload a JSONL file (or CSV / Label Studio JSON) and wait for the "
                                  "import job. Rejected records are listed with their line numbers.")  # fmt: skip
    create.add_argument("project_id", type=int, metavar="PROJECT_ID")
    create.add_argument("file", type=Path, metavar="FILE")
    create.add_argument("--format", dest="fmt", choices=["jsonl", "csv", "label_studio"],
                        help="file format (default: from the file name)")  # fmt: skip
    create.add_argument("--no-wait", action="store_true", help="return once the job is queued")
    create.add_argument("--timeout", type=float, default=3600, help="seconds to wait for the job (default 3600)")

    progress = sub.add_parser("progress", parents=[common], help="how many items of a project are final")
    progress.add_argument("project_id", type=int, metavar="PROJECT_ID")

    datasets = sub.add_parser("datasets", parents=[common], help="dataset versions of a project")
    ds_sub = datasets.add_subparsers(dest="datasets_command", metavar="ACTION", required=True)
    ds_create = ds_sub.add_parser("create", parents=[common], help="snapshot final labels as a new version",
                                  description="Snapshot the project's final labels as a new dataset version and "
                                  "export it in each --format.")  # fmt: skip
    ds_create.add_argument("project_id", type=int, metavar="PROJECT_ID")
    ds_create.add_argument("--format", dest="formats", action="append", metavar="FORMAT",
                           help="jsonl, csv, parquet, coco, conll, spacy, preference, label_studio "
                           "(repeatable; default jsonl)")  # fmt: skip
    ds_create.add_argument("--min-confidence", type=float, metavar="X", help="only labels with confidence >= X")
    ds_create.add_argument("--label", dest="labels", action="append", metavar="NAME", help="only these labels")
    ds_create.add_argument("--split", dest="splits", action="append", choices=["train", "validation", "test"])
    ds_create.add_argument("--since", help="only labels final since this ISO date/time")
    ds_create.add_argument("--until", help="only labels final before this ISO date/time")
    ds_create.add_argument("--include-answers", action="store_true", help="add each annotator's answer to rows")
    ds_create.add_argument("--wait", action="store_true", help="wait until the version is ready (or failed)")
    ds_create.add_argument("--timeout", type=float, default=3600, help="seconds to wait (default 3600)")

    ds_list = ds_sub.add_parser("list", parents=[common], help="list a project's dataset versions")
    ds_list.add_argument("project_id", type=int, metavar="PROJECT_ID")

    ds_show = ds_sub.add_parser("show", parents=[common], help="one version: status, exports, lineage")
    ds_show.add_argument("project_id", type=int, metavar="PROJECT_ID")
    ds_show.add_argument("version", type=int, metavar="VERSION")

    ds_download = ds_sub.add_parser("download", parents=[common], help="download an export, verified",
                                    description="Download one export of a version, checking its size and sha256 "
                                    "against the manifest (a mismatch deletes the file and exits 1).")  # fmt: skip
    ds_download.add_argument("project_id", type=int, metavar="PROJECT_ID")
    ds_download.add_argument("version", type=int, metavar="VERSION")
    ds_download.add_argument("--format", dest="fmt", default="jsonl", help="which export (default jsonl)")
    ds_download.add_argument("-o", "--output", type=Path, default=Path("."),
                             help="file path or directory (default: the current directory)")  # fmt: skip
    return parser


def _table(rows: list[list], headers: list[str]) -> str:
    cells = [[str(c) for c in headers], *[["" if c is None else str(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells)


def _print_json(data) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def _client(args) -> Client:
    conf = cfg.resolve()
    return Client(conf.url, conf.tenant, conf.api_key)


def cmd_login(args) -> int:
    path = cfg.config_path()
    values = cfg.load_stored(path)
    for key in ("url", "tenant", "api_key"):
        if getattr(args, key):
            values[key] = getattr(args, key)
    if not values.get("api_key") and sys.stdin.isatty():
        values["api_key"] = getpass.getpass("API key: ").strip()
    missing = [f"--{k.replace('_', '-')}" for k in ("url", "tenant", "api_key") if not values.get(k)]
    if missing:
        raise cfg.ConfigError(f"login needs {', '.join(missing)}")
    if not args.no_check:
        count = len(Client(values["url"], values["tenant"], values["api_key"]).projects())
        checked = f"; the key works ({count} project{'s' if count != 1 else ''} visible)"
    else:
        checked = ""
    cfg.save(path, values)
    print(f"logged in to {values['url']} as tenant {values['tenant']} (saved to {path}){checked}")
    return 0


def cmd_projects(args) -> int:
    projects = _client(args).projects()
    if args.json:
        _print_json(projects)
        return 0
    rows = [[p["id"], p["task_type"], p["status"], p.get("item_count"), p.get("final_count"), p["name"]]
            for p in projects]  # fmt: skip
    print(_table(rows, ["ID", "TASK TYPE", "STATUS", "ITEMS", "FINAL", "NAME"]) if rows else "no projects")
    return 0


def cmd_items_create(args) -> int:
    client = _client(args)
    try:
        job = client.create_items(args.project_id, args.file, fmt=args.fmt, wait=not args.no_wait,
                                  timeout=args.timeout, progress=not args.quiet)  # fmt: skip
    except ImportFailed as exc:
        if args.json:
            _print_json(exc.job)
        for err in exc.errors:
            print(format_line_error(err), file=sys.stderr)
        if (exc.job.get("error_count") or 0) > len(exc.errors):
            print(f"... {exc.job['error_count'] - len(exc.errors)} more errors not listed", file=sys.stderr)
        raise
    if args.json:
        _print_json(job)
    elif job["status"] in ("queued", "running"):
        print(f"import job {job['id']} {job['status']}")
    else:
        print(f"import job {job['id']} {job['status']}: {job['records']} records, {job['imported']} imported, "
              f"{job['duplicates']} duplicates")  # fmt: skip
    return 0


def cmd_progress(args) -> int:
    p = _client(args).progress(args.project_id)
    if args.json:
        _print_json(p)
    else:
        print(f"project {p['project_id']} {p['name']!r} ({p['status']}): {p['final']}/{p['items']} items final "
              f"({p['percent']:.1f}%), {p['remaining']} to go")  # fmt: skip
    return 0


def _exports_summary(version: dict) -> str:
    return ", ".join(f"{e['format']}:{e['status']}" for e in version.get("exports", []))


def cmd_datasets_create(args) -> int:
    filters = {}
    if args.min_confidence is not None:
        filters["min_confidence"] = args.min_confidence
    for name in ("labels", "splits", "since", "until"):
        if getattr(args, name):
            filters[name] = getattr(args, name)
    version = _client(args).create_dataset(
        args.project_id, formats=args.formats or ["jsonl"], filters=filters, include_answers=args.include_answers,
        wait=args.wait, timeout=args.timeout, progress=not args.quiet,
    )  # fmt: skip
    if args.json:
        _print_json(version)
    elif version["status"] == "ready":
        print(f"dataset v{version['version']} ready: {version['items']} items {version.get('splits') or {}}; "
              f"exports {_exports_summary(version)}")  # fmt: skip
    else:
        print(f"dataset v{version['version']} {version['status']} (exports {_exports_summary(version)}); "
              f"follow it with: labelhub datasets show {args.project_id} {version['version']}")  # fmt: skip
    return 0


def cmd_datasets_list(args) -> int:
    versions = _client(args).datasets(args.project_id)
    if args.json:
        _print_json(versions)
        return 0
    rows = [[v["version"], v["status"], v.get("items"), json.dumps(v.get("splits") or {}), _exports_summary(v),
             v.get("created_at"), v.get("error") or ""] for v in versions]  # fmt: skip
    print(_table(rows, ["VERSION", "STATUS", "ITEMS", "SPLITS", "EXPORTS", "CREATED", "ERROR"])
          if rows else "no dataset versions")  # fmt: skip
    return 0


def cmd_datasets_show(args) -> int:
    _print_json(_client(args).dataset(args.project_id, args.version))
    return 0


def cmd_datasets_download(args) -> int:
    path = _client(args).download(args.project_id, args.version, args.fmt, args.output, progress=not args.quiet)
    if args.json:
        _print_json({"path": str(path), "bytes": path.stat().st_size})
    else:
        print(f"{path} ({path.stat().st_size} bytes, size and sha256 verified)")
    return 0


COMMANDS = {
    ("login", None): cmd_login,
    ("projects", None): cmd_projects,
    ("items", "create"): cmd_items_create,
    ("progress", None): cmd_progress,
    ("datasets", "create"): cmd_datasets_create,
    ("datasets", "list"): cmd_datasets_list,
    ("datasets", "show"): cmd_datasets_show,
    ("datasets", "download"): cmd_datasets_download,
}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.quiet = getattr(args, "quiet", False)
    args.json = getattr(args, "json", False)
    action = getattr(args, f"{args.command}_command", None)
    handler = COMMANDS[(args.command, action)]
    try:
        return handler(args)
    except cfg.ConfigError as exc:
        print(f"labelhub: error: {exc}", file=sys.stderr)
        return 2
    except LabelHubError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `labelhub projects | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
