# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bring a controller artifact to the target once and stage the release from it (module release_unpack).

ansible.builtin.copy reads a large artifact three times (its sha1 on the controller, its sha1 on the
target, the move) and costs three module runs; the release is then unpacked by a fourth read.

A tar.gz or tar is streamed: the module's code (module_utils/release_stage.py and the module_utils it
imports, standard library only) runs as a plain Python script (plugin_utils/plain_python.py) whose standard
input carries its arguments and then the artifact; it hashes, inflates and writes the members while the rest
is still arriving. Transfer, checksum and unpack overlap in one pass, the artifact is never stored on the
target, and there is one command: no temporary folder, no copy, no module payload to build on the controller
or to unpack and import on the target. It reads the stream to its end even after a failure, so its answer
always comes back.

A zip cannot be unpacked as it arrives (it is read from its end); an artifact too large to hold in the
controller's memory, or a target whose Python is not known yet, is not streamed either: those are transferred
once into the connection's temporary folder (removed whatever happens) and the module unpacks them there.
"""

from __future__ import annotations

import os
import socket
import time
import zipfile

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

from ansible_collections.dukcapil.siak.plugins.action.release_lock import (
    new_token,
    refusal,
    steal_token,
    taken_over,
    this_run,
)
from ansible_collections.dukcapil.siak.plugins.module_utils.release_stage import ARGUMENT_SPEC
from ansible_collections.dukcapil.siak.plugins.plugin_utils import plain_python

MODULE = "dukcapil.siak.release_unpack"
# What the plain run needs on the target, each after the module_utils it imports.
STAGE_MODULES = ["release", "release_unpack", "release_switch", "release_stage"]
# The artifact is held in the controller's memory while it is sent (the connection takes bytes).
STREAM_MAX_BYTES = 1 << 30


class ActionModule(ActionBase):
    # False: ActionBase.run would make the temporary folder up front (a round trip) even for a stream.
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        if self._task.check_mode:
            # As for the module (no check mode): the trial run's answer is release_open's plan.
            return dict(
                result, skipped=True, msg="release_unpack changes the server; check mode runs nothing"
            )
        args = dict(self._task.args)
        lock = dict(args.pop("lock", None) or {})
        refuse_step = lock.pop("refuse_step", None)
        if lock:
            # The upgrade lock is taken by the same module run, before anything changes (one round trip
            # less); whether a holder's run is gone is decided here, on the controller, as release_lock does.
            stale_after_min = int(lock.pop("stale_after_min", None) or 120)
            break_lock = boolean(lock.pop("break_lock", False), strict=False)
            lock["token"] = lock.get("token") or new_token()
            lock["owner"] = this_run(lock.get("owner"))
            args["lock"] = lock
        if isinstance(args.get("marker"), dict) and not args["marker"].get("installed_from_controller"):
            args["marker"] = dict(args["marker"], installed_from_controller=socket.gethostname())
        taken = self._stage(args, task_vars)
        steal = steal_token(taken, stale_after_min, break_lock) if lock else None
        if steal is not None:
            holder = taken.get("holder") or {}
            args["lock"] = dict(lock, steal_token=steal)
            taken = self._stage(args, task_vars)
            taken["holder"] = holder
        result.update(taken)
        if lock:
            result.update(token=lock["token"], owner=lock["owner"])
        if refuse_step is not None and lock and not taken.get("failed") and "acquired" in taken:
            # The play's answer to the lock, here rather than as tasks after this one (each a round of its own).
            host = (task_vars or {}).get("inventory_hostname", "?")
            if not taken["acquired"]:
                result.update(failed=True, msg=refusal(host, refuse_step, args["root"], taken.get("holder")))
            elif taken.get("stolen"):
                result.setdefault("warnings", []).append(taken_over(host, taken.get("holder")))
        return result

    def _stage(self, args, task_vars):
        args = dict(args)
        result = {}
        src = args.pop("src", None)
        made_tmp = False
        try:
            if src:
                src = os.path.abspath(os.path.expanduser(str(src)))
                if not os.path.isfile(src):
                    raise AnsibleActionFail("artifact %s does not exist on the controller" % src)
                python = plain_python.interpreter(self, task_vars)
                if python and os.path.getsize(src) <= STREAM_MAX_BYTES and not zipfile.is_zipfile(src):
                    started = time.monotonic()
                    args.update(stream=True, artifact_name=os.path.basename(src))
                    result.update(self._stream(src, args, python))
                    result["stream_s"] = round(time.monotonic() - started, 2)
                    return result
                made_tmp = not self._connection._shell.tmpdir
                tmpdir = self._connection._shell.tmpdir or self._make_tmp_path()
                remote = self._connection._shell.join_path(tmpdir, os.path.basename(src))
                started = time.monotonic()
                self._transfer_file(src, remote)
                result["transfer_s"] = round(time.monotonic() - started, 2)
                args.update(artifact=remote, remove_artifact=True)
            result.update(self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars))
        finally:
            if made_tmp:
                self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    def _stream(self, src, args, python):
        """The module's code with the artifact following its arguments on standard input: one command, one pass."""
        checked = ArgumentSpecValidator(ARGUMENT_SPEC).validate(args)
        if checked.error_messages:
            raise AnsibleActionFail("%s: %s" % (MODULE, "; ".join(checked.error_messages)))
        return plain_python.run(
            self,
            python,
            STAGE_MODULES,
            checked.validated_parameters,
            what="the unpack on the server",
            follow_file=src,
        )
