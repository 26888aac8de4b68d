from __future__ import annotations

from ansible_collections.dukcapil.siak.plugins.plugin_utils import exitcodes
from ansible_collections.dukcapil.siak.plugins.plugin_utils.exitcodes import Outcome, decide


def test_each_outcome_has_its_own_code():
    assert decide(Outcome()) == 0
    assert decide(Outcome(deviations=2)) == exitcodes.OVER_BUDGET == 4
    assert decide(Outcome(agenda_complete=False, deviations=1)) == exitcodes.AGENDA_INCOMPLETE == 6
    assert decide(Outcome(failed=True, agenda_complete=False)) == exitcodes.FAILED == 3
    assert decide(Outcome(cancelled=True, failed=True)) == exitcodes.CANCELLED == 5
    assert decide(Outcome(interrupted=True, cancelled=True)) == exitcodes.INTERRUPTED == 130


def test_codes_are_distinct_and_documented():
    codes = list(exitcodes.MEANINGS)
    assert len(codes) == len(set(codes)) == 7
    assert exitcodes.BAD_INPUT == 2  # what SiakError and argparse exit with
    for code in codes:
        assert f"{code:>3}  " in exitcodes.epilog()
