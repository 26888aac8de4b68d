"""The export verdict against logs in the real Data Pump and exp formats (tests/unit/data/oracle_logs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from siak_sop.errors import SiakError
from siak_sop.oracle_log import detect_format, error_lines, verdict

LOGS = Path(__file__).parent / "data" / "oracle_logs"


def log(name: str) -> str:
    return (LOGS / name).read_text()


def test_datapump_success_needs_the_job_line_and_rc_0():
    v = verdict("expdp", 0, log("expdp_ok.log"))
    assert v.status == "ok" and v.ok and v.format == "expdp"
    assert v.reason.startswith('Job "SYSTEM"."SYS_EXPORT_SCHEMA_01" successfully completed at')


def test_datapump_nonzero_exit_fails_even_with_the_job_line():
    v = verdict("expdp", 5, log("expdp_ok.log"))
    assert not v.ok and "exited with code 5" in v.reason


def test_datapump_ora_errors_fail_and_are_quoted():
    v = verdict("expdp", 1, log("expdp_ora_error.log"))
    assert v.status == "failed"
    assert v.errors == [
        'ORA-31693: Table data object "SIAK"."CAPIL_MATI" failed to load/unload and is being skipped due to error:',
        'ORA-01555: snapshot too old: rollback segment number 7 with name "_SYSSMU7_1234567$" too small',
    ]
    assert "ORA-01555: snapshot too old" in v.reason


def test_datapump_ora_error_fails_even_when_rc_is_0_and_the_job_line_is_there():
    text = log("expdp_ok.log").replace(
        "Master table",
        "ORA-39173: Encrypted data has been stored unencrypted in dump file set.\nMaster table",
    )
    v = verdict("expdp", 0, text)
    assert not v.ok and "ORA-39173" in v.reason


def test_datapump_setup_errors_before_the_job_starts():
    v = verdict("expdp", 1, log("expdp_bad_dumpfile.log"))
    assert not v.ok
    assert [e[:9] for e in v.errors] == ["ORA-39001", "ORA-39000", "ORA-31641", "ORA-27038"]


def test_datapump_killed_midway_has_no_final_line():
    for rc in (0, -9, 137):
        v = verdict("expdp", rc, log("expdp_killed.log"))
        assert not v.ok
    assert "cut short" in verdict("expdp", 0, log("expdp_killed.log")).reason


def test_datapump_completed_with_errors_and_no_ora_line_still_fails():
    text = log("expdp_ok.log").replace("successfully completed", "completed with 2 error(s)")
    v = verdict("expdp", 0, text)
    assert not v.ok and "completed with 2 error(s)" in v.reason


def test_exp_success_needs_without_warnings():
    v = verdict("exp", 0, log("exp_ok.log"))
    assert v.status == "ok" and v.format == "exp"


def test_exp_with_warnings_fails_by_default_and_quotes_the_warning():
    v = verdict("exp", 0, log("exp_warnings.log"))
    assert v.status == "failed"
    assert "EXP-00091: Exporting questionable statistics." in v.reason


def test_exp_with_warnings_is_a_warning_when_asked():
    v = verdict("exp", 0, log("exp_warnings.log"), warnings="warn")
    assert v.status == "warning" and v.ok


def test_exp_failure_quotes_the_cause_not_exp_00000():
    v = verdict("exp", 1, log("exp_failed.log"))
    assert not v.ok
    assert "ORA-01017: invalid username/password; logon denied" in v.reason
    assert v.reason.index("EXP-00056") < v.reason.index("ORA-01017")


def test_exp_killed_midway_fails():
    v = verdict("exp", 0, log("exp_killed.log"))
    assert not v.ok and "cut short" in v.reason


def test_script_method_reads_either_format():
    assert verdict("script", 0, log("expdp_ok.log")).ok
    assert verdict("script", 0, log("exp_ok.log")).ok
    assert not verdict("script", 0, log("exp_warnings.log")).ok
    assert verdict("script", 0, log("exp_ok.log"), log_format="exp").ok


def test_script_with_an_unknown_or_empty_log_fails():
    assert "empty log" in verdict("script", 0, "").reason
    assert not verdict("script", 0, "backup done\n").ok


def test_detect_format():
    assert detect_format(log("expdp_killed.log")) == "expdp"
    assert detect_format(log("exp_killed.log")) == "exp"
    assert detect_format("hello") == "unknown"


def test_error_lines_are_unique_and_in_order():
    assert error_lines("ORA-00001: a\nORA-00002: b\nORA-00001: a\n") == ["ORA-00001: a", "ORA-00002: b"]


def test_many_errors_are_cut_short_in_the_message():
    text = "\n".join(f"ORA-{i:05d}: error {i}" for i in range(1, 21))
    v = verdict("expdp", 1, text)
    assert "(and 12 more)" in v.reason and len(v.errors) == 20


@pytest.mark.parametrize(
    ("kwargs", "text"),
    [
        ({"method": "rman"}, "unknown export method 'rman'"),
        ({"method": "exp", "warnings": "ignore"}, "unknown warnings policy 'ignore'"),
        ({"method": "script", "log_format": "xml"}, "unknown log format 'xml'"),
    ],
)
def test_bad_settings_are_named(kwargs, text):
    with pytest.raises(SiakError, match=text):
        verdict(rc=0, log="", **kwargs)


def test_the_lab_standin_writes_what_the_verdict_expects(tmp_path, monkeypatch):
    """The lab stand-in's logs are judged like real ones: success ok; ora_error and killed fail."""
    import importlib.util
    import json
    import subprocess
    import sys

    standin = Path(__file__).parents[2] / "src" / "siak_sop" / "lab" / "standins" / "oracle_export.py"
    spec = importlib.util.spec_from_file_location("standin", standin)
    assert spec and spec.loader
    for tool in ("expdp", "exp"):
        for mode, ok in (
            ("success", True),
            ("ora_error", False),
            ("killed", False),
            ("warnings", tool == "expdp"),
        ):
            work = tmp_path / f"{tool}-{mode}"
            work.mkdir()
            config = {"mode": mode, "size_kib": 64, "directories": {"D": str(work)}, "userid": "u/p"}
            conf = work / "conf.json"
            conf.write_text(json.dumps(config))
            par = work / "x.par"
            par.write_text(
                'USERID=u/"p"\nDIRECTORY=D\nDUMPFILE=m.dmp\nLOGFILE=m.log\n'
                f"FILE={work}/m.dmp\nLOG={work}/m.log\n"
            )
            link = work / tool
            link.symlink_to(standin)
            env = {"SIAK_LAB_STANDIN_CONFIG": str(conf), "SIAK_LAB_STANDIN_CALLS": str(work / "calls.log")}
            run = subprocess.run(
                [sys.executable, str(link), f"parfile={par}"],
                capture_output=True,
                text=True,
                env=env,
                check=False,
                stdin=subprocess.DEVNULL,
            )
            text = (work / "m.log").read_text() if (work / "m.log").exists() else ""
            v = verdict(tool, run.returncode, text + "\n" + run.stdout)
            assert v.ok is ok, (tool, mode, v)
            assert (work / "m.dmp").stat().st_size > 0
