# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the release modules share around the release library: their common options, the runner of the
service's commands, and their place under the run's upgrade lock.

A release module that changes the server (release_unpack, release_switch, and release_state when it
reconciles or prunes) first records its process under the lock this run holds (release.hold), so the run
that takes the lock over after a cut can stop it; when this run no longer holds the lock it changes nothing.
"""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dukcapil.siak.plugins.module_utils.release import hold, reasons

# The lock reference the action adds (path, token; plugin_utils/release_remote.lock_ref). Not a secret: the
# token only names this run's holder.
LOCK_OPTION = {"lock": {"type": "dict", "no_log": False}}
# A module that makes or switches one release: the root and the release's name under <root>/releases.
RELEASE_OPTIONS = {
    "root": {"type": "path", "required": True},
    "name": {"type": "str", "required": True},
    **LOCK_OPTION,
}


def changing_module(options: dict, **kwargs) -> AnsibleModule:
    """The AnsibleModule of a release module that changes the server: RELEASE_OPTIONS and ``options``; no
    check mode (the release role says what it would do instead)."""
    return AnsibleModule(argument_spec={**RELEASE_OPTIONS, **options}, supports_check_mode=False, **kwargs)


def command_runner(module: AnsibleModule):
    """``runner(cmd) -> (rc, stdout, stderr)`` for the release library's service commands; a command that
    cannot be started is rc 127 with the reason, not a traceback."""

    def runner(cmd):
        try:
            return module.run_command(cmd, handle_exceptions=False)
        except OSError as err:
            return 127, "", "%s: %s" % (cmd if isinstance(cmd, str) else " ".join(cmd), err)

    return runner


def hold_or_fail(module: AnsibleModule, before_fail=None, **fail) -> None:
    """Record this module's process under the run's lock, or fail having changed nothing (``before_fail``
    is called first, to remove what must not be left behind) when another run holds the lock now. The refusal
    goes with its catalogue message and values, for the action to say in the run's language."""
    refused = hold(module.params["lock"])
    if refused:
        if before_fail:
            before_fail()
        module.fail_json(**reasons(dict(fail, msg=refused, changed=False)))
