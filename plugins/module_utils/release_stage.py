# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What one release_unpack run does on the server: lock, unpack, link, mark, rename and, with a switch, go live.

Two callers run it. The module release_unpack (an artifact already on the server, or copied there first)
passes its AnsibleModule. The action release_unpack, for the usual artifact on the controller, runs this file
and the module_utils it imports as a plain Python script (plugin_utils/plain_python.py) with the artifact
following on standard input: no module payload to build on the controller, and nothing to unpack and import on
the server but the standard library, while the artifact already flows. Standard library only, for that reason.
"""

from __future__ import annotations

import json
import os
import selectors
import shlex
import shutil
import subprocess
import time

from ansible_collections.dukcapil.siak.plugins.module_utils.release import MARKER, take_lock
from ansible_collections.dukcapil.siak.plugins.module_utils.release_switch import go_live, restore
from ansible_collections.dukcapil.siak.plugins.module_utils.release_unpack import (
    UnpackError,
    drain,
    link_shared,
    unpack_artifact,
    unpack_stream,
)

# The module's argument spec; the action checks a streamed run's arguments against the same one.
ARGUMENT_SPEC = {
    "root": {"type": "path", "required": True},
    "name": {"type": "str", "required": True},
    "partial": {"type": "path", "required": True},
    "src": {"type": "path"},
    "artifact": {"type": "path"},
    "stream": {"type": "bool", "default": False},
    "artifact_name": {"type": "str", "default": ""},
    "remove_artifact": {"type": "bool", "default": False},
    "sha256": {"type": "str", "default": ""},
    "reserve_bytes": {"type": "int", "default": 0},
    "shared_paths": {"type": "list", "elements": "str", "default": []},
    "shared_files": {"type": "list", "elements": "str", "default": []},
    "stale_partials": {"type": "list", "elements": "str", "default": []},
    "marker": {"type": "dict", "default": {}},
    "lock": {"type": "dict", "no_log": False},
    "switch": {"type": "dict"},
}


class Commands:
    """AnsibleModule's run_command and warn, for the plain script run (the switch stops and starts services)."""

    def __init__(self):
        self.warnings = []

    def run_command(self, cmd, handle_exceptions=True):  # pylint: disable=unused-argument
        """(rc, stdout, stderr) of cmd, split and expanded as AnsibleModule.run_command does (no shell).

        A start command often leaves a daemon behind that still holds the output pipes: the answer is taken
        when the command itself has exited and its pipes stay quiet for a moment, never at their end of file.
        Raises OSError when the command cannot be run at all.
        """
        argv = shlex.split(cmd) if isinstance(cmd, str) else [str(a) for a in cmd]
        argv = [os.path.expandvars(os.path.expanduser(a)) for a in argv]
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, close_fds=True
        )
        chunks = {proc.stdout: [], proc.stderr: []}
        with selectors.DefaultSelector() as sel:
            for pipe in chunks:
                sel.register(pipe, selectors.EVENT_READ)
            exited = None
            while sel.get_map():
                ready = sel.select(0.25)
                for key, _events in ready:
                    data = os.read(key.fd, 65536)
                    if data:
                        chunks[key.fileobj].append(data)
                    else:
                        sel.unregister(key.fileobj)
                if exited is None and proc.poll() is not None:
                    exited = time.monotonic()
                if exited is not None and (not ready or time.monotonic() - exited > 1):
                    break
        rc = proc.wait()
        for pipe in chunks:
            pipe.close()
        return tuple(
            [rc] + [b"".join(chunks[pipe]).decode("utf-8", "replace") for pipe in (proc.stdout, proc.stderr)]
        )

    def warn(self, msg):
        self.warnings.append(msg)


def _inside(root, path):
    root = os.path.realpath(root)
    real = os.path.realpath(os.path.dirname(path))
    return real == root or real.startswith(root + os.sep)


def stage(p, commands, stdin=None):
    """One run with the module's parameters ``p``; ``stdin`` is the streamed artifact (p['stream']).

    Returns (result, error): error is None on success, else the message the task fails with (the result
    then says how far it got). A streamed artifact is read to its end whatever happens, so the controller,
    still sending, always gets the answer.
    """
    root = p["root"]
    releases = os.path.join(root, "releases")
    final = os.path.join(releases, p["name"])
    partial = p["partial"]
    artifact = p["artifact"]
    shown = p["artifact_name"] or os.path.basename(artifact or "") or "the artifact"
    result = {"changed": True, "sha256": ""}

    def refused(msg):
        """(result, msg) after reading the rest of a streamed artifact; msg None: not a failure."""
        if stdin is not None:
            drain(stdin)
        return result, msg

    if "/" in p["name"] or p["name"].startswith("."):
        return refused("release name %s is not a plain folder name" % p["name"])
    for path in [os.path.join(releases, n) for n in p["stale_partials"]] + [partial]:
        if os.path.dirname(path) != releases or not os.path.basename(path).startswith("."):
            return refused("%s is not an unpack folder under %s" % (path, releases))
    if stdin is None and (not artifact or not os.path.isfile(artifact)):
        return refused("artifact %s does not exist on the server or is not a file" % artifact)

    if p["lock"]:
        lock = p["lock"]
        try:
            taken = take_lock(lock["path"], lock["token"], lock.get("owner") or {}, lock.get("steal_token"))
        except (OSError, KeyError) as err:
            return refused("cannot take the upgrade lock %s: %s" % (lock.get("path"), err))
        result.update(acquired=taken["acquired"], holder=taken["holder"], stolen=taken["stolen"])
        if not taken["acquired"]:
            # Another run holds it: not a failure here, the caller names the holder.
            result["changed"] = False
            return refused(None)
    try:
        for folder in (releases, os.path.join(root, "shared")):
            os.makedirs(folder, exist_ok=True)
        for name in p["stale_partials"]:
            shutil.rmtree(os.path.join(releases, name), ignore_errors=True)
        shutil.rmtree(partial, ignore_errors=True)
        os.mkdir(partial, 0o755)
        started, cpu = time.monotonic(), time.process_time()
        if stdin is not None:
            digest, files, size = unpack_stream(stdin, partial, p["sha256"], p["reserve_bytes"])
        else:
            digest, files, size = unpack_artifact(artifact, partial, p["sha256"], p["reserve_bytes"])
        result.update(sha256=digest, files=files, unpacked_bytes=size)
        result.update(
            unpack_s=round(time.monotonic() - started, 2), unpack_cpu_s=round(time.process_time() - cpu, 2)
        )
        specs = [("d", x) for x in p["shared_paths"]] + [("f", x) for x in p["shared_files"]]
        for _kind, rel in specs:
            if not _inside(partial, os.path.join(partial, rel)):
                raise UnpackError("shared path %s leads out of the release through a link" % rel)
        result["shared"] = link_shared(root, partial, specs)
        marker = dict(p["marker"], sha256=digest)
        with open(os.path.join(partial, MARKER), "w", encoding="utf-8") as fh:
            fh.write(json.dumps(marker, sort_keys=True) + "\n")
        if os.path.lexists(final):
            if os.path.isdir(final) and not os.path.islink(final):
                shutil.rmtree(final)
            else:
                os.unlink(final)
        os.rename(partial, final)
        result["path"] = final
    except (UnpackError, OSError) as err:
        shutil.rmtree(partial, ignore_errors=True)
        return refused(
            "cannot stage release %s from %s: %s; the unfinished unpack was removed, nothing was switched"
            % (p["name"], shown, err)
        )
    finally:
        if p["remove_artifact"] and artifact and os.path.exists(artifact):
            os.unlink(artifact)
    if p["switch"]:
        return result, _go_live(commands, root, p["name"], p["switch"], result)
    return result, None


def _go_live(commands, root, name, sw, result):
    """The switch in this same run (release_switch's steps); on failure, the previous release put back."""
    service, health = sw.get("service") or {"manager": "none"}, sw.get("health") or {"kind": "none"}
    started = time.monotonic()
    why, went = go_live(
        commands,
        root,
        name,
        stop_first=bool(sw.get("stop_first", True)),
        service=service,
        health=health,
        keep=int(sw.get("keep") or 3),
        do_prune=bool(sw.get("prune", True)),
        unlock_path=sw.get("unlock_path"),
        unlock_token=sw.get("unlock_token"),
    )
    result.update(went, changed=True, live_s=round(time.monotonic() - started, 2))
    if why is None:
        return None
    result["restore"] = restore(
        commands,
        root,
        went["switched"],
        from_release=sw.get("from_release"),
        previous_link=sw.get("previous_link"),
        service=service,
        health=health,
    )
    return why


def plain_main(params, stdin):
    """Entry point of the plain script run (plugin_utils/plain_python.py): the module's answer as a dict."""
    commands = Commands()
    result, error = stage(params, commands, stdin if params.get("stream") else None)
    if commands.warnings:
        result["warnings"] = commands.warnings
    if error is not None:
        result.update(failed=True, msg=error)
    return result
