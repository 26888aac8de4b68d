"""`siak-sop run`: drive an SOP playbook through ansible-runner with the agenda callback on.

`prepare()` turns the command line into a validated RunRequest (every bad input is one SiakError
before anything runs); `execute()` runs it, follows the agenda as it grows for the live progress
and the hard limits, cancels through ansible-runner's cancel_callback when a step runs past its
limit, and returns a RunResult; `finish()` builds the verdicts, the Laporan and the exit code.
"""

from __future__ import annotations

import configparser
import dataclasses
import json
import os
import shutil
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from ansible_collections.dukcapil.siak.plugins.plugin_utils import budgets, outputs, service_hours
from ansible_collections.dukcapil.siak.plugins.plugin_utils.budgets import BudgetConfig, fmt_elapsed
from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import N_, Said, gettext_for, say, tr
from ansible_collections.dukcapil.siak.plugins.plugin_utils.inventory_vars import read_host_vars
from ansible_collections.dukcapil.siak.plugins.plugin_utils.runlog import AgendaTail, agenda_of_run
from ansible_collections.dukcapil.siak.plugins.plugin_utils.sop import PLAYBOOKS, Sop, Step, load_sop

from siak_sop import __version__, collection
from siak_sop.collection import config_file
from siak_sop.progress import StepTracker

AGENDA_CALLBACK = "dukcapil.siak.agenda"

# What runs right after a run is cancelled (a hard limit, Ctrl-C), to stop what the cancelled run left
# running on its hosts and give its lock back (playbooks/backup_cleanup.yml: the export, its Data Pump
# job, the parameter file with the database password, the lock). A SIGKILL of the wrapper itself leaves
# this to the next run, which does the same when it takes the lock over.
CANCEL_CLEANUP: dict[str, str] = {"backup": "backup_cleanup.yml"}
CLEANUP_LIMIT_S = 900
# The backup role's own settings for the service-hours guard (roles/oracle_backup).
BACKUP_HOURS_VAR = "oracle_backup_service_hours"
BACKUP_TIMEZONE_VAR = "oracle_backup_timezone"
BACKUP_FORCE_VAR = "oracle_backup_force"


@dataclass
class RunRequest:
    name: str
    sop: Sop
    # The folder siak-sop runs from: Ansible's working folder (./ansible.cfg, relative paths).
    work_dir: Path
    # The installed collection whose playbook runs; None for a playbook given with --playbook.
    collection_dir: Path | None
    playbook: Path
    inventories: list[str]
    output_dir: Path
    budget: BudgetConfig
    lang: str = "id"
    limit: str | None = None
    tags: str | None = None
    skip_tags: str | None = None
    check: bool = False
    diff: bool = False
    extravars: dict[str, Any] = field(default_factory=dict)
    extra_var_files: list[str] = field(default_factory=list)
    vault_password_file: str | None = None
    force: bool = False
    verbose: int = 0
    pdf: bool = True
    run_id: str = ""
    windows: object = service_hours.DEFAULT_WINDOWS
    timezone: str = service_hours.DEFAULT_TIMEZONE
    office: dict[str, Any] = field(default_factory=dict)

    @property
    def agenda_dir(self) -> Path:
        return agenda_dir_for(self.output_dir)

    @property
    def report_dir(self) -> Path:
        return self.output_dir / "reports" / self.run_id


@dataclass
class RunResult:
    rc: int | None
    status: str
    agenda: Path | None
    cancelled_step: str | None = None
    cancelled_at: datetime | None = None
    interrupted: bool = False
    log: Path | None = None
    signal: str = ""  # the signal that stopped the run: SIGINT (Ctrl-C) or SIGTERM (a service stop, AWX)
    running_step: str | None = None  # the SOP step running when it stopped


def agenda_dir_for(output_dir: Path) -> Path:
    """Where the agenda callback writes: $SIAK_AGENDA_DIR, else <output>/agenda (docs/agenda-format.md)."""
    return outputs.agenda_dir(output_dir)


def read_config() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=(";", "#"))
    path = config_file()
    if path:
        parser.read(path, encoding="utf-8")
    return parser


def default_inventories() -> list[str]:
    """The inventory ansible.cfg names (relative to the config file), for reading the office from it."""
    path = config_file()
    value = read_config().get("defaults", "inventory", fallback="")
    if not value or path is None:
        return []
    return [str((path.parent / item.strip()).resolve()) for item in value.split(",") if item.strip()]


def callbacks_env() -> dict[str, str]:
    """Turn the agenda callback on, keeping whatever else the configuration enables."""
    listed = os.environ.get("ANSIBLE_CALLBACKS_ENABLED")
    if listed is None:
        cfg = read_config()
        listed = cfg.get(
            "defaults", "callbacks_enabled", fallback=cfg.get("defaults", "callback_whitelist", fallback="")
        )
    names = [n.strip() for n in listed.split(",") if n.strip()]
    if AGENDA_CALLBACK in names and "ANSIBLE_CALLBACKS_ENABLED" not in os.environ:
        return {}
    if AGENDA_CALLBACK not in names:
        names.append(AGENDA_CALLBACK)
    return {"ANSIBLE_CALLBACKS_ENABLED": ",".join(names)}


def config_env() -> dict[str, str]:
    """The playbook runs with the configuration siak-sop found from the current folder, named outright."""
    path = config_file()
    return {"ANSIBLE_CONFIG": str(path)} if path and "ANSIBLE_CONFIG" not in os.environ else {}


def parse_extra_vars(items: list[str]) -> tuple[dict[str, Any], list[str]]:
    """`-e key=value`, `-e '{"json": 1}'` / YAML mappings, and `-e @file` like ansible-playbook."""
    values: dict[str, Any] = {}
    files: list[str] = []
    for item in items:
        if item.startswith("@"):
            path = Path(item[1:])
            if not path.is_file():
                raise SiakError(
                    Said(N_("extra vars file does not exist")),
                    where=str(path),
                    fix=Said(N_("Check the path after -e @")),
                )
            files.append(str(path.resolve()))
            continue
        text = item.strip()
        if text.startswith("{"):
            try:
                data = yaml.safe_load(text)
            except yaml.YAMLError:
                data = None
            if not isinstance(data, dict):
                raise SiakError(
                    Said(N_("-e '{item}' is not a mapping"), item=item),
                    fix=Said(N_("Write -e key=value or -e '{example}'"), example='{"key": "value"}'),
                )
            values.update(data)
            continue
        key, sep, value = text.partition("=")
        if not sep or not key.strip():
            raise SiakError(
                Said(N_("-e '{item}' is not key=value"), item=item),
                fix=Said(N_("Write -e key=value, -e @file.yml or a JSON mapping")),
            )
        values[key.strip()] = value
    return values, files


def prepare(args: Any) -> RunRequest:
    """Validate everything `siak-sop run` was given; raise SiakError (exit 2) before anything runs."""
    if args.sop not in PLAYBOOKS:
        raise SiakError(
            Said(N_("unknown SOP run '{name}'"), name=args.sop),
            fix=Said(N_("Use one of: {names}"), names=", ".join(PLAYBOOKS)),
        )
    playbook_name, sop_id = PLAYBOOKS[args.sop]
    sop = load_sop(sop_id)
    if args.playbook and not Path(args.playbook).is_file():
        raise SiakError(
            Said(N_("playbook not found")),
            where=args.playbook,
            fix=Said(N_("Check the path given to --playbook")),
        )
    inventories = []
    for inv in args.inventory or []:
        if not Path(inv).exists():
            raise SiakError(
                Said(N_("inventory does not exist")),
                where=inv,
                fix=Said(N_("Give an inventory file or folder with -i")),
            )
        inventories.append(str(Path(inv).resolve()))
    if args.vault_password_file and not Path(args.vault_password_file).is_file():
        raise SiakError(
            Said(N_("vault password file does not exist")),
            where=args.vault_password_file,
            fix=Said(N_("Check --vault-password-file")),
        )
    sops = [load_sop("upgrade"), load_sop("backup")]
    budget = budgets.load_budget_file(args.budget_file, sops) if args.budget_file else BudgetConfig()
    budget = budgets.with_overrides(budget, args.hard_limit or [], sops)
    extravars, extra_files = parse_extra_vars(args.extra_vars or [])
    # The playbook of the installed collection siak-sop loaded its logic from (collection.py).
    collection_dir = None
    if args.playbook:
        playbook = Path(args.playbook).resolve()
    else:
        collection_dir = collection.folder(config_file())
        playbook = collection_dir / "playbooks" / playbook_name
        if not playbook.is_file():
            raise SiakError(
                Said(
                    N_("playbook playbooks/{playbook} for '{name}' is not in this collection ({folder})"),
                    playbook=playbook_name,
                    name=args.sop,
                    folder=collection_dir,
                ),
                fix=Said(N_("Update the collection to a version that has it, or give one with --playbook")),
            )
    output_dir = outputs.output_dir()
    return RunRequest(
        name=args.sop,
        sop=sop,
        work_dir=Path.cwd(),
        collection_dir=collection_dir,
        playbook=playbook,
        inventories=inventories,
        output_dir=output_dir,
        budget=budget,
        lang=args.lang,
        limit=args.limit,
        tags=args.tags,
        skip_tags=args.skip_tags,
        check=args.check,
        diff=args.diff,
        extravars=extravars,
        extra_var_files=extra_files,
        vault_password_file=str(Path(args.vault_password_file).resolve())
        if args.vault_password_file
        else None,
        force=args.force,
        verbose=args.verbose,
        pdf=not args.no_pdf,
    )


def office_vars(request: RunRequest, group: str = "all") -> dict[str, Any]:
    inventories = request.inventories or default_inventories()
    if not inventories:
        return {}
    return read_host_vars(
        inventories,
        ("siak_office", BACKUP_HOURS_VAR, BACKUP_TIMEZONE_VAR),
        group=group,
        vault_password_file=request.vault_password_file,
    )


def _templated(value: Any) -> bool:
    """A value the inventory leaves to Jinja (`{{ ... }}`): Ansible resolves it, this reader does not."""
    return "{{" in json.dumps(value, default=str)


def apply_office(request: RunRequest, found: dict[str, Any]) -> None:
    found = {name: value for name, value in found.items() if not _templated(value)}
    office = found.get("siak_office")
    request.office = office if isinstance(office, dict) else {}
    if found.get(BACKUP_HOURS_VAR):
        request.windows = found[BACKUP_HOURS_VAR]
    tz = found.get(BACKUP_TIMEZONE_VAR) or request.office.get("timezone")
    if tz:
        request.timezone = str(tz)


def service_hours_guard(request: RunRequest, now: datetime) -> str | None:
    """For the backup: refuse inside service hours unless forced (the role applies the same rule)."""
    if request.name != "backup":
        return None
    verdict = service_hours.check(now, request.windows, request.timezone)
    if not verdict["inside"]:
        return None
    where = Said(
        N_("{window}, {timezone}, now {time}"),
        window=verdict["window"],
        timezone=request.timezone,
        time=verdict["local_time"],
    )
    if not request.force:
        raise SiakError(
            Said(N_("refusing to back up inside service hours ({where})"), where=where),
            fix=Said(
                N_(
                    "Run it after service hours, or add --force to back up now (the report marks the deviation)"
                )
            ),
        )
    request.extravars[BACKUP_FORCE_VAR] = True
    return tr("inside service hours ({where}): backing up anyway because of --force").format(where=say(where))


def _cmdline(request: RunRequest) -> str:
    import shlex

    parts: list[str] = []
    if request.check:
        parts.append("--check")
    if request.diff:
        parts.append("--diff")
    if request.vault_password_file:
        parts += ["--vault-password-file", request.vault_password_file]
    for path in request.extra_var_files:
        parts += ["-e", f"@{path}"]
    return shlex.join(parts)


# How often the closing-record watch looks at the agenda: Ansible takes a few tenths of a second to
# exit after writing it, time in which the Laporan can already be rendered.
CLOSE_WATCH_S = 0.05


class CloseWatch:
    """Reads the bytes appended to an agenda until one line is its closing record (`run_end`).

    Cheaper than AgendaTail for this one question: only a line that mentions run_end is parsed.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._offset = 0
        self._partial = b""

    def closed(self) -> bool:
        try:
            with open(self.path, "rb") as fh:
                fh.seek(self._offset)
                chunk = fh.read()
        except OSError:
            return False
        self._offset += len(chunk)
        *lines, self._partial = (self._partial + chunk).split(b"\n")
        for line in lines:
            if b"run_end" not in line:
                continue
            try:
                record = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError):
                continue
            if isinstance(record, dict) and record.get("type") == "run_end":
                return True
        return False


def playbook_env(request: RunRequest, agenda_dir: Path) -> dict[str, str]:
    """The environment of a playbook the wrapper starts: its run id, where it writes, and its language."""
    return {
        "SIAK_RUN_ID": request.run_id,
        "SIAK_OUTPUT_DIR": str(request.output_dir),
        "SIAK_AGENDA_DIR": str(agenda_dir),
        # The run's language (i18n.run_lang): what the roles say, in the agenda, is in the Laporan's language.
        "SIAK_LANG": request.lang,
        # ansible-runner turns host key checking off unless told; the lab and offices check keys.
        "ANSIBLE_HOST_KEY_CHECKING": os.environ.get("ANSIBLE_HOST_KEY_CHECKING", "True"),
        # The log beside the report is for reading, not a terminal: no colour codes.
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
    }


def execute(request: RunRequest, progress: Any, on_closed: Callable[[Path], None] | None = None) -> RunResult:
    """Run the playbook; follow its agenda; cancel at a hard limit or on Ctrl-C.

    `on_closed(agenda)` is called (from a thread) once the agenda's closing record is written while
    Ansible is still exiting, unless the run is being cancelled: the caller may start on the report.
    """
    import ansible_runner

    tz = service_hours.zone(request.timezone)
    private = request.output_dir / "runner" / request.run_id
    private.mkdir(parents=True, mode=0o700)
    tracker: StepTracker = progress.tracker
    tail = AgendaTail(None)
    state: dict[str, Any] = {
        "cancel": None,
        "cancelled_at": None,
        "interrupted": False,
        "signal": "",
        "running_step": None,
    }
    envvars = {
        **playbook_env(request, request.agenda_dir),
        # The dukcapil.siak.laporan callback leaves the Laporan to the wrapper, which knows of cancels.
        "SIAK_WRAPPER": "1",
        **callbacks_env(),
        **config_env(),
    }

    def poll() -> None:
        if tail.path is None:
            tail.path = agenda_of_run(request.run_id, request.agenda_dir)
        now = datetime.now(tz)
        for record in tail.read_new():
            with tracker.lock:
                changes = tracker.feed(record)
            progress.changes(changes, now)
        progress.tick(now)
        if state["cancel"] is None and not state["interrupted"]:
            with tracker.lock:
                live = tracker.over_hard_limit(now)
            if live is not None:
                state["cancel"], state["cancelled_at"] = live.step, now
                limit = request.budget.hard_limit_s(live.step) or 0
                progress.message(
                    cancel_message(
                        live.step, fmt_elapsed((now - live.start).total_seconds()), limit, request.lang
                    )
                )

    def cancel_callback() -> bool:
        poll()
        return state["cancel"] is not None or state["interrupted"]

    def on_signal(signum: int, _frame: Any) -> None:
        if not state["interrupted"]:
            state["signal"] = signal.Signals(signum).name
            # No lock here: the handler runs in the main thread, which may hold it already.
            running = tracker.running()
            state["running_step"] = running[-1].step.id if running else None
        state["interrupted"] = True

    finished = threading.Event()

    def watch_close(notify: Callable[[Path], None]) -> None:
        watch: CloseWatch | None = None
        while not finished.wait(CLOSE_WATCH_S):
            if state["cancel"] is not None or state["interrupted"]:
                return
            if watch is None:
                path = tail.path or agenda_of_run(request.run_id, request.agenda_dir)
                if path is None:
                    continue
                watch = CloseWatch(path)
            if watch.closed():
                if state["cancel"] is None and not state["interrupted"]:
                    notify(watch.path)
                return

    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    if threading.current_thread() is threading.main_thread():
        for sig in previous:
            signal.signal(sig, on_signal)
    progress.start()
    if on_closed is not None:
        threading.Thread(target=watch_close, args=(on_closed,), name="siak-close-watch", daemon=True).start()
    try:
        runner = _run(
            ansible_runner,
            private_data_dir=str(private),
            project_dir=str(request.work_dir),
            playbook=str(request.playbook),
            ident=request.run_id,
            inventory=request.inventories or None,
            limit=request.limit,
            tags=request.tags,
            skip_tags=request.skip_tags,
            extravars=request.extravars or None,
            cmdline=_cmdline(request) or None,
            envvars=envvars,
            verbosity=request.verbose or None,
            quiet=not request.verbose,
            fact_cache_type="memory",
            rotate_artifacts=0,
            settings={
                "pexpect_timeout": 1,  # how often the cancel callback looks at the clock
                "job_timeout": int(request.budget.run_limit_minutes * 60),
                "idle_timeout": None,  # a long export is quiet; the per-step hard limits watch time instead
                "suppress_ansible_output": not request.verbose,
            },
            event_handler=lambda _event: False,  # the agenda is the record; runner keeps no event files
            cancel_callback=cancel_callback,
        )
        poll()
    finally:
        finished.set()
        progress.stop()
        if threading.current_thread() is threading.main_thread():
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    request.report_dir.mkdir(parents=True, exist_ok=True, mode=0o750)
    log = request.report_dir / "ansible.log"
    stdout = Path(runner.config.artifact_dir) / "stdout"
    if stdout.is_file():
        shutil.copyfile(stdout, log)
        os.chmod(log, 0o640)
    shutil.rmtree(private, ignore_errors=True)  # runner's env/ files hold the extra vars
    cancelled: Step | None = state["cancel"]
    return RunResult(
        rc=runner.rc,
        status=runner.status,
        agenda=tail.path or agenda_of_run(request.run_id, request.agenda_dir),
        cancelled_step=cancelled.id if cancelled else None,
        cancelled_at=state["cancelled_at"],
        interrupted=state["interrupted"] and cancelled is None,
        log=log if log.is_file() else None,
        signal=state["signal"],
        running_step=state["running_step"],
    )


@dataclass
class CleanupResult:
    playbook: str
    rc: int | None
    status: str
    log: Path | None


def cleanup_after_cancel(request: RunRequest) -> CleanupResult | None:
    """Run the SOP's cleanup playbook after a cancel, with the run's inventory, limit and variables.

    Its own agenda goes beside the report (reports/<run>/cleanup-agenda), not into the office's Buku
    Agenda: it is no SOP step. Returns None when the SOP has no cleanup or the run was a check.
    """
    name = CANCEL_CLEANUP.get(request.name)
    if not name or request.check or request.collection_dir is None:
        return None
    playbook = request.collection_dir / "playbooks" / name
    if not playbook.is_file():
        return None
    import ansible_runner

    private = request.output_dir / "runner" / f"{request.run_id}-cleanup"
    private.mkdir(parents=True, mode=0o700, exist_ok=True)
    request.report_dir.mkdir(parents=True, exist_ok=True, mode=0o750)
    envvars = {**playbook_env(request, request.report_dir / "cleanup-agenda"), **config_env()}
    cleanup = dataclasses.replace(request, tags=None, skip_tags=None, check=False, diff=False)
    runner = _run(
        ansible_runner,
        private_data_dir=str(private),
        project_dir=str(request.work_dir),
        playbook=str(playbook),
        ident=f"{request.run_id}-cleanup",
        inventory=request.inventories or None,
        limit=request.limit,
        extravars=request.extravars or None,
        cmdline=_cmdline(cleanup) or None,
        envvars=envvars,
        quiet=True,
        fact_cache_type="memory",
        rotate_artifacts=0,
        settings={"job_timeout": CLEANUP_LIMIT_S, "idle_timeout": None, "suppress_ansible_output": True},
    )
    log = request.report_dir / "ansible-cleanup.log"
    stdout = Path(runner.config.artifact_dir) / "stdout"
    if stdout.is_file():
        shutil.copyfile(stdout, log)
        os.chmod(log, 0o640)
    shutil.rmtree(private, ignore_errors=True)  # runner's env/ files hold the extra vars
    return CleanupResult(name, runner.rc, runner.status, log if log.is_file() else None)


def _run(ansible_runner: Any, **kwargs: Any) -> Any:
    """ansible_runner.run, with its own failures (no ansible-playbook, a bad setting) as one line."""
    from ansible_runner.exceptions import AnsibleRunnerException

    try:
        return ansible_runner.run(**kwargs)
    except (AnsibleRunnerException, OSError) as exc:
        shutil.rmtree(kwargs["private_data_dir"], ignore_errors=True)
        raise SiakError(
            Said(N_("ansible-runner could not start the playbook ({error})"), error=exc),
            where=str(kwargs.get("playbook", "")),
            fix=Said(N_("Check that ansible-playbook is installed (make setup) and the options given")),
        ) from None


CANCEL_TEXT = N_(
    "CANCELLED: step {n} ({kegiatan}) ran {elapsed}, past its hard limit {limit} (Mutu Baku {waktu})"
)


def cancel_message(step: Step, elapsed: str, limit_s: float, lang: str) -> str:
    tr = gettext_for(lang)
    return tr(CANCEL_TEXT).format(
        n=step.number,
        kegiatan=step.title(lang),
        elapsed=elapsed,
        limit=fmt_elapsed(limit_s),
        waktu=step.waktu.label(lang),
    )


def write_outcome(request: RunRequest, result: RunResult, exit_code: int) -> Path:
    """The wrapper's own record beside the report: what the agenda cannot know (a cancel, the office)."""
    data = {
        "run_id": request.run_id,
        "sop": request.sop.id,
        "playbook": str(request.playbook),
        "status": result.status,
        "rc": result.rc,
        "exit_code": exit_code,
        "cancelled_step": result.cancelled_step,
        "cancelled_at": result.cancelled_at.isoformat() if result.cancelled_at else None,
        "interrupted": result.interrupted,
        "signal": result.signal,
        "running_step": result.running_step,
        "office": request.office,
        "timezone": request.timezone,
        "service_hours": request.windows if isinstance(request.windows, list) else list(request.windows),
        "budget": {
            "source": request.budget.source,
            "hard_limit_factor": request.budget.hard_limit_factor,
            "steps": request.budget.steps,
        },
        "agenda": str(result.agenda) if result.agenda else None,
        "siak_sop_version": __version__,
    }
    path = request.report_dir / "run.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, ensure_ascii=False)
        fh.write("\n")
    return path
