# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bring a controller artifact to the target once and stage the release from it (module release_unpack).

ansible.builtin.copy reads a large artifact three times (its sha1 on the controller, its sha1 on the
target, the move) and costs three module runs; the release is then unpacked by a fourth read.

A tar.gz or tar is streamed: the module and the artifact go down one SSH command's standard input (the
module first, as with pipelining, then the artifact), and the module hashes, inflates and writes the
members while the rest is still arriving. Transfer, checksum and unpack overlap in one pass, the artifact
is never stored on the target, and there is one round trip instead of four (temporary folder, copy, module,
removal). The module reads the stream to its end even after a failure, so its answer always comes back.

A zip cannot be unpacked as it arrives (it is read from its end), and an artifact too large to hold in the
controller's memory is not streamed either: those are transferred once into the connection's temporary
folder (removed whatever happens) and unpacked from there.
"""

from __future__ import annotations

import os
import socket
import time
import zipfile

from ansible.errors import AnsibleActionFail
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

from ansible_collections.dukcapil.siak.plugins.action.release_lock import (
    new_token,
    refusal,
    steal_token,
    taken_over,
    this_run,
)
from ansible.vars.clean import remove_internal_keys

MODULE = "dukcapil.siak.release_unpack"
# The artifact is held in the controller's memory while it is sent (the connection takes bytes).
STREAM_MAX_BYTES = 1 << 30

# Runs on the target: read the module (its length is the argument) from standard input and run it as
# pipelining would; the module then reads the artifact from the same, still open, standard input. While the
# module starts (its imports take a while), a thread already reads the artifact ahead, up to 32 MiB, so the
# transfer does not wait for the start: the module takes the stream from sys.siak_read_ahead.
BOOTSTRAP = """import queue, sys, threading
code = sys.stdin.buffer.read(int(sys.argv[1]))
del sys.argv[1:]
class ReadAhead:
    def __init__(self, raw):
        self.raw, self.q, self.rest, self.eof = raw, queue.Queue(32), b'', False
        threading.Thread(target=self.fill, daemon=True).start()
    def fill(self):
        try:
            while True:
                block = self.raw.read(1 << 20)
                self.q.put(block)
                if not block:
                    return
        except (OSError, ValueError):
            self.q.put(b'')
    def read(self, n=-1):
        parts, have = ([self.rest] if self.rest else []), len(self.rest)
        self.rest = b''
        while not self.eof and (n < 0 or have < n):
            block = self.q.get()
            if not block:
                self.eof = True
                break
            parts.append(block)
            have += len(block)
        data = parts[0] if len(parts) == 1 else b''.join(parts)
        if 0 <= n < len(data):
            data, self.rest = data[:n], data[n:]
        return data
sys.siak_read_ahead = ReadAhead(sys.stdin.buffer)
exec(compile(code, 'AnsiballZ_release_unpack', 'exec'), {'__name__': '__main__'})
"""


class ActionModule(ActionBase):
    # False: ActionBase.run would make the temporary folder up front (a round trip) even for a stream.
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
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
                if os.path.getsize(src) <= STREAM_MAX_BYTES and not zipfile.is_zipfile(src):
                    started = time.monotonic()
                    args.update(stream=True, artifact_name=os.path.basename(src))
                    result.update(self._stream(src, args, task_vars))
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

    def _stream(self, src, args, task_vars):
        """Run the module with the artifact following it on standard input: one command, one pass."""
        self._update_module_args(MODULE, args, task_vars)
        bits, _path = self._configure_module(module_name=MODULE, module_args=args, task_vars=task_vars)
        if bits.module_style != "new" or not bits.shebang:
            raise AnsibleActionFail(
                "%s cannot be streamed to (module style %s)" % (MODULE, bits.module_style)
            )
        shell = self._connection._shell
        interpreter = shell.build_module_command(self._compute_environment_string(), bits.shebang, "")
        cmd = "%s -c %s %d" % (interpreter, shell.quote(BOOTSTRAP), len(bits.b_module_data))
        with open(src, "rb") as fh:
            data = bits.b_module_data + fh.read()
        res = self._low_level_execute_command(cmd, sudoable=True, in_data=data)
        del data
        parsed = self._parse_returned_data(res, bits.serialization_profile)
        remove_internal_keys(parsed)
        return parsed
