# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller's half of the lock: who this run is, and whether another run's lock may be taken over.

Only the controller can look at its own processes, so the liveness rule (module_utils/run_lock.holder_is_gone)
is applied here; the module on the target does the file work under its guard. A take-over is a second module
call that swaps the lock only while the holder judged gone still has it.
"""

from __future__ import annotations

import hashlib
import json
import ntpath
import os
import pwd
import socket
import time

from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

from ansible_collections.dukcapil.siak.plugins.module_utils.run_lock import (
    boot_id,
    holder_is_gone,
    now_iso,
    process_start,
)
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import Said, run_lang, say
from ansible_collections.dukcapil.siak.plugins.plugin_utils.lock_sentences import (
    ATTACHED_NEEDS_PYTHON,
    LOCK_NOT_WRITABLE,
    refusal,
    taken_over_message,
)

ACTION_ONLY = ("stale_after_min", "break_lock")

# The same file work as module_utils/run_lock.py (take, release; compare and swap on the holder's token) for a
# Windows host, which has no Python: the record is the same JSON, guarded by an exclusive open of <lock>.guard.
WINDOWS_LOCK = r"""
param([string]$Path, [string]$Token, [string]$Holder, [string]$StealToken, [string]$State, [bool]$Check)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
$folder = Split-Path -Parent $Path
if (-not (Test-Path -LiteralPath $folder)) {
  if ($Check) { $Ansible.Result = @{ acquired = $true; holder = $null; taken_over = $false }; $Ansible.Changed = $true; return }
  New-Item -ItemType Directory -Force -Path $folder | Out-Null
}
$guard = $null
for ($i = 0; $i -lt 200 -and -not $guard; $i++) {
  try { $guard = [System.IO.File]::Open("$Path.guard", 'OpenOrCreate', 'ReadWrite', 'None') }
  catch { Start-Sleep -Milliseconds 50 }
}
if (-not $guard) { throw "cannot open the lock guard $Path.guard" }
try {
  $before = $null
  if (Test-Path -LiteralPath $Path) {
    try { $before = Get-Content -LiteralPath $Path -Raw | ConvertFrom-Json }
    catch { $before = @{ unreadable = $true; since_epoch = [int][double]::Parse((Get-Date (Get-Item -LiteralPath $Path).LastWriteTimeUtc -UFormat %s)) } }
  }
  $mine = $before -and $before.token -eq $Token
  $result = @{ acquired = $false; holder = $before; taken_over = $false }
  if ($State -eq 'absent') {
    if ($mine) { if (-not $Check) { Remove-Item -LiteralPath $Path -Force }; $Ansible.Changed = $true }
  } elseif ($mine) {
    $result.acquired = $true
  } elseif (-not $before -or ($StealToken -ne '-' -and [string]$before.token -eq $StealToken)) {
    if (-not $Check) {
      # target_boot_id as the Linux module records it: this host's boot (Windows: its last boot time, UTC).
      $record = $Holder | ConvertFrom-Json
      $boot = (Get-CimInstance -ClassName Win32_OperatingSystem).LastBootUpTime.ToUniversalTime().ToString('o')
      $record | Add-Member -NotePropertyName target_boot_id -NotePropertyValue $boot -Force
      $tmp = "$Path.tmp"
      Set-Content -LiteralPath $tmp -Value ($record | ConvertTo-Json -Depth 8 -Compress) -Encoding UTF8
      Move-Item -LiteralPath $tmp -Destination $Path -Force
    }
    $result.acquired = $true; $result.taken_over = [bool]$before; $Ansible.Changed = $true
  }
  $Ansible.Result = $result
} finally { $guard.Dispose() }
"""


def playbook_process():
    """(pid, start) of the outermost ansible-playbook process above this one, else of this process."""
    found = (os.getpid(), process_start(os.getpid()) or "")
    pid = os.getpid()
    while pid > 1:
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as fh:
                cmdline = fh.read()
            with open("/proc/%d/stat" % pid, encoding="utf-8") as fh:
                parent = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            break
        if b"ansible-playbook" in cmdline:
            found = (pid, process_start(pid) or "")
        pid = parent
    return found


def login_user(task_vars):
    """The person behind the run: AWX's launching user, else the user sudo was called by, else the login
    user of the terminal, else the account the controller runs as."""
    for name in ("awx_user_name", "tower_user_name"):
        if task_vars.get(name):
            return str(task_vars[name])
    if os.environ.get("SUDO_USER"):
        return os.environ["SUDO_USER"]
    try:
        return os.getlogin()
    except OSError:
        return pwd.getpwuid(os.getuid()).pw_name


def run_id_of(task_vars):
    """The run id the agenda names this run by (set for the whole run by the agenda callback)."""
    return str(task_vars.get("siak_run_id") or os.environ.get("SIAK_RUN_ID") or "")


def this_run(task_vars, now):
    """The lock's record of this run and the token every task of the run uses."""
    pid, start = playbook_process()
    holder = {
        "user": login_user(task_vars),
        "host": socket.gethostname(),
        "boot_id": boot_id(),
        "pid": pid,
        "pid_start": start,
        "since": now_iso(now),
        "since_epoch": int(now),
    }
    holder.update(awx_job(task_vars))
    seed = "%s|%s|%s|%s|%s" % (run_id_of(task_vars), holder["host"], holder["boot_id"], pid, start)
    return holder, hashlib.sha256(seed.encode()).hexdigest()[:24]


def awx_job(task_vars):
    """Under AWX (or Automation Platform), the job and its job template, from the extra variables AWX
    gives every job; empty elsewhere."""
    found = {}
    for key in ("job_id", "job_template_id"):
        for prefix in ("awx_", "tower_"):
            if task_vars.get(prefix + key):
                found["awx_" + key] = str(task_vars[prefix + key])
                break
    return found if "awx_job_id" in found else {}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        args = dict(self._task.args)
        stale_after_s = int(args.pop("stale_after_min", 120) or 120) * 60
        break_lock = boolean(args.pop("break_lock", False), strict=False)
        now = time.time()
        holder, token = this_run(task_vars, now)
        args["token"] = args.get("token") or token
        state = args.get("state", "present")
        if state == "present":
            args.setdefault("run_id", run_id_of(task_vars))
            args["holder"] = holder
        answer = self._lock(args, task_vars)
        host = task_vars.get("inventory_hostname", "?")
        if answer.get("failed") and answer.get("lock_error") is not None:
            folder = ntpath.dirname(str(args["path"])) or "/"  # ntpath splits at "/" and "\\" alike
            why = Said(
                LOCK_NOT_WRITABLE, host=host, path=args["path"], folder=folder, error=answer["lock_error"]
            )
            answer["msg"] = say(why, run_lang())
        if state != "present" or answer.get("failed") or answer.get("acquired"):
            result.update(answer)
            return result
        other = answer.get("holder") or {}
        here = {"host": holder["host"], "boot_id": holder["boot_id"]}
        here.update(awx_job(task_vars))
        gone, reason = holder_is_gone(other, here, now, stale_after_s, process_start)
        if break_lock and not gone:
            gone, reason = True, "break"
        if not gone:
            result.update(answer, failed=True, msg=say(refusal(host, args["path"], other), run_lang()))
            return result
        taken = self._lock(dict(args, steal_token=other.get("token") or ""), task_vars)
        if taken.get("acquired"):
            taken["holder"] = other
            self._display.warning(say(taken_over_message(host, args["path"], other, reason), run_lang()))
        elif not taken.get("failed"):
            # Someone else took it between the two calls: that run is alive by definition.
            taken.update(failed=True, msg=say(refusal(host, args["path"], taken.get("holder")), run_lang()))
        result.update(taken)
        return result

    def _lock(self, args, task_vars):
        """One call of the lock's file work: the module, or on Windows the same steps in PowerShell."""
        prefs = getattr(self._connection, "module_implementation_preferences", ("",))
        if ".ps1" not in prefs and str(task_vars.get("ansible_shell_type", "")) != "powershell":
            return self._execute_module(
                module_name="dukcapil.siak.run_lock", module_args=args, task_vars=task_vars
            )
        state = args.get("state", "present")
        if state == "attached":
            return {
                "failed": True,
                "msg": say(Said(ATTACHED_NEEDS_PYTHON), run_lang()),
            }
        record = dict(args.get("holder") or {}, token=args["token"], run_id=args.get("run_id") or "")
        record["about"] = args.get("about") or {}
        answer = self._execute_module(
            module_name="ansible.windows.win_powershell",
            module_args={
                "script": WINDOWS_LOCK,
                "parameters": {
                    "Path": args["path"],
                    "Token": args["token"],
                    "Holder": json.dumps(record, sort_keys=True),
                    "StealToken": args.get("steal_token") if args.get("steal_token") is not None else "-",
                    "State": state,
                    "Check": bool(self._task.check_mode),
                },
            },
            task_vars=task_vars,
        )
        if answer.get("failed"):
            return dict(answer, lock_error=answer.get("msg") or "")
        return dict(answer.get("result") or {}, changed=answer.get("changed", False), token=args["token"])
