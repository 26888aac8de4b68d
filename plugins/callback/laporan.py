# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: laporan
type: aggregate
short_description: Ends a playbook run outside siak-sop (AWX, plain ansible-playbook) as siak-sop run ends it
version_added: 0.1.0
description:
  - When the run ends and the agenda callback has closed the run's agenda, renders the Laporan (A4 PDF, HTML,
    Markdown, JSON) and the day's Buku Agenda page from that agenda with the same code as C(siak-sop report),
    so a job AWX runs gets the same verdicts and the same Laporan as C(siak-sop run).
  - A restore drill run (C(playbooks/restore_drill.yml)) gets its Laporan Uji Pemulihan the same way.
  - Writes them under C(reports/<run id>/) and C(buku-agenda/) in the outputs folder (C($SIAK_OUTPUT_DIR), else
    C(siak-sop-out) in the current folder; AWX's job settings point C(SIAK_OUTPUT_DIR) at the folder the office
    keeps), and copies them into the job's
    artifacts (C($AWX_ISOLATED_DATA_DIR/siak/), the folder ansible-runner gives the job).
  - Ends the playbook with the exit code C(siak-sop run) would give (0, 3 failed, 4 over the Mutu Baku,
    6 agenda incomplete or altered), so the job's status in AWX says what the Laporan says.
  - Does nothing under C(siak-sop run) (which renders them itself, knowing of cancels and signals), outside an
    AWX job unless I(when=always), and when the run wrote no agenda.
  - Must come after C(dukcapil.siak.agenda) in C(callbacks_enabled), so it reads the agenda once it is closed.
requirements:
  - enable in ansible.cfg after the agenda (C(callbacks_enabled = dukcapil.siak.agenda, dukcapil.siak.laporan))
options:
  lang:
    description: Language of the Laporan and the Buku Agenda page (C(id) Bahasa Indonesia, C(en) English).
    type: str
    default: id
    choices: [id, en]
    env:
      - name: SIAK_LANG
    ini:
      - section: callback_laporan
        key: lang
  when:
    description:
      - C(awx) renders only in an AWX job (AWX sets C(JOB_ID) in every job's environment); C(always) also after a
        plain C(ansible-playbook) run.
    type: str
    default: awx
    choices: [awx, always]
    env:
      - name: SIAK_LAPORAN_WHEN
    ini:
      - section: callback_laporan
        key: when
  exit_with_verdict:
    description: End the playbook with the exit code C(siak-sop run) would give for the run.
    type: bool
    default: true
    env:
      - name: SIAK_LAPORAN_EXIT
    ini:
      - section: callback_laporan
        key: exit_with_verdict
"""

import os
import shutil
from pathlib import Path

from ansible.plugins.callback import CallbackBase

from ansible_collections.dukcapil.siak.plugins.plugin_utils import outputs, runid

# Set by `siak-sop run` for the playbook it starts: the wrapper renders the Laporan itself.
WRAPPER_ENV = "SIAK_WRAPPER"


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "dukcapil.siak.laporan"
    CALLBACK_NEEDS_ENABLED = True

    def v2_playbook_on_stats(self, stats):
        if os.environ.get(WRAPPER_ENV):
            return
        if self.get_option("when") == "awx" and not os.environ.get(runid.AWX_JOB_ENV):
            return
        code = self._render()
        if code and self.get_option("exit_with_verdict"):
            # The playbook's own exit code (ansible-playbook's) is replaced by the verdict's: raised here,
            # after every callback has had the stats, it is what ansible-playbook exits with.
            raise SystemExit(code)

    def _render(self):
        # The report code (the agenda reader, verdicts, Jinja2 and WeasyPrint behind it) loads only for a run
        # that gets a Laporan, not at every playbook's start.
        from ansible_collections.dukcapil.siak.plugins.plugin_utils import i18n
        from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
        from ansible_collections.dukcapil.siak.plugins.plugin_utils.report import drill, laporan
        from ansible_collections.dukcapil.siak.plugins.plugin_utils.runlog import find_agenda

        run_id = runid.from_env(os.environ)
        if not run_id:
            return 0
        out = outputs.output_dir()
        try:
            agenda = find_agenda(run_id, outputs.agenda_dir(out))
        except SiakError:
            self._display.warning(f"dukcapil.siak.laporan: no agenda for run {run_id}: no Laporan is written")
            return 0
        run = laporan.load_run(agenda)
        # A restore drill serves the backup SOP without being one of its steps: it gets the Laporan Uji
        # Pemulihan (report/drill.py), made by the same rebuild.
        if not drill.is_drill(run):
            try:
                laporan.sop_of(run, None)
            except SiakError:
                self._display.vv(f"dukcapil.siak.laporan: run {run_id} follows no SOP: no Laporan")
                return 0
        lang = i18n.use(self.get_option("lang"))
        try:
            code, written = laporan.rebuild(agenda, out=out, lang=lang)
            page = laporan.write_day_book(agenda, out, lang, laporan.office_of(run), True)
        except SiakError as err:
            # The run's own outcome stands; the job's output says why its Laporan is missing.
            self._display.error(f"dukcapil.siak.laporan: no Laporan: {err.line()}")
            return 0
        files = list(written.values()) + ([page] if page else [])
        for path in files:
            self._display.display(f"[siak-sop] {path}")
        artifacts = os.environ.get("AWX_ISOLATED_DATA_DIR")
        if artifacts:
            folder = Path(artifacts) / "siak"
            folder.mkdir(parents=True, exist_ok=True, mode=0o750)
            for path in files:
                shutil.copy2(path, folder / Path(path).name)
        return code
