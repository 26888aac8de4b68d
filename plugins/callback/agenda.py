# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: agenda
type: aggregate
short_description: Writes every step of a run into a crash-safe, hash-chained agenda (JSON lines)
version_added: 0.1.0
description:
  - Appends one JSON line per event to C(<agenda_dir>/<YYYY-MM-DD>/<run_id>.jsonl) and flushes it at once,
    so a run killed at any point leaves its record up to that point.
  - Records the run header, every play, and every task on every host with its SOP step (looked up from the
    task's tags in the SOP tables), start and end in the office timezone, its duration by a monotonic clock,
    its status and a short output summary; a closing record carries totals per SOP step and per host and
    the results the roles published (the results channel, C(dukcapil.siak.publish_results)).
  - Each line carries the hash of the line before it; C(siak-sop agenda verify FILE) checks the chain.
  - Tasks with C(no_log) record neither arguments nor output; extra vars are recorded by name only, and the
    plaintext of vault-encrypted variables is blanked out of every output summary.
  - The file format is docs/agenda-format.md in the collection.
requirements:
  - enable in ansible.cfg (C(callbacks_enabled = dukcapil.siak.agenda)); the collection's checkout does
options:
  agenda_dir:
    description:
      - Folder of the agenda; one sub-folder per day.
      - When unset, C(agenda/) in the outputs folder (see C(dukcapil.siak.output_dir)), that is
        C($SIAK_OUTPUT_DIR/agenda), else C(siak-sop-out/agenda) in the current folder.
    type: path
    env:
      - name: SIAK_AGENDA_DIR
    ini:
      - section: callback_agenda
        key: agenda_dir
  timezone:
    description: The office timezone (IANA name) for start and end times and the date folder.
    type: str
    default: Asia/Jakarta
    env:
      - name: SIAK_AGENDA_TIMEZONE
    ini:
      - section: callback_agenda
        key: timezone
  signing_key:
    description:
      - Private SSH key (path on the controller) that signs the run's head and the day's head at the end of the
        run (C(ssh-keygen -Y sign), docs/agenda.md). Unset, the run is recorded UNSIGNED.
      - Also taken from the inventory variable C(siak_agenda_signing_key) (of C(localhost) or any host of the
        run); under AWX, a credential that injects C(SIAK_AGENDA_SIGNING_KEY) as a file.
    type: path
    env:
      - name: SIAK_AGENDA_SIGNING_KEY
    ini:
      - section: callback_agenda
        key: signing_key
  tsa_url:
    description:
      - URL of an RFC 3161 time-stamping authority. When set, the run's signed head is also timestamped there
        at the end of the run (the only network call the callback makes). Unset, nothing is sent anywhere.
      - Also taken from the inventory variable C(siak_agenda_tsa_url).
    type: str
    env:
      - name: SIAK_AGENDA_TSA_URL
    ini:
      - section: callback_agenda
        key: tsa_url
  msg_max_chars:
    description: A task's C(msg) is cut to this many characters.
    type: int
    default: 300
    env:
      - name: SIAK_AGENDA_MSG_MAX_CHARS
    ini:
      - section: callback_agenda
        key: msg_max_chars
  output_tail_lines:
    description: How many last lines of stdout and of stderr a task record keeps.
    type: int
    default: 5
    env:
      - name: SIAK_AGENDA_OUTPUT_TAIL_LINES
    ini:
      - section: callback_agenda
        key: output_tail_lines
  output_max_chars:
    description: The kept stdout and stderr lines are cut to this many characters (their end is kept).
    type: int
    default: 500
    env:
      - name: SIAK_AGENDA_OUTPUT_MAX_CHARS
    ini:
      - section: callback_agenda
        key: output_max_chars
"""

import atexit
import contextlib
import getpass
import json
import os
import socket
import threading
import time
from datetime import datetime

from ansible import constants as C
from ansible import context
from ansible.playbook.block import Block
from ansible.playbook.handler import Handler
from ansible.plugins.callback import CallbackBase


try:
    from ansible.parsing.vault import EncryptedString, VaultHelper, is_encrypted_file
except ImportError:  # ansible-core before 2.19
    EncryptedString = VaultHelper = is_encrypted_file = None
try:  # ansible-core 2.19's data tags: where each loaded value came from (file, line)
    from ansible._internal._datatag._tags import Origin
except ImportError:
    Origin = None

from ansible_collections.dukcapil.siak.plugins.plugin_utils import agenda as model
from ansible_collections.dukcapil.siak.plugins.plugin_utils import agenda_seal
from ansible_collections.dukcapil.siak.plugins.plugin_utils import outputs
from ansible_collections.dukcapil.siak.plugins.plugin_utils import runid

HERE = os.path.dirname(os.path.abspath(__file__))


def _collection_version():
    root = os.path.normpath(os.path.join(HERE, "..", ".."))
    manifest = os.path.join(root, "MANIFEST.json")
    try:
        if os.path.isfile(manifest):
            with open(manifest, encoding="utf-8") as fh:
                return json.load(fh)["collection_info"]["version"]
        import yaml  # pylint: disable=import-outside-toplevel

        with open(os.path.join(root, "galaxy.yml"), encoding="utf-8") as fh:
            return str(yaml.safe_load(fh)["version"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _in_rescued_block(task):
    """True when a failure of this task is caught by a rescue section around it.

    Mirrors what the strategy checks (a block in its main section whose rescue is not empty), walking
    the task's parents, across includes, by uuid: the iterator works on copies of the blocks.
    """
    child, parent = task, getattr(task, "_parent", None)
    while parent is not None:
        rescued = isinstance(parent, Block) and parent.rescue
        if rescued and any(getattr(t, "_uuid", None) == child._uuid for t in parent.block):
            return True
        child, parent = parent, getattr(parent, "_parent", None)
    return False


def _own_tags(node):
    raw = getattr(node, "_tags", None)
    if isinstance(raw, str):
        return [t.strip() for t in raw.split(",")]
    return list(raw) if isinstance(raw, (list, tuple)) else []


def _all_tags(task):
    """The task's tags by level, nearest first: its own, its blocks' and includes', then what it inherits
    (each level a list, for plugin_utils.agenda.step_for_tags).

    The walk crosses dynamic includes (tags on include_tasks, which Ansible does not pass on), and the
    nearest step id wins when a play is tagged with one step and a block inside it with another. Play
    tags, which Ansible copies into included tasks, come last.
    """
    play = getattr(getattr(task, "_parent", None), "_play", None)
    play_tags = set(_own_tags(play)) if play is not None else set()
    levels = []
    node = task
    while node is not None:
        levels.append([t for t in _own_tags(node) if t not in play_tags])
        node = getattr(node, "_parent", None)
    levels.append(list(task.tags or []))
    return [level for level in levels if level]


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "dukcapil.siak.agenda"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None):
        super().__init__(display=display)
        self._lock = threading.RLock()
        self._chain = model.Chain()
        self._totals = model.Totals()
        self._redactor = model.Redactor()
        self._running = {}
        self._steps = {}
        self._fd = None
        self._path = None
        self._size = 0
        self._started = False
        self._closed = False
        self._write_errors = 0
        self._warned = False
        self._tz = None
        self._limits = model.Limits()
        self._agenda_dir = None
        self._run_id = None
        self._header = None
        self._batches = {}
        self._results = model.Results()
        self._hosts = model.HostStates()
        self._manager = None
        self._play_hosts = []
        self._signing_key = None
        self._pid = os.getpid()
        self._play = None
        self._encrypted_files = {}
        self._secrets_seen = set()
        # Every value already judged, by identity: each host's variables are new mappings over the same
        # values, so a play over tens of hosts judges each value once. The mapping keeps the values alive,
        # so no other object can take an identity judged here.
        self._values_judged = {}
        self._sop_warned = False
        self._tsa_url = None

    def set_options(self, task_keys=None, var_options=None, direct=None):
        super().set_options(task_keys=task_keys, var_options=var_options, direct=direct)
        self._tz, problem = model.office_tz(self.get_option("timezone"))
        if problem:
            self._display.warning(f"dukcapil.siak.agenda: {problem}")
        self._limits = model.Limits(
            msg_chars=int(self.get_option("msg_max_chars")),
            tail_lines=int(self.get_option("output_tail_lines")),
            tail_chars=int(self.get_option("output_max_chars")),
        )
        self._agenda_dir = self.get_option("agenda_dir") or self._default_dir()
        self._signing_key = self.get_option("signing_key") or None
        self._tsa_url = self.get_option("tsa_url") or None

    @staticmethod
    def _default_dir():
        # $SIAK_AGENDA_DIR is this callback's agenda_dir option, read by get_option().
        return str(outputs.output_dir() / "agenda")

    # --- writing -----------------------------------------------------------------------------------

    def _now(self):
        return datetime.now(self._tz), time.monotonic()

    def _fail(self, what, exc):
        self._write_errors += 1
        if not self._warned:
            self._warned = True
            self._display.warning(
                f"dukcapil.siak.agenda: cannot write the agenda {self._path or self._agenda_dir} ({what}: "
                f"{getattr(exc, 'strerror', None) or exc}). The run goes on, but its agenda is INCOMPLETE: "
                "free space or fix the permission, and record this run in the Buku Agenda by hand."
            )

    def _open(self, started):
        path = model.agenda_path(self._agenda_dir, started, self._run_id)
        self._path = str(path)
        os.makedirs(path.parent, mode=0o750, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)
        try:
            self._fd = os.open(self._path, flags, 0o640)
        except FileExistsError:
            # never append a second chain to a file: keep the old one and say where this run went
            base = self._path[: -len(".jsonl")]
            n = 2
            while os.path.exists(f"{base}.{n}.jsonl"):
                n += 1
            self._path = f"{base}.{n}.jsonl"
            self._display.warning(
                f"dukcapil.siak.agenda: {base}.jsonl exists already (run id reused); this run is in {self._path}"
            )
            self._fd = os.open(self._path, flags, 0o640)

    def _emit(self, record):
        with self._lock:
            if self._closed:
                return None
            # the header could not be written yet: every file starts with it, so try it first
            pending = self._header is not None and record is not self._header
            if pending and self._write(self._header) is None:
                return self._fail("write", OSError("the run header is not written yet"))
            return self._write(record)

    def _write(self, record):
        with self._lock:
            sealed, line = self._chain.seal(record)
            if self._fd is None:
                return self._fail("not open", OSError("the file could not be created"))
            data = line.encode("utf-8")
            try:
                written = 0
                while written < len(data):
                    written += os.write(self._fd, data[written:])
            except OSError as exc:
                if written:
                    # a torn line would break every line after it: take it back
                    with contextlib.suppress(OSError):
                        os.ftruncate(self._fd, self._size)
                self._fail("write", exc)
                return None
            self._size += len(data)
            self._chain.commit(sealed)
            if record is self._header:
                self._header = None
            return sealed

    # --- the run -----------------------------------------------------------------------------------

    def _start_run(self, playbook):
        started = self._now()[0]
        self._started = True
        try:
            # the one run id (plugins/plugin_utils/runid.py), exported so every task and report of the run sees it
            self._run_id = runid.export()
        except model.SiakError as exc:
            self._display.warning(
                f"dukcapil.siak.agenda: {exc}; the agenda names this run by its controller process"
            )
            self._run_id = runid.of_controller()
            os.environ[runid.ENV] = self._run_id
        atexit.register(self._close_on_exit)
        try:
            self._open(started)
        except (OSError, model.SiakError) as exc:
            self._fail("open", exc)
        cli = context.CLIARGS
        plays = playbook.get_plays() if playbook is not None else []
        extra = {}
        if plays:
            manager = plays[0].get_variable_manager()
            extra = manager.extra_vars if manager is not None else {}
            self._collect_secrets(extra)
        inventory = cli.get("inventory") or []
        self._header = {
            "type": "run_start",
            "schema": model.SCHEMA,
            "run_id": self._run_id,
            "playbook": os.path.abspath(playbook._file_name) if playbook is not None else None,
            "inventory": [os.path.abspath(i) if os.path.exists(i) else i for i in inventory],
            "limit": cli.get("subset"),
            "tags": list(cli.get("tags") or []),
            "skip_tags": list(cli.get("skip_tags") or []),
            "user": _user(),
            "controller": socket.gethostname(),
            "collection_version": _collection_version(),
            "check_mode": bool(cli.get("check")),
            "diff_mode": bool(cli.get("diff")),
            "extra_var_names": model.extra_var_names(extra),
            "timezone": str(self._tz),
            "started": model.iso(started),
        }
        self._emit(self._header)

    def v2_playbook_on_start(self, playbook):
        if not self._started:
            self._start_run(playbook)

    def v2_playbook_on_play_start(self, play):
        if not self._started:
            self._start_run(None)
        self._collect_play_secrets(play)
        self._manager = play.get_variable_manager()
        self._play = play
        self._play_hosts = self._hosts_of(play)
        hosts = play.hosts
        # with serial, Ansible starts the same play once per batch of hosts
        self._batches[play._uuid] = self._batches.get(play._uuid, 0) + 1
        self._emit(
            {
                "type": "play",
                "name": self._redactor.text(play.get_name().strip()),
                "hosts": ",".join(hosts) if isinstance(hosts, list) else hosts,
                "strategy": play.strategy or C.DEFAULT_STRATEGY,
                "serial": list(play.serial) if play.serial else None,
                "play_uuid": play._uuid,
                "batch": self._batches[play._uuid],
            }
        )

    def _collect_secrets(self, value, depth=0):
        """Learn the plaintext of every vault-sourced value in ``value``, to blank it everywhere by value.

        A value is vault-sourced when it is an inline ``!vault`` value (decrypted or not yet), or when
        ansible-core's data tags say it was read from a file that is vault-encrypted as a whole (group_vars,
        host_vars, vars_files, include_vars, role vars, ``-e @file``): every value loaded from a file carries
        the file's path, so a new way of loading a file cannot slip past this.
        """
        if depth > 30 or value is None:
            return
        if isinstance(value, dict):
            for item in value.values():
                self._collect_secrets(item, depth + 1)
            return
        if isinstance(value, (list, tuple)):
            for item in value:
                self._collect_secrets(item, depth + 1)
            return
        if self._values_judged.get(id(value)) is value:
            return
        self._values_judged[id(value)] = value
        if self._vault_sourced(value):
            with contextlib.suppress(Exception):  # pylint: disable=broad-except  # undecryptable: nothing to blank
                self._redactor.add(str(value))

    def _vault_sourced(self, value):
        if EncryptedString is not None and type(value) is EncryptedString:  # pylint: disable=unidiomatic-typecheck
            return True
        if VaultHelper is not None:
            with contextlib.suppress(Exception):  # pylint: disable=broad-except
                if VaultHelper.get_ciphertext(value, with_tags=False) is not None:
                    return True
        origin = Origin.get_tag(value) if Origin is not None else None
        path = getattr(origin, "path", None)
        if not path:
            return False
        found = self._encrypted_files.get(path)
        if found is None:
            try:
                with open(path, "rb") as fh:
                    found = bool(is_encrypted_file(fh)) if is_encrypted_file is not None else False
            except OSError:
                found = False
            self._encrypted_files[path] = found
        return found

    def _collect_task_secrets(self, task):
        """Task and block vars (inline vault values in a task's ``vars:``) and role vars, once each."""
        if task._uuid in self._secrets_seen:
            return
        self._secrets_seen.add(task._uuid)
        with contextlib.suppress(Exception):  # pylint: disable=broad-except  # never stop a run over the agenda
            self._collect_secrets(dict(task.get_vars()))
        role = task._role
        if role is not None and id(role) not in self._secrets_seen:
            self._secrets_seen.add(id(role))
            with contextlib.suppress(Exception):  # pylint: disable=broad-except
                self._collect_secrets(dict(role.get_vars()))
                self._collect_secrets(dict(role.get_default_vars()))

    def _collect_host_secrets(self, host_name):
        """After include_vars: the variables the host holds now (the file may be vault-encrypted)."""
        manager, play = self._manager, self._play
        if manager is None or play is None:
            return
        with contextlib.suppress(Exception):  # pylint: disable=broad-except
            host = manager._inventory.get_host(host_name)  # pylint: disable=protected-access
            self._collect_secrets(dict(manager.get_vars(play=play, host=host, include_hostvars=False)))

    def _collect_play_secrets(self, play):
        """Learn the plaintext of every vault-encrypted variable the play's hosts can see, to blank it."""
        manager = play.get_variable_manager()
        if manager is None:
            return
        try:
            self._collect_secrets(manager.extra_vars)
            inventory = manager._inventory  # pylint: disable=protected-access
            hosts = inventory.get_hosts(play.hosts) if inventory is not None else []
            for host in hosts or [None]:
                found = manager.get_vars(play=play, host=host, include_hostvars=False)
                self._collect_secrets(dict(found))
                key = found.get("siak_agenda_signing_key")
                if not self._signing_key and isinstance(key, str) and key and "{{" not in key:
                    self._signing_key = str(key)
                url = found.get("siak_agenda_tsa_url")
                if not self._tsa_url and isinstance(url, str) and url and "{{" not in url:
                    self._tsa_url = str(url)
        except Exception as exc:  # pylint: disable=broad-except  # never stop a run over the agenda
            self._display.vvv(
                f"dukcapil.siak.agenda: could not read the play's variables for redaction: {exc}"
            )

    # --- tasks -------------------------------------------------------------------------------------

    def _task_fields(self, task, host_name):
        key = task._uuid
        step = self._steps.get(key, False)
        if step is False:
            try:
                step = model.step_for_tags(_all_tags(task))
            except model.SiakError as exc:
                # a malformed SOP table: the playbook's first task (dukcapil.siak.sop_check) stops the run
                step = None
                if not self._sop_warned:
                    self._sop_warned = True
                    self._display.warning(f"dukcapil.siak.agenda: the SOP tables are not valid ({exc})")
            self._steps[key] = step
        role = task._role.get_name() if task._role else None
        return {
            "host": host_name,
            "task": self._redactor.text((task.name or task.get_name() or task.action or "").strip()),
            "task_uuid": key,
            "action": task.action,
            "role": role,
            "step": step,
        }

    def v2_runner_on_start(self, host, task):
        self._collect_task_secrets(task)
        wall, mono = self._now()
        fields = self._task_fields(task, host.get_name())
        fields["start"] = model.iso(wall)
        with self._lock:
            self._running[(task._uuid, host.get_name())] = (fields, mono)
        self._emit({"type": "task_start", **fields})

    def _finish(self, result, event, ignore_errors=False, rescued=False):
        wall, mono = self._now()
        task, host_name = result.task, result.host.get_name()
        with self._lock:
            found = self._running.pop((task._uuid, host_name), None)
        if found is None:  # an end without a start (never seen so far): a zero-length record
            fields, mono_start = self._task_fields(task, host_name), mono
            fields["start"] = model.iso(wall)
        else:
            fields, mono_start = found
        data = result.result if hasattr(result, "result") else result._result
        no_log = task.no_log is True or bool(data.get("_ansible_no_log"))
        status = model.status_of(event, data, ignore_errors=ignore_errors, rescued=rescued)
        end = model.iso(wall)
        duration = max(mono - mono_start, 0.0)
        step = fields["step"]
        with self._lock:
            self._totals.add(
                host=host_name,
                step_id=step["id"] if step else None,
                status=status,
                start=fields["start"],
                end=end,
                mono_start=mono_start,
                mono_end=mono,
            )
        record = {
            "type": "task",
            **fields,
            "end": end,
            "duration_s": round(duration, 3),
            "status": status,
            "handler": isinstance(task, Handler),
            "summary": model.summarize(data, no_log=no_log, limits=self._limits, redactor=self._redactor),
        }
        if event == "unreachable":
            # Under ignore_unreachable the status is "ignored", as Ansible counts it; that the task did not
            # run because the connection was lost is said here (the Server cadangan trial is judged on it).
            record["unreachable"] = True
        self._emit(record)

    def v2_runner_on_ok(self, result):
        if result.task.action in C._ACTION_INCLUDE_VARS:  # pylint: disable=protected-access
            self._collect_host_secrets(result.host.get_name())
        self._finish(result, "ok")
        data = result.result if hasattr(result, "result") else result._result
        with self._lock:
            self._results.add_result(
                result.host.get_name(), data, self._redactor.text(result.task.get_name())
            )

    def v2_runner_on_failed(self, result, ignore_errors=False):
        host_name = result.host.get_name()
        rescued = not ignore_errors and self._rescued(result.task, host_name)
        with self._lock:
            self._hosts.failed(host_name, ignored=bool(ignore_errors), rescued=rescued)
        self._finish(result, "failed", ignore_errors=ignore_errors, rescued=rescued)

    def v2_runner_on_skipped(self, result):
        if result.task.action in C._ACTION_META:  # pylint: disable=protected-access
            # a meta task whose condition is false: an event, not a task result (Ansible does not count it)
            self._meta_event(result.task, "skipped", host=result.host.get_name())
            return
        self._finish(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        host_name = result.host.get_name()
        ignored = bool(result.task.ignore_unreachable)
        with self._lock:
            self._hosts.unreachable(host_name, ignored=ignored)
        self._finish(result, "unreachable", ignore_errors=ignored)

    def v2_playbook_on_task_start(self, task, is_conditional):
        if task.action in C._ACTION_META and not task.implicit:  # pylint: disable=protected-access
            self._meta_event(task, "start")

    def v2_playbook_on_handler_task_start(self, task):
        self.v2_playbook_on_task_start(task, False)

    def _meta_event(self, task, event, host=None):
        """A meta task (end_play, end_host, end_batch, flush_handlers, clear_host_errors, ...) as an event.

        Ansible reports a meta task that ran on a host with no result, and one whose condition was false
        with a skip: the record says which meta task started, then on which hosts it was skipped.
        """
        action = str(task.args.get("_raw_params", "")).strip() if isinstance(task.args, dict) else ""
        self._collect_task_secrets(task)
        wall = self._now()[0]
        fields = self._task_fields(task, host)
        with self._lock:
            if event == "start":
                self._hosts.meta_started(task._uuid, action, self._play_hosts)
            else:
                self._hosts.meta_skipped(task._uuid, host)
        self._emit({"type": "meta", **fields, "meta": action, "event": event, "time": model.iso(wall)})

    def _rescued(self, task, host_name):
        """Whether Ansible counted this failure as rescued: the strategy decides it from the block's rescue
        state and, only then, sets ``ansible_failed_task`` for the host (before it calls the callbacks)."""
        facts = getattr(self._manager, "_nonpersistent_fact_cache", None)
        try:
            found = (facts or {}).get(host_name, {}).get("ansible_failed_result")
            failed_task = (facts or {}).get(host_name, {}).get("ansible_failed_task") or {}
        except Exception:  # pylint: disable=broad-except
            return _in_rescued_block(task)
        if facts is None:
            return _in_rescued_block(task)
        with self._lock:
            return self._hosts.rescue_seen(host_name, task._uuid, failed_task.get("uuid"), found)

    def _hosts_of(self, play):
        try:
            inventory = play.get_variable_manager()._inventory  # pylint: disable=protected-access
            return [h.get_name() for h in inventory.get_hosts(play.hosts)]
        except Exception:  # pylint: disable=broad-except
            return []

    # --- the end -----------------------------------------------------------------------------------

    def v2_playbook_on_stats(self, stats):
        self._close("complete", getattr(stats, "custom", {}) or {})

    def _close_on_exit(self):
        """At interpreter exit: a run that ended by an error (a missing handler, a broken vault file, an
        interrupt) before Ansible sent its stats gets its closing record all the same."""
        if os.getpid() != self._pid or self._closed or not self._started:
            return
        with contextlib.suppress(Exception):  # pylint: disable=broad-except  # never mask the run's own error
            self._close("error", {})

    def _close(self, ending, custom):
        wall = self._now()[0]
        with self._lock:
            if self._closed:
                return
            results, per_host, problems = self._results.final(model.plain(custom))
            exit_code = self._hosts.exit_code()
            unfinished = [
                {"host": fields["host"], "task": fields["task"], "task_uuid": fields["task_uuid"]}
                for fields, _mono in self._running.values()
            ]
            totals = self._totals.as_record()
        for problem in problems:
            self._display.warning(f"dukcapil.siak.agenda: {problem}")
        record = {
            "type": "run_end",
            "ended": model.iso(wall),
            # the rule that gives ansible-playbook its exit code; a run ended by an error has failed
            "status": "successful" if exit_code == 0 and ending == "complete" else "failed",
            "ending": ending,
            "complete": self._write_errors == 0 and self._fd is not None,
            "write_errors": self._write_errors,
            "totals": totals,
            "results": self._redactor.deep(model.plain(results)),
            "tasks": self._totals.tasks,
            "hosts_failed": sorted(self._hosts.failed_hosts),
            "hosts_unreachable": sorted(self._hosts.unreachable_hosts),
        }
        if ending == "error":
            record["error"] = (
                "ansible-playbook ended by an error before the end of the run (its output names it); "
                "the tasks above are all that ran"
            )
        if per_host:
            record["results_per_host"] = self._redactor.deep(model.plain(per_host))
        if unfinished:
            record["unfinished"] = unfinished
        if problems:
            record["results_problems"] = [self._redactor.text(p) for p in problems]
        sealed = self._emit(record)
        with self._lock:
            self._closed = True
            if self._fd is not None:
                try:
                    os.fsync(self._fd)
                    os.close(self._fd)
                except OSError as exc:
                    self._fail("close", exc)
                self._fd = None
        if sealed is not None:
            self._seal(sealed, ending)
        if self._write_errors:
            self._display.error(
                f"dukcapil.siak.agenda: {self._write_errors} agenda line(s) could not be written; the agenda "
                f"{self._path} is INCOMPLETE. Record this run in the Buku Agenda by hand."
            )

    def _seal(self, end, ending):
        """Sign the run's head (when a key is set) and chain it into the day's head (docs/agenda-format.md)."""
        lines, head = int(end["seq"]) + 1, str(end["hash"])
        seal = {"run_id": self._run_id, "file": os.path.basename(self._path), "lines": lines, "head": head}
        key = os.path.expanduser(self._signing_key) if self._signing_key else None
        try:
            message = agenda_seal.head_message(self._run_id, lines, head)
            if key:
                seal["signature"] = agenda_seal.sign(message, key)
            if self._tsa_url:
                try:
                    seal["timestamp"] = agenda_seal.timestamp(message, self._tsa_url)
                except model.SiakError as exc:
                    seal["timestamp_error"] = str(exc)
                    self._display.warning(f"dukcapil.siak.agenda: the head was not timestamped: {exc}")
            path = agenda_seal.seal_path(self._path)
            fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(seal, fh, sort_keys=True)
                fh.write("\n")
            agenda_seal.append_day(
                os.path.dirname(self._path),
                {
                    **{k: v for k, v in seal.items() if k != "signature"},
                    "ending": ending,
                    "ended": end["ended"],
                },
                key,
            )
        except (OSError, model.SiakError, ValueError) as exc:
            self._display.error(
                f"dukcapil.siak.agenda: the agenda {self._path} is written but could not be sealed: {exc}. "
                "Its chain still verifies; sign it later or record the run in the Buku Agenda by hand."
            )


def _user():
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())
