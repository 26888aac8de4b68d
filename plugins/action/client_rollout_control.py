# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client rollout's controller steps, each one task (documentation: plugins/modules/client_rollout_control.py).

A controller task costs a rollout about 20-40 ms whatever it does, so each phase does all its work at once:

- ``phase: plan``: the inputs checked, the packages checksummed and the plan for every workstation decided;
- ``phase: queue``: the workstations to update per OS, idle ones first, and the controller's distribution point
  started only when one of them will pull from it (a rerun with nothing to do starts nothing);
- ``phase: report``: each workstation's outcome published through the results channel (docs/agenda-format.md),
  from which the run's Laporan shows the Laporan update aplikasi SIAK pada klien; the rerun list; the
  distribution point stopped; and the verdict (``verdict``: why the run must fail, or empty), which the next task
  acts on so that the results are published even when the run fails.

Pure logic: plugins/plugin_utils/client_rollout_report.py.
"""

from __future__ import annotations

import datetime
import os

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.template import trust_as_template

from ansible_collections.dukcapil.siak.plugins.plugin_utils.controller_files import write_files
from ansible_collections.dukcapil.siak.plugins.action.distribution_point import (
    start_server,
    stop_server,
)
from ansible_collections.dukcapil.siak.plugins.module_utils.release import file_sha256
from ansible_collections.dukcapil.siak.plugins.plugin_utils import client_rollout_report as crr
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import run_lang, say, say_all
from ansible_collections.dukcapil.siak.plugins.plugin_utils import results_channel

from ansible_collections.dukcapil.siak.plugins.plugin_utils import runid

ARGUMENT_SPEC = dict(
    phase=dict(type="str", required=True, choices=["plan", "queue", "report"]),
    rows=dict(type="list", elements="dict", default=[]),
    plan=dict(type="dict", default={}),
    serve=dict(type="bool", default=False),
    root=dict(type="path"),
    bind=dict(type="str", default="127.0.0.1"),
    port=dict(type="int", default=8088),
    log=dict(type="path"),
    pidfile=dict(type="path"),
    stop=dict(type="dict", default={}),
    rerun_list=dict(type="path"),
    stop_distribution_point=dict(type="bool", default=False),
    version=dict(type="str", default=""),
    package_sha256=dict(type="str", default=""),
    package_url=dict(type="str", default=""),
    package_path=dict(type="str", default=""),
    windows_package_sha256=dict(type="str", default=""),
    windows_package_url=dict(type="str", default=""),
    windows_package_path=dict(type="str", default=""),
    transfer=dict(type="str", default="pull", choices=["pull", "push"]),
    waves=dict(type="raw", default=[1, "25%", "100%"]),
    max_fail_percentage=dict(type="raw", default=20),
    notice_template=dict(type="str", default=""),
)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)[1]
        rows = [dict(r) for r in args["rows"]]
        if args["phase"] == "plan":
            result.update(self._plan(args, task_vars))
        elif args["phase"] == "queue":
            result.update(self._queue(args, rows))
        else:
            result.update(self._report(args, rows, task_vars))
        return result

    def _plan(self, args, task_vars):
        lang = run_lang()
        problem = crr.check_inputs(args)
        if problem:
            raise AnsibleActionFail(say(problem, lang))
        waves = crr.wave_sizes(args["waves"])
        if waves is None:
            raise AnsibleActionFail(say(crr.waves_refusal(args["waves"]), lang))
        args = dict(args, waves=waves)
        paths = [p for p in dict.fromkeys([args["package_path"], args["windows_package_path"]]) if p]
        sums = {}
        for path in paths:
            if not os.path.isfile(os.path.expanduser(path)):
                raise AnsibleActionFail(say(crr.package_missing(path), lang))
            sums[path] = file_sha256(os.path.expanduser(path))
        problem = crr.checksum_mismatch(args, sums)
        if problem:
            raise AnsibleActionFail(say(problem, lang))
        plan = crr.plan(args, sums, datetime.datetime.now().astimezone())
        # Step 9's notice, rendered once here rather than once per workstation (a template per PC costs each
        # worker about 10 ms of CPU): the same text goes to every Linux PC.
        plan["notice"] = (
            self._render(args["notice_template"], task_vars, __client_rollout_plan=plan)
            if args["notice_template"]
            else ""
        )
        # The plan's keys at the top of the result: registered as __client_rollout_plan_fact, it is the plan.
        return dict(plan, changed=False)

    def _queue(self, args, rows):
        queued = crr.queue(rows)
        out = dict(changed=False, started=False, url="", pid=None, **queued)
        if args["serve"] and queued["all"] and not self._task.check_mode:
            if not args["root"] or not os.path.isdir(args["root"]) or not args["log"] or not args["pidfile"]:
                raise AnsibleActionFail("serving needs root (the folder of the package), log and pidfile")
            started = start_server(args["root"], args["bind"], args["port"], args["log"], args["pidfile"])
            out.update(changed=True, started=True, url=started["url"], pid=started["pid"])
        return out

    def _report(self, args, rows, task_vars):
        plan, stop, rerun_list = args["plan"], args["stop"] or {"stop": False}, args["rerun_list"]
        if not rerun_list:
            raise AnsibleActionFail("report needs rerun_list")
        check_mode = bool(task_vars.get("ansible_check_mode", False))
        pending = crr.pending(rows)
        paths = []
        if not check_mode:
            # localhost is in the rerun list too: --limit applies to every play, and the controller's plays
            # prepare and report.
            if pending:
                paths = write_files(
                    [{"path": rerun_list, "content": "\n".join([*pending, "localhost"]) + "\n"}], [], False
                )
            else:
                paths = write_files([], [rerun_list], False)
        stopped_pid = None
        if args["stop_distribution_point"] and args["pidfile"]:
            stopped_pid = stop_server({}, args["pidfile"]).get("pid")
        text = crr.summary(plan.get("version", ""), rows, rerun_list, runid.current())
        lang = run_lang()
        return dict(
            changed=False,
            msg=say(text, lang),
            paths=paths,
            totals=crr.totals(rows),
            pending=pending,
            verdict=say(crr.verdict(rows, stop, text, rerun_list), lang),
            distribution_point_pid=stopped_pid,
            # Through the results channel (docs/agenda-format.md, "Results"), for every workstation of the run.
            **self._publish(say_all(crr.agenda_results(rows, plan.get("sha256", ""), stop), lang), task_vars),
        )

    @staticmethod
    def _publish(by_host, task_vars):
        if not by_host:
            return {}
        return results_channel.publish("client_rollout", by_host, task_vars, runid.current())

    def _render(self, template, task_vars, **extra):
        """``template`` (found as the template module finds its source) with the task's variables and ``extra``."""
        source = self._find_needle("templates", template)
        data = trust_as_template(self._loader.get_text_file_contents(source))
        variables = dict(task_vars)
        variables.update(extra)
        templar = self._templar.copy_with_new_env(available_variables=variables)
        return templar.template(data, escape_backslashes=False)
