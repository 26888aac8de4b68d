# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A role's sentence, by key, said from the message catalogue in the run's language (plugin_utils/role_sentences.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: said
short_description: A role's sentence to an operator, in the run's language
version_added: 0.3.0
description:
  - Takes the key of one of the roles' sentences (C(plugins/plugin_utils/role_sentences.py)) and its values, and
    returns the sentence from the collection's message catalogue in the run's language (C(SIAK_LANG), Bahasa
    Indonesia by default; the agenda and the Laporan of a run share it).
  - A value named C(label) is a release's label; the roles' own labels are said in that language too.
  - An unknown key, or a value the sentence needs and was not given, fails the task (a fault of the role).
options:
  _input:
    description: The sentence's key.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Say that the release is already current
  ansible.builtin.debug:
    msg: "{{ 'rollback_already_current' | dukcapil.siak.said(host=inventory_hostname, label=release_label, want='5.0') }}"
"""

RETURN = r"""
_value:
  description: The sentence.
  type: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import Said, run_lang, say
from ansible_collections.dukcapil.siak.plugins.plugin_utils.release_plan import label_of
from ansible_collections.dukcapil.siak.plugins.plugin_utils.role_sentences import SENTENCES


def said(key, **values):
    message = SENTENCES.get(str(key))
    if message is None:
        raise AnsibleFilterError("dukcapil.siak.said: no sentence %r in plugin_utils/role_sentences.py" % key)
    if "label" in values:
        values["label"] = label_of(values["label"])
    try:
        return say(Said(message, **values), run_lang())
    except (KeyError, IndexError) as err:
        raise AnsibleFilterError("dukcapil.siak.said: sentence %r needs the value %s" % (key, err)) from err


class FilterModule:
    def filters(self):
        return {"said": said}
