"""The export verdict against logs in the real Data Pump and exp formats (tests/unit/data/oracle_logs)."""

from __future__ import annotations

from pathlib import Path

import pytest
from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.oracle_log import (
    detect_format,
    error_lines,
    sqlfile_verdict,
    verdict,
    verify_only_verdict,
)

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

    standin = Path(__file__).parents[1] / "lab" / "siak_lab" / "standins" / "oracle_export.py"
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


def test_logtime_timestamps_are_taken_off_before_judging():
    # LOGTIME=ALL: every line of the job starts with a timestamp; the job succeeded.
    v = verdict("expdp", 0, log("expdp_logtime_ok.log"))
    assert v.ok, v
    assert v.reason.startswith(
        'Job "SIAKBAK"."SIAK_BACKUP" successfully completed at Sun Dec 6 20:27:55 2026'
    )
    bad = log("expdp_logtime_ok.log").replace(
        "06-DEC-26 20:27:55.031: Master",
        '06-DEC-26 20:27:54.990: ORA-31693: Table data object "SIAK"."CAPIL_MATI" failed to load/unload\n'
        "06-DEC-26 20:27:55.031: Master",
    )
    assert not verdict("expdp", 0, bad).ok


def test_an_appended_log_is_judged_by_its_last_run_with_the_earlier_errors_as_history():
    v = verdict("expdp", 0, log("expdp_appended.log"))
    assert v.ok, v
    assert v.reason.startswith('Job "SIAKBAK"."SYS_EXPORT_SCHEMA_01" successfully completed at Sun Dec 6')
    assert len(v.history) == 1
    assert v.history[0].startswith("run 1 of 2 in this log: the export log has errors")
    assert "ORA-01555: snapshot too old" in v.history[0]
    # The same two runs the other way round: the last one failed, so the export failed.
    first, second = log("expdp_appended.log").split(";;; \nExport: Release", 2)[1:]
    reversed_log = ";;; \nExport: Release" + second + ";;; \nExport: Release" + first
    v = verdict("expdp", 5, reversed_log)
    assert not v.ok and "ORA-01555" in v.reason and v.history == []


def test_lines_that_explain_an_error_are_quoted_with_it():
    v = verdict("expdp", 1, log("expdp_osd.log"))
    assert not v.ok
    assert (
        'ORA-29283: invalid file operation: unexpected "LFI" error (1509)[29437] / OSD-04002: unable to open file'
        " / O/S-Error: (OS 2) The system cannot find the file specified." in v.reason
    )
    v = verdict("expdp", 5, log("expdp_no_space.log"))
    assert (
        "ORA-27072: File I/O error / Linux-x86_64 Error: 28: No space left on device / Additional information: 4"
        " / Additional information: 2113536" in v.reason
    )


def test_exit_code_5_is_completed_with_errors_never_success():
    v = verdict("expdp", 5, log("expdp_no_space.log"))
    assert not v.ok and "exit code 5, EX_SUCC_ERR: the job completed with errors" in v.reason
    # Even a log that looks clean does not make exit code 5 a success.
    v = verdict("expdp", 5, log("expdp_logtime_ok.log"))
    assert not v.ok and "EX_SUCC_ERR" in v.reason
    v = verdict("script", 5, log("expdp_logtime_ok.log"))
    assert not v.ok and v.format == "expdp"


def test_script_mode_recognises_a_datapump_log_with_its_own_job_name_and_timestamps():
    # No SYS_EXPORT_ job name and no "Data Pump" in the banner: still a Data Pump log, never an exp one.
    assert detect_format(log("expdp_logtime_ok.log")) == "expdp"
    assert detect_format(log("expdp_no_space.log")) == "expdp"
    v = verdict("script", 1, log("expdp_no_space.log"))
    assert v.format == "expdp" and "Export terminated" not in v.reason and "ORA-27072" in v.reason
    assert detect_format(log("exp_warnings.log")) == "exp"


def test_the_tools_output_is_judged_when_no_log_was_written():
    v = verdict("expdp", 1, "", output=log("expdp_osd.log"))
    assert not v.ok and "ORA-39070: Unable to open the log file." in v.reason


def test_datapump_checksums_in_the_export_log_and_verify_only():
    assert verdict("expdp", 0, log("expdp_checksum_ok.log")).ok
    v = verify_only_verdict(0, log("impdp_verify_ok.log"))
    assert v.ok and "consistent" in v.reason
    v = verify_only_verdict(1, log("impdp_verify_damaged.log"))
    assert (
        not v.ok
        and 'ORA-39412: file checksum error in dump file "/srv/siak-backup/export/master.dmp"' in v.reason
    )
    # Cut short: no word on consistency is no verdict of good.
    cut = log("impdp_verify_ok.log").split("dump file set is complete")[0]
    assert not verify_only_verdict(0, cut).ok


def test_sqlfile_parse_of_a_dump():
    assert sqlfile_verdict(0, log("impdp_sqlfile_ok.log")).ok
    assert not sqlfile_verdict(5, log("impdp_sqlfile_ok.log")).ok
    assert not sqlfile_verdict(0, log("impdp_verify_damaged.log")).ok
