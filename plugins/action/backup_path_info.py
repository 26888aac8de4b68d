# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the module backup_path_info and say why a volume could not be measured in the run's language (its
reason comes back with its catalogue message: plugin_utils/release_remote), as the backup's other steps do."""

from __future__ import annotations

from ansible_collections.dukcapil.siak.plugins.plugin_utils.release_remote import (
    THE_MEASURE,
    ReasonedModuleAction,
)


class ActionModule(ReasonedModuleAction):
    MODULE = "dukcapil.siak.backup_path_info"
    WHAT = THE_MEASURE
