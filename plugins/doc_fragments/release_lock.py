# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The option every release module that may change a server shares: the run's lock reference, set by its action."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  lock:
    description:
      - Set by the action - the upgrade lock this run holds (path, token). The module records its process under
        it (M(dukcapil.siak.run_lock) C(state=attached)) and changes nothing when the run no longer holds it.
    type: dict
"""
