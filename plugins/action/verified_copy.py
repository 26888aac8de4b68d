# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the module verified_copy and say why a copy failed in the run's language: the module on the managed
host returns its reason's catalogue message and values (module_utils/release.Reason), said here through
plugin_utils/release_remote, so the copy's error in the agenda and the Laporan is in the run's language."""

from __future__ import annotations

from ansible_collections.dukcapil.siak.plugins.plugin_utils.release_remote import (
    THE_COPY,
    ReasonedModuleAction,
)


class ActionModule(ReasonedModuleAction):
    MODULE = "dukcapil.siak.verified_copy"
    WHAT = THE_COPY
