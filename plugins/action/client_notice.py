# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller side of dukcapil.siak.client_notice (documentation: plugins/modules/client_notice.py).

On a POSIX shell (the inventory's ansible_shell_type, sh unless it says otherwise) the notice travels on the
command's standard input and one plain shell command (_low_level_execute_command) compares it with the notice
already there, writes it through a temporary file and a rename when it is new or changed, and runs wall only
then: no Python starts on the workstation. Other shells run the module.
"""

from __future__ import annotations

import posixpath
import shlex

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.dukcapil.siak.plugins.module_utils.backup_copy import MODE_NOT_OCTAL
from ansible_collections.dukcapil.siak.plugins.module_utils.client_release import NOTICE_NOT_LEFT
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import Said, run_lang, say
from ansible_collections.dukcapil.siak.plugins.plugin_utils.release_remote import say_reasons

MODULE = "dukcapil.siak.client_notice"
POSIX_SHELLS = ("sh", "bash", "dash", "ksh", "zsh")

# Preceded by the line of quoted values (P D M WRITE WALL). The new notice is on standard input.
SCRIPT = r"""
if [ -f "$P" ]; then printf '@@old\n'; cat "$P"; printf '\n@@endold\n'; fi
if [ "$WRITE" != 1 ]; then
  if [ -f "$P" ] && cmp -s - "$P"; then printf '@@same\n'; else cat >/dev/null; printf '@@differs\n'; fi
  exit 0
fi
mkdir -p "$D" || exit 3
t=$(umask 077 && mktemp "$D/.notice-XXXXXX") || exit 3
cat > "$t" || { rm -f "$t"; exit 3; }
if [ -f "$P" ] && cmp -s "$t" "$P"; then rm -f "$t"; printf '@@same\n'; exit 0; fi
chmod "$M" "$t" && mv -f "$t" "$P" || { rm -f "$t"; exit 3; }
printf '@@written\n'
if [ "$WALL" = 1 ] && command -v wall >/dev/null 2>&1 && wall "$P" >/dev/null 2>&1; then printf '@@wall\n'; fi
"""


def parse(output: str) -> dict:
    """Old notice (None when there was none), whether the new one differs, was written, went out by wall."""
    old = None
    if "@@old\n" in output and "\n@@endold\n" in output:
        old = output.split("@@old\n", 1)[1].rsplit("\n@@endold\n", 1)[0]
    tail = output.rsplit("\n@@endold\n", 1)[-1]
    flags = {line[2:] for line in tail.splitlines() if line.startswith("@@")}
    return {"old": old, "same": "same" in flags, "written": "written" in flags, "wall": "wall" in flags}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        _validation, args = self.validate_argument_spec(
            argument_spec=dict(
                path=dict(type="path", required=True),
                content=dict(type="str", required=True),
                mode=dict(type="str", default="0644"),
                wall=dict(type="bool", default=True),
            )
        )
        # The host's shell as the inventory declares it (ansible_shell_type; Ansible's default is sh):
        # the plain command below is POSIX shell, any other shell runs the module.
        shell = str((task_vars or {}).get("ansible_shell_type") or "sh")
        if shell not in POSIX_SHELLS:
            answer = self._execute_module(MODULE, module_args=self._task.args, task_vars=task_vars)
            result.update(say_reasons(answer, run_lang()))
            return result
        path, content = args["path"], args["content"]
        try:
            int(args["mode"], 8)
        except ValueError:
            raise AnsibleActionFail(say(Said(MODE_NOT_OCTAL, mode=args["mode"]), run_lang())) from None
        values = {
            "P": path,
            "D": posixpath.dirname(path) or "/",
            "M": args["mode"],
            "WRITE": "0" if self._task.check_mode else "1",
            "WALL": "1" if args["wall"] else "0",
        }
        script = " ".join(f"{k}={shlex.quote(v)}" for k, v in values.items()) + SCRIPT.rstrip()
        out = self._low_level_execute_command(script, in_data=content.encode("utf-8"))
        if out["rc"] != 0:
            why = Said(NOTICE_NOT_LEFT, path=path, error=out["stderr"].strip() or out["rc"])
            raise AnsibleActionFail(say(why, run_lang()))
        seen = parse(out["stdout"])
        result.update(changed=not seen["same"], wall_sent=seen["wall"], path=path)
        if self._play_context.diff:
            result["diff"] = dict(before=seen["old"] or "", after=content, after_header=path)
        return result
