# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: lost_connections
short_description: The tasks of this run that did not run on a host because its connection was lost
version_added: 0.3.0
description:
  - Reads this run's agenda so far (the one the C(dukcapil.siak.agenda) callback is writing, found by the run id
    in the agenda folder, C($SIAK_AGENDA_DIR), else C(agenda/) in the outputs folder) and gives, for each of the
    hosts, the tasks whose connection was lost, those Ansible passed over under C(ignore_unreachable) included.
  - The Server cadangan trial is judged on it (playbooks/upgrade.yml). A trial whose connection dropped during an
    ordinary task, such as a hook, and came back did not run that task, so it did not pass.
  - Returns one mapping, C(checked) (false when this run has no agenda to read, the callback being off) and
    C(lost), the task names by host (hosts without any left out).
options:
  _terms:
    description: The hosts to look at.
    type: list
    elements: str
    required: true
  step:
    description: Only tasks of this SOP step (its id, such as C(prepare)); every step when empty.
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: Fail a trial whose connection was lost during it
  ansible.builtin.debug:
    msg: "{{ (query('dukcapil.siak.lost_connections', *groups['siak_trial_servers'], step='prepare') | first).lost }}"
"""

RETURN = r"""
_raw:
  description: One mapping, C({checked, lost}).
  type: list
  elements: dict
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible_collections.dukcapil.siak.plugins.plugin_utils import outputs, runid, runlog
from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        try:
            path = runlog.find_agenda(runid.current(), outputs.agenda_dir())
        except SiakError:
            return [{"checked": False, "lost": {}}]
        try:
            run = runlog.read_agenda(path)
        except SiakError as exc:
            raise AnsibleLookupError(str(exc)) from None
        step = self.get_option("step") or None
        return [{"checked": True, "lost": runlog.lost_connections(run, [str(t) for t in terms], step)}]
