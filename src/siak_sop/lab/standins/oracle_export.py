"""LAB STAND-IN for Oracle's expdp and exp. It is NOT Oracle and exports nothing.

Installed on the lab's siak-db as $ORACLE_HOME/bin/expdp and .../exp by playbooks/lab_oracle_standin.yml,
which puts the host's #!/usr/bin/python3 in front (the same file; it acts by the name it is called by).
It reads the parfile the way the real tools do, writes a dump of a chosen size (filled with
pseudo-random bytes behind a header that says it is a stand-in) and a log in the real tool's format,
so the backup role's verdict, folder, checksum and copy logic run against the shapes a real
office produces. What it does is chosen by /etc/siak-lab/oracle-standin.json on the host:

  {"mode": "success" | "ora_error" | "warnings" | "killed",
   "size_kib": 1024, "delay_s": 0,
   "directories": {"SIAK_BACKUP_DIR": "/srv/siak-backup/export"},
   "userid": "system/secret"}

"killed" writes half the dump and stops dead without the tool's final line (a run killed midway).
Every call is appended to /var/log/siak-lab/oracle-standin.log with its argv (never the parfile), so
tests can check that no password reaches a command line.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import time
from datetime import datetime

CONFIG = os.environ.get("SIAK_LAB_STANDIN_CONFIG", "/etc/siak-lab/oracle-standin.json")
CALLS = os.environ.get("SIAK_LAB_STANDIN_CALLS", "/var/log/siak-lab/oracle-standin.log")
HEADER = b"SIAK-LAB STAND-IN DUMP: not an Oracle export; written by the lab's expdp/exp stand-in.\n"
TABLES = ("BIODATA_WNI", "DATA_KELUARGA", "CAPIL_LAHIR", "CAPIL_MATI", "PINDAH_DATANG", "AKTA_KAWIN")


def now() -> str:
    return datetime.now().strftime("%a %b %d %H:%M:%S %Y")


def parfile_args(argv: list[str]) -> dict[str, str]:
    """KEY=value pairs from the command line and any parfile=, keys upper-cased, like the real tools."""
    values: dict[str, str] = {}
    for arg in argv:
        key, value = arg.split("=", 1) if "=" in arg else (arg, "")
        if key.lower() == "parfile":
            with open(value, encoding="utf-8") as fh:
                for raw in fh:
                    line = raw.strip()
                    if line and not line.startswith("#") and "=" in line:
                        k, v = line.split("=", 1)
                        values[k.strip().upper()] = v.strip().strip('"')
        elif "=" in arg:
            values[key.upper()] = value
    return values


def write_dump(path: str, size: int, stop_at: float = 1.0) -> None:
    rng = random.Random(size)
    written = 0
    limit = int(size * stop_at)
    with open(path, "wb") as fh:
        fh.write(HEADER)
        written = len(HEADER)
        while written < limit:
            n = min(1 << 20, limit - written)
            fh.write(rng.randbytes(n))
            written += n
        fh.flush()
        os.fsync(fh.fileno())


def die_midway(log) -> None:
    log.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def main() -> int:
    tool = os.path.basename(sys.argv[0])
    config = {"mode": "success", "size_kib": 1024, "delay_s": 0, "directories": {}}
    if os.path.exists(CONFIG):
        with open(CONFIG, encoding="utf-8") as fh:
            config.update(json.load(fh))
    os.makedirs(os.path.dirname(CALLS), exist_ok=True)
    with open(CALLS, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"tool": tool, "argv": sys.argv, "time": now()}) + "\n")
    args = parfile_args(sys.argv[1:])
    userid = args.get("USERID", "")
    if not userid and not sys.stdin.isatty():
        userid = sys.stdin.readline().strip()
    userid = userid.replace('"', "")
    logon_ok = not config.get("userid") or userid == config["userid"].replace('"', "")
    owner = (userid.split("/")[0] or "SYSTEM").upper()
    mode = config["mode"]
    size = int(config["size_kib"]) * 1024
    delay = float(config.get("delay_s", 0))
    if tool.startswith("expdp"):
        return expdp(
            args, owner, logon_ok, mode=mode, size=size, delay=delay, directories=config["directories"]
        )
    return exp(args, owner, logon_ok, mode=mode, size=size, delay=delay)


def expdp(args, owner, logon_ok, *, mode, size, delay, directories) -> int:
    directory = args.get("DIRECTORY", "DATA_PUMP_DIR").upper()
    base = directories.get(directory)
    dumpfile = args.get("DUMPFILE", "expdat.dmp")
    logfile = args.get("LOGFILE", "export.log")
    scope = "FULL" if args.get("FULL", "").upper() in ("Y", "YES") else "SCHEMA"
    job = f'"{owner}"."SYS_EXPORT_{scope}_01"'
    banner = (
        f";;; \nExport: Release 19.0.0.0.0 - Production on {now()}\nVersion 19.3.0.0.0\n\n"
        "Copyright (c) 1982, 2019, Oracle and/or its affiliates.  All rights reserved.\n;;; \n"
    )
    print(banner, end="")
    if not logon_ok:
        print(
            "UDE-01017: operation generated ORACLE error 1017\nORA-01017: invalid username/password; logon denied\n"
        )
        return 1
    if base is None:
        print(
            "ORA-39002: invalid operation\nORA-39070: Unable to open the log file.\n"
            f"ORA-39087: directory name {directory} is invalid\n"
        )
        return 1
    dump_path = os.path.join(base, dumpfile)
    if os.path.exists(dump_path) and args.get("REUSE_DUMPFILES", "").upper() not in ("Y", "YES"):
        print(
            "ORA-39001: invalid argument value\nORA-39000: bad dump file specification\n"
            f'ORA-31641: unable to create dump file "{dump_path}"\nORA-27038: created file already exists\n'
            "Additional information: 1\n"
        )
        return 1
    with open(os.path.join(base, logfile), "w", encoding="utf-8") as log:

        def say(text: str) -> None:
            log.write(text + "\n")
            log.flush()
            print(text, flush=True)

        log.write(banner)
        say("Connected to: Oracle Database 19c Enterprise Edition Release 19.0.0.0.0 - Production")
        say(f"Starting {job}:  {owner}/******** parfile=*** ")
        for obj in (
            "TABLE_DATA",
            "INDEX/STATISTICS/INDEX_STATISTICS",
            "STATISTICS/TABLE_STATISTICS",
            "TABLE/TABLE",
            "TABLE/INDEX/INDEX",
            "TABLE/CONSTRAINT/CONSTRAINT",
        ):
            say(f"Processing object type {scope}_EXPORT/{obj}")
        time.sleep(delay)
        if mode == "killed":
            write_dump(dump_path, size, stop_at=0.5)
            say(f'. . exported "SIAK"."{TABLES[0]}"{"":>24}{size / 2 / 1048576:8.3f} MB  120034 rows')
            die_midway(log)
        write_dump(dump_path, size)
        for i, table in enumerate(TABLES):
            say(
                f'. . exported "SIAK"."{table}"{"":>{28 - len(table)}}{size / len(TABLES) / 1048576:8.3f} MB '
                f"{120034 - i * 9001:>9} rows"
            )
        if mode == "ora_error":
            say(
                'ORA-31693: Table data object "SIAK"."CAPIL_MATI" failed to load/unload and is being '
                "skipped due to error:"
            )
            say(
                'ORA-01555: snapshot too old: rollback segment number 7 with name "_SYSSMU7_1234567$" too small'
            )
        say(f"Master table {job} successfully loaded/unloaded")
        say("*" * 78)
        say(f"Dump file set for {owner}.SYS_EXPORT_{scope}_01 is:")
        say(f"  {dump_path}")
        if mode == "ora_error":
            say(f"Job {job} completed with 1 error(s) at {now()} elapsed 0 00:00:03")
            return 1
        say(f"Job {job} successfully completed at {now()} elapsed 0 00:00:03")
    return 0


def exp(args, owner, logon_ok, *, mode, size, delay) -> int:
    dump_path = args.get("FILE", "expdat.dmp")
    log_path = args.get("LOG")
    log = open(log_path, "w", encoding="utf-8") if log_path else None  # noqa: SIM115

    def say(text: str) -> None:
        if log:
            log.write(text + "\n")
            log.flush()
        print(text, flush=True)

    print(
        f"\nExport: Release 11.2.0.4.0 - Production on {now()}\n\n"
        "Copyright (c) 1982, 2011, Oracle and/or its affiliates.  All rights reserved.\n\n"
    )
    if not logon_ok:
        say("EXP-00056: ORACLE error 1017 encountered\nORA-01017: invalid username/password; logon denied")
        say("EXP-00000: Export terminated unsuccessfully")
        return 1
    say("Connected to: Oracle Database 11g Enterprise Edition Release 11.2.0.4.0 - 64bit Production")
    say("Export done in WE8MSWIN1252 character set and AL16UTF16 NCHAR character set")
    say("server uses AL32UTF8 character set (possible charset conversion)")
    say("About to export specified users ...")
    say(". exporting pre-schema procedural objects and actions")
    say(". exporting foreign function library names for user SIAK ")
    say(". about to export SIAK's tables via Conventional Path ...")
    time.sleep(delay)
    if mode == "killed":
        write_dump(dump_path, size, stop_at=0.5)
        say(f". . exporting table {TABLES[0]:>30} {120034:>10} rows exported")
        die_midway(log)
    if mode == "ora_error":
        write_dump(dump_path, size, stop_at=0.3)
        say(f". . exporting table {TABLES[0]:>30}")
        say("EXP-00056: ORACLE error 1555 encountered")
        say('ORA-01555: snapshot too old: rollback segment number 7 with name "_SYSSMU7$" too small')
        say("EXP-00000: Export terminated unsuccessfully")
        return 1
    write_dump(dump_path, size)
    for i, table in enumerate(TABLES):
        say(f". . exporting table {table:>30} {120034 - i * 9001:>10} rows exported")
        if mode == "warnings" and i == 2:
            say("EXP-00091: Exporting questionable statistics.")
    say(". exporting synonyms\n. exporting views\n. exporting referential integrity constraints")
    say(". exporting triggers\n. exporting statistics")
    if mode == "warnings":
        say("Export terminated successfully with warnings.")
    else:
        say("Export terminated successfully without warnings.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
