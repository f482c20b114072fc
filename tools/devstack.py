"""Developer and CI bootstrap behind `./dev` (standard library only: it runs before `.venv` exists).

    ./dev run [--port N]        venv, PostgreSQL, Redis, migrate, seed the demo, then gunicorn + Dramatiq worker
    ./dev test [pytest args]    venv, ruff + import contracts, PostgreSQL, Redis, then pytest (its exit code)

PostgreSQL: DATABASE_URL, else a trusting server on 127.0.0.1:5432, else a private cluster in .data/postgres
(port LABELHUB_PG_PORT, default 54329). Redis: REDIS_URL, else 127.0.0.1:6379, else a private redis-server
(port LABELHUB_REDIS_PORT, default 63790). LABELHUB_FORCE_PRIVATE=1 always uses the private servers. Whatever this
script starts it stops on exit (Ctrl-C and SIGTERM included); servers it finds running are left alone.

Other knobs: LABELHUB_SKIP_LINT=1 (test without ruff/lint-imports), LABELHUB_TEST_REDIS_DB (default 15),
LABELHUB_PG_BINDIR (PostgreSQL binaries), LABELHUB_WEB_CMD / LABELHUB_WORKER_CMD (replace the web server or the
worker, `{port}` is substituted; meant for testing this script).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import pwd
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
VENV_BIN = VENV / "bin"
VENV_PY = VENV_BIN / "python"
INSTALL_STAMP = VENV / ".labelhub-pyproject.sha256"
DATA = ROOT / ".data"
PG_DATA = DATA / "postgres"
PG_SOCKETS = DATA / "pg-socket"
REDIS_DIR = DATA / "redis"

SYSTEM_PG_URL = "postgres://postgres@127.0.0.1:5432/labelhub"
SYSTEM_REDIS_URL = "redis://127.0.0.1:6379/0"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
GRACE_SECONDS = 15.0

USAGE = """usage: ./dev run [--port N]        set up and run LabelHub with a demo (Ctrl-C stops everything)
       ./dev test [pytest args...]  lint, import contracts and the test suite against real PostgreSQL and Redis"""


class DevError(Exception):
    """A failure explained to the user in one line (plus any output it carries)."""


class Stopped(Exception):
    """Raised (once) by the signal handler: the user or a supervisor asked us to stop."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


# --------------------------------------------------------------------------------------------------- small helpers


def log(message: str) -> None:
    """Print a progress line."""
    print(f"[dev] {message}", flush=True)


def die(message: str) -> NoReturn:
    """Stop with a one-line error (printed by main)."""
    raise DevError(message)


def env_flag(name: str) -> bool:
    """True when the environment variable is set to 1/true/yes."""
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes"}


def env_int(name: str, default: int) -> int:
    """An integer environment variable, with a one-line error when it is not one."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        die(f"{name} must be a number, got {raw!r}")
    return int(raw)


def is_root() -> bool:
    """Whether we run as root (initdb and pg_ctl then have to run as the postgres user)."""
    return os.geteuid() == 0


def tail(text: str, lines: int = 40) -> str:
    """The last lines of a command's output, for error messages."""
    return "\n".join(text.rstrip().splitlines()[-lines:])


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something accepts TCP connections on host:port."""
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
        return True
    return False


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    """Poll predicate() until it is true or timeout seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


# --------------------------------------------------------------------------------------------------- signals


_stopping = False


def _on_stop_signal(signum: int, _frame: object) -> None:
    """Turn the first stop signal into a Stopped exception; later ones are ignored while we clean up."""
    global _stopping
    if _stopping:
        return
    _stopping = True
    raise Stopped(signum)


def install_signal_handlers() -> None:
    """Make SIGINT, SIGTERM and SIGHUP unwind main() so that cleanup runs."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, _on_stop_signal)


def ignore_stop_signals() -> None:
    """During cleanup, further Ctrl-C presses must not abandon half-stopped servers."""
    global _stopping
    _stopping = True


def run_foreground(
    cmd: Sequence[str | Path], env: dict[str, str] | None = None, capture: bool = False, cwd: Path | str = ROOT
) -> subprocess.CompletedProcess[str]:
    """Run a command in our process group and wait for it.

    Ctrl-C reaches the child straight from the terminal, so the parent ignores SIGINT meanwhile; SIGTERM and
    SIGHUP are forwarded. A child killed by a signal raises Stopped so that the caller does not carry on.
    With capture=True, stdout and stderr are returned (combined) instead of shown.
    """
    output = subprocess.PIPE if capture else None
    proc = subprocess.Popen(
        [str(c) for c in cmd], cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT if capture else None, text=True
    )
    previous = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda s, _f: proc.send_signal(s))
    try:
        out, _ = proc.communicate()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if proc.returncode < 0:
        raise Stopped(-proc.returncode)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out or "", None)


def check_output_ok(
    cmd: Sequence[str | Path], what: str, env: dict[str, str] | None = None, cwd: Path | str = ROOT
) -> str:
    """Run a quiet command; on failure stop with its output."""
    result = run_foreground(cmd, env=env, capture=True, cwd=cwd)
    if result.returncode != 0:
        die(f"{what} failed (exit {result.returncode}):\n{tail(result.stdout)}")
    return result.stdout


def apt_install(package: str) -> bool:
    """As root, `apt-get install -y PACKAGE` (running `apt-get update` first when the lists are missing)."""
    env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    lists = Path("/var/lib/apt/lists")
    if not lists.is_dir() or not any(lists.glob("*_Packages*")):
        run_foreground(["apt-get", "update", "-q"], env=env, capture=True)
    install = ["apt-get", "install", "-y", "-q", package]
    result = run_foreground(install, env=env, capture=True)
    if result.returncode != 0:
        run_foreground(["apt-get", "update", "-q"], env=env, capture=True)
        result = run_foreground(install, env=env, capture=True)
    if result.returncode != 0:
        print(tail(result.stdout, 20), file=sys.stderr)
    return result.returncode == 0


# --------------------------------------------------------------------------------------------------- virtualenv


def venv_usable() -> bool:
    """Whether .venv has a working Python >= 3.11."""
    if not VENV_PY.exists():
        return False
    probe = [str(VENV_PY), "-c", "import sys; sys.exit(sys.version_info < (3, 11))"]
    return subprocess.run(probe, capture_output=True).returncode == 0


def pyproject_hash() -> str:
    """The install stamp: a hash of pyproject.toml."""
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_venv() -> None:
    """Create .venv and (re)install the project when pyproject.toml changed since the last install."""
    if not venv_usable():
        log(f"creating .venv with Python {sys.version.split()[0]}")
        check_output_ok([sys.executable, "-m", "venv", "--clear", VENV], "python3 -m venv .venv")
    wanted = pyproject_hash()
    if INSTALL_STAMP.exists() and INSTALL_STAMP.read_text().strip() == wanted:
        return
    log("installing the project into .venv: pip install -e '.[dev]' (about a minute the first time)")
    started = time.monotonic()
    check_output_ok(
        [VENV_PY, "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", ".[dev]"],
        "pip install -e '.[dev]'",
    )
    INSTALL_STAMP.write_text(wanted + "\n")
    log(f"installed in {time.monotonic() - started:.0f} s")


def venv_env(**extra: str) -> dict[str, str]:
    """The environment for commands that run inside the virtualenv."""
    env = os.environ | {"VIRTUAL_ENV": str(VENV), "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("PYTHONHOME", None)
    return env | extra


# --------------------------------------------------------------------------------------------------- PostgreSQL

# Runs inside .venv (psycopg is installed there). argv[1] is "probe" (can we log in to the server?) or
# "ensure" (create the URL's database when it is missing). The URL comes in LH_DATABASE_URL.
_PG_HELPER = r"""
import os, sys
import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

action, params = sys.argv[1], conninfo_to_dict(os.environ["LH_DATABASE_URL"])
params.setdefault("connect_timeout", "5")
dbname = params.get("dbname") or params.get("user") or "postgres"

def connect(**override):
    return psycopg.connect(make_conninfo("", **(params | override)), autocommit=True)

try:
    connect(**({"dbname": "postgres"} if action == "probe" else {})).close()
    sys.exit(0)
except psycopg.OperationalError as exc:
    if action == "probe":
        sys.exit(1)
    first_error = exc
for maintenance_db in ("postgres", "template1"):
    try:
        conn = connect(dbname=maintenance_db)
        break
    except psycopg.OperationalError:
        conn = None
if conn is None:
    sys.exit(f"cannot connect: {first_error}")
with conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone():
        try:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
            print(f"created database {dbname}")
        except psycopg.errors.DuplicateDatabase:
            pass
"""


def pg_helper(action: str, url: str) -> subprocess.CompletedProcess[str]:
    """Run the psycopg helper above inside .venv."""
    return run_foreground([VENV_PY, "-c", _PG_HELPER, action], env=venv_env(LH_DATABASE_URL=url), capture=True)


def ensure_database(url: str) -> None:
    """Create the database named by url when it does not exist."""
    result = pg_helper("ensure", url)
    if result.returncode != 0:
        die(f"PostgreSQL at {redact(url)}: {result.stdout.strip()}")
    if result.stdout.strip():
        log(result.stdout.strip())


def redact(url: str) -> str:
    """A database URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def version_key(path: Path) -> tuple[int, ...]:
    """Sort key for /usr/lib/postgresql/<version>/bin."""
    return tuple(int(p) for p in path.parent.name.split(".") if p.isdigit())


def find_pg_bindir(major: str | None = None) -> Path | None:
    """The highest (or the given major) PostgreSQL bin directory with pg_ctl, or LABELHUB_PG_BINDIR."""
    if override := os.environ.get("LABELHUB_PG_BINDIR"):
        return Path(override) if (Path(override) / "pg_ctl").exists() else None
    found = [p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "pg_ctl").exists()]
    if major is not None:
        found = [p for p in found if p.parent.name == major]
    return max(found, key=version_key, default=None)


def pg_server_binaries() -> Path:
    """PostgreSQL binaries, installed with apt-get as root when missing."""
    bindir = find_pg_bindir()
    if bindir is None and is_root():
        log("no PostgreSQL binaries in /usr/lib/postgresql/*/bin: apt-get install -y postgresql")
        if apt_install("postgresql"):
            bindir = find_pg_bindir()
    if bindir is None:
        die(
            "no PostgreSQL server found (127.0.0.1:5432 or /usr/lib/postgresql/*/bin); "
            "set DATABASE_URL=postgres://USER:PASSWORD@HOST:PORT/labelhub"
        )
    return bindir


def as_pg_owner(cmd: Sequence[str | Path]) -> list[str]:
    """A command line that runs as the cluster owner: the postgres user when we are root, else ourselves."""
    args = [str(c) for c in cmd]
    if not is_root():
        return args
    if runuser := shutil.which("runuser"):
        return [runuser, "-u", "postgres", "--", *args]
    return ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(args)]


def postgres_account() -> pwd.struct_passwd:
    """The postgres system user (root only)."""
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        die(
            "running as root, but there is no 'postgres' system user to own the private cluster; "
            "set DATABASE_URL or run ./dev as a normal user"
        )


def make_traversable(path: Path, uid: int) -> None:
    """Let the postgres user search every directory from / down to path (adds o+x where it is missing)."""
    for directory in [*reversed(path.parents), path]:
        st = directory.stat()
        if st.st_uid != uid and not st.st_mode & stat.S_IXOTH:
            log(f"chmod o+x {directory} (so that the postgres user can reach {PG_DATA})")
            directory.chmod(st.st_mode | stat.S_IXOTH)


def prepare_pg_dirs() -> None:
    """Create .data/postgres and the socket directory, owned by the cluster owner, mode 0700."""
    DATA.mkdir(exist_ok=True)
    for directory in (PG_DATA, PG_SOCKETS):
        directory.mkdir(mode=0o700, exist_ok=True)
        if is_root():
            account = postgres_account()
            os.chown(directory, account.pw_uid, account.pw_gid)
        elif directory.stat().st_uid != os.geteuid():
            die(f"{directory} belongs to another user (made by a root run?); remove it or run as that user")
        directory.chmod(0o700)
    if is_root():
        make_traversable(DATA, postgres_account().pw_uid)


def running_cluster_port() -> int | None:
    """The port of a postmaster already running on .data/postgres, if any."""
    try:
        lines = (PG_DATA / "postmaster.pid").read_text().splitlines()
        pid, port = int(lines[0]), int(lines[3])
    except (OSError, ValueError, IndexError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return port if port_open(port) else None


def init_cluster(bindir: Path) -> Path:
    """initdb .data/postgres when it holds no cluster yet; returns the bin directory matching its version."""
    version_file = PG_DATA / "PG_VERSION"
    if version_file.exists():
        major = version_file.read_text().strip()
        if bindir.parent.name != major and not os.environ.get("LABELHUB_PG_BINDIR"):
            match = find_pg_bindir(major)
            if match is None:
                die(f"{PG_DATA} was made by PostgreSQL {major}, whose binaries are gone; delete it to start afresh")
            bindir = match
        return bindir
    if any(PG_DATA.iterdir()):
        die(f"{PG_DATA} is not empty but holds no PostgreSQL cluster; delete it")
    log(f"initdb {PG_DATA.relative_to(ROOT)} (PostgreSQL {bindir.parent.name})")
    cmd = [bindir / "initdb", "-D", PG_DATA, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"]
    check_output_ok(as_pg_owner(cmd), "initdb", cwd="/")
    return bindir


def socket_dir_option() -> str:
    """unix_socket_directories for the private cluster ('' disables sockets when the path is too long)."""
    if len(str(PG_SOCKETS / ".s.PGSQL.65535")) > 100:
        return "''"
    return shlex.quote(str(PG_SOCKETS))


def start_private_postgres(stack: contextlib.ExitStack) -> str:
    """Start (or reuse) the private cluster in .data/postgres and return its URL."""
    port = env_int("LABELHUB_PG_PORT", 54329)
    prepare_pg_dirs()
    if (running := running_cluster_port()) is not None:
        log(f"private PostgreSQL already running on 127.0.0.1:{running}; using it and leaving it running")
        return f"postgres://postgres@127.0.0.1:{running}/labelhub"
    if port_open(port):
        die(f"port {port} is taken by another program; set LABELHUB_PG_PORT to a free port")
    bindir = init_cluster(pg_server_binaries())
    options = (
        f"-p {port} -k {socket_dir_option()} -c listen_addresses=127.0.0.1 "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )
    pg_ctl = bindir / "pg_ctl"
    start = [pg_ctl, "-D", PG_DATA, "-l", PG_DATA / "server.log", "-o", options, "-w", "-t", "60", "start"]
    result = subprocess.run(as_pg_owner(start), cwd="/", capture_output=True, text=True, start_new_session=True)
    if result.returncode != 0:
        log_text = (PG_DATA / "server.log").read_text(errors="replace") if (PG_DATA / "server.log").exists() else ""
        die(f"private PostgreSQL did not start:\n{tail(result.stdout + result.stderr + log_text, 20)}")
    stack.callback(stop_private_postgres, pg_ctl)
    log(f"started private PostgreSQL {bindir.parent.name} on 127.0.0.1:{port} (data in .data/postgres)")
    return f"postgres://postgres@127.0.0.1:{port}/labelhub"


def stop_private_postgres(pg_ctl: Path) -> None:
    """Fast shutdown of the private cluster (never raises: it runs during cleanup)."""
    cmd = as_pg_owner([pg_ctl, "-D", PG_DATA, "-m", "fast", "-w", "-t", "60", "stop"])
    result = subprocess.run(cmd, cwd="/", capture_output=True, text=True, start_new_session=True)
    if result.returncode == 0:
        log("stopped private PostgreSQL")
    else:
        print(f"[dev] could not stop private PostgreSQL: {tail(result.stdout + result.stderr, 5)}", file=sys.stderr)


def setup_postgres(stack: contextlib.ExitStack) -> str:
    """Choose the PostgreSQL server (see the module docstring), make sure the database exists, return its URL."""
    force = env_flag("LABELHUB_FORCE_PRIVATE")
    if (url := os.environ.get("DATABASE_URL")) and not force:
        log(f"PostgreSQL: DATABASE_URL={redact(url)}")
    elif not force and port_open(5432) and pg_helper("probe", SYSTEM_PG_URL).returncode == 0:
        url = SYSTEM_PG_URL
        log(f"PostgreSQL: the server on 127.0.0.1:5432 ({url})")
    else:
        url = start_private_postgres(stack)
    ensure_database(url)
    return url


# --------------------------------------------------------------------------------------------------- Redis


def redis_ping(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a Redis server on host:port answers PING with PONG (without a password)."""
    try:
        with socket.create_connection((host, port), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def redis_binary() -> str:
    """redis-server from PATH, installed with apt-get as root when missing."""
    found = shutil.which("redis-server") or shutil.which("redis-server", path="/usr/bin:/usr/sbin")
    if found is None and is_root():
        log("no redis-server binary: apt-get install -y redis-server")
        if apt_install("redis-server"):
            found = shutil.which("redis-server", path=f"{os.environ.get('PATH', '')}:/usr/bin:/usr/sbin")
    if found is None:
        die("no Redis server found (127.0.0.1:6379 or a redis-server binary); set REDIS_URL=redis://HOST:PORT/0")
    return found


def start_private_redis(stack: contextlib.ExitStack) -> str:
    """Start (or reuse) a private, non-persistent redis-server on 127.0.0.1 and return its URL."""
    port = env_int("LABELHUB_REDIS_PORT", 63790)
    url = f"redis://127.0.0.1:{port}/0"
    if redis_ping(port):
        log(f"private Redis already running on 127.0.0.1:{port}; using it and leaving it running")
        return url
    if port_open(port):
        die(f"port {port} is taken by another program; set LABELHUB_REDIS_PORT to a free port")
    binary = redis_binary()
    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    cmd = [
        binary,
        "--bind",
        "127.0.0.1",
        "--port",
        str(port),
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(REDIS_DIR),
        "--daemonize",
        "no",
        "--logfile",
        "",
    ]
    with (REDIS_DIR / "redis.log").open("ab") as log_file:
        proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
    stack.callback(stop_process_group, proc, "private Redis")
    if not wait_until(lambda: redis_ping(port) or proc.poll() is not None, timeout=15) or proc.poll() is not None:
        text = (REDIS_DIR / "redis.log").read_text(errors="replace")
        die(f"private Redis did not start:\n{tail(text, 15)}")
    log(f"started private Redis on 127.0.0.1:{port}")
    return url


def setup_redis(stack: contextlib.ExitStack) -> str:
    """Choose the Redis server (see the module docstring) and return its URL."""
    force = env_flag("LABELHUB_FORCE_PRIVATE")
    if (url := os.environ.get("REDIS_URL")) and not force:
        log(f"Redis: REDIS_URL={redact(url)}")
        return url
    if not force and redis_ping(6379):
        log(f"Redis: the server on 127.0.0.1:6379 ({SYSTEM_REDIS_URL})")
        return SYSTEM_REDIS_URL
    return start_private_redis(stack)


def with_redis_db(url: str, db: int) -> str:
    """The same Redis server, another database number (tests must not disturb a running demo)."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        query = dict(parse_qsl(parts.query)) | {"db": str(db)}
        return urlunsplit(parts._replace(query=urlencode(query)))
    return urlunsplit(parts._replace(path=f"/{db}"))


# --------------------------------------------------------------------------------------------------- processes


def stop_process_group(proc: subprocess.Popen[bytes], name: str, grace: float = GRACE_SECONDS) -> None:
    """SIGTERM a child (it stops its own workers), then SIGKILL whatever is left of its process group.

    Only the group leader gets SIGTERM: gunicorn's arbiter and Dramatiq's main process shut their workers down
    gracefully, and a second signal sent straight to those workers would make them die hard. Never raises.
    """
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
            log(f"stopped {name}")
        except subprocess.TimeoutExpired:
            print(f"[dev] {name} did not stop within {grace:.0f} s; killing it", file=sys.stderr)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)  # stragglers of the group, and the leader if it hung
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


def start_child(stack: contextlib.ExitStack, name: str, cmd: list[str], env: dict[str, str]) -> subprocess.Popen:
    """Start a long-running child in its own process group; it is stopped when the stack closes."""
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, process_group=0)
    stack.callback(stop_process_group, proc, name)
    return proc


def command_override(variable: str, default: list[str], port: int) -> list[str]:
    """The command from an environment override (with {port} substituted), else the default."""
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return default
    log(f"{variable} overrides the command: {raw}")
    return shlex.split(raw.replace("{port}", str(port)))


def supervise(children: dict[str, subprocess.Popen], port: int) -> int:
    """Wait until a child exits (non-zero exit) or a stop signal arrives (exit 0); announce the URLs once up."""
    announced = False
    try:
        while True:
            for name, proc in children.items():
                if (code := proc.poll()) is not None:
                    print(f"[dev] {name} exited with status {code}; stopping everything", file=sys.stderr)
                    return code or 1
            if not announced and port_open(port):
                announced = True
                base = f"http://127.0.0.1:{port}"
                log(
                    f"LabelHub is running (Ctrl-C stops it all):\n      {base}/\n      {base}/api/docs/\n"
                    f"      {base}/health"
                )
            time.sleep(0.2)
    except Stopped as stop:
        log(f"{stop} received; stopping")
        return 0


# --------------------------------------------------------------------------------------------------- commands


def bootstrap_services(stack: contextlib.ExitStack) -> tuple[str, str]:
    """PostgreSQL and Redis URLs, starting private servers when needed."""
    DATA.mkdir(exist_ok=True)
    return setup_postgres(stack), setup_redis(stack)


def manage(*args: str, env: dict[str, str], quiet: bool = False) -> None:
    """Run `python manage.py ARGS` inside .venv; stop on failure."""
    cmd = [VENV_PY, "manage.py", *args]
    if quiet:
        check_output_ok(cmd, f"manage.py {' '.join(args)}", env=env)
    elif run_foreground(cmd, env=env).returncode != 0:
        die(f"manage.py {' '.join(args)} failed")


def cmd_run(argv: list[str], stack: contextlib.ExitStack) -> int:
    """./dev run: bootstrap, migrate, seed the demo, collect static files, run web + worker in the foreground."""
    parser = argparse.ArgumentParser(prog="./dev run", description="Set up and run LabelHub with a demo.")
    parser.add_argument("--port", type=int, default=env_int("PORT", 8000), help="web port (default $PORT or 8000)")
    port = parser.parse_args(argv).port
    if port_open(port):
        die(f"port {port} is already in use; pick another with ./dev run --port N")
    started = time.monotonic()
    ensure_venv()
    database_url, redis_url = bootstrap_services(stack)
    env = venv_env(DATABASE_URL=database_url, REDIS_URL=redis_url, PYTHONUNBUFFERED="1")
    log("migrating the public and all tenant schemas")
    manage("migrate", "--noinput", env=env, quiet=True)
    manage("seed_demo", env=env)
    manage("collectstatic", "--noinput", "--verbosity", "0", env=env)
    log(f"ready in {time.monotonic() - started:.1f} s; starting the web server and the worker")
    web = [
        str(VENV_BIN / "gunicorn"),
        "labelhub.wsgi:application",
        "--config",
        "labelhub/gunicorn_conf.py",
        "--bind",
        f"127.0.0.1:{port}",
        "--access-logfile",
        "-",
    ]
    worker = [str(VENV_PY), "manage.py", "worker"]
    children = {
        "web server": start_child(stack, "web server", command_override("LABELHUB_WEB_CMD", web, port), env),
        "worker": start_child(stack, "worker", command_override("LABELHUB_WORKER_CMD", worker, port), env),
    }
    return supervise(children, port)


def lint(env: dict[str, str]) -> None:
    """ruff and the import contracts; LABELHUB_SKIP_LINT=1 skips both."""
    if env_flag("LABELHUB_SKIP_LINT"):
        log("LABELHUB_SKIP_LINT=1: skipping ruff and lint-imports")
        return
    checks = {"ruff check .": [VENV_BIN / "ruff", "check", "."], "lint-imports": [VENV_BIN / "lint-imports"]}
    for name, cmd in checks.items():
        result = run_foreground(cmd, env=env, capture=True)
        if result.returncode != 0:
            print(result.stdout, end="", file=sys.stderr)
            die(f"{name} failed (LABELHUB_SKIP_LINT=1 skips linting)")
    log("ruff and import contracts: OK")


def ensure_chromium() -> None:
    """As root, install Debian's chromium for the browser tests when it is missing; otherwise do nothing."""
    if Path("/usr/bin/chromium").exists() or not is_root():
        return
    log("installing Debian's chromium for the browser tests (apt-get, ~20 s once)")
    if not apt_install("chromium"):
        print("[dev] could not install chromium; the browser tests will be skipped", file=sys.stderr)


def cmd_test(argv: list[str], stack: contextlib.ExitStack) -> int:
    """./dev test: bootstrap, lint, then pytest with the given arguments; returns pytest's exit code."""
    started = time.monotonic()
    ensure_venv()
    lint(venv_env())
    ensure_chromium()
    database_url, redis_url = bootstrap_services(stack)
    test_redis = with_redis_db(redis_url, env_int("LABELHUB_TEST_REDIS_DB", 15))
    env = venv_env(DATABASE_URL=database_url, REDIS_URL=test_redis)
    log(f"ready in {time.monotonic() - started:.1f} s; pytest (Redis for tests: {redact(test_redis)})")
    return run_foreground([VENV_PY, "-m", "pytest", *argv], env=env).returncode


def main(argv: list[str]) -> int:
    """Dispatch `run` / `test`; whatever was started is stopped on the way out."""
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0 if argv else 2
    commands = {"run": cmd_run, "test": cmd_test}
    if argv[0] not in commands:
        print(f"dev: unknown command {argv[0]!r}\n{USAGE}", file=sys.stderr)
        return 2
    install_signal_handlers()
    stack = contextlib.ExitStack()
    try:
        return commands[argv[0]](argv[1:], stack)
    except DevError as error:
        print(f"dev: {error}", file=sys.stderr)
        return 1
    except Stopped as stop:
        log(f"{stop} received; stopping")
        return 128 + stop.signum
    finally:
        ignore_stop_signals()
        stack.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
