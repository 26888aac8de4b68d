"""LAB STAND-IN for Oracle's expdp, impdp and exp. It is NOT Oracle and exports nothing.

Installed on the lab's siak-db as $ORACLE_HOME/bin/expdp, .../impdp and .../exp by
tests/lab/oracle_standin.yml, which puts the host's #!/usr/bin/python3 in front (the same file; it
acts by the name it is called by). It reads the parfile the way the real tools do, writes a dump of a
chosen size (pseudo-random bytes behind a header that says it is a stand-in) and a log in the real
tools' formats, so the backup role's verdict, folder, checksum, copy, cleanup and drill logic run
against the shapes a real office produces. What it does is chosen by /etc/siak-lab/oracle-standin.json:

  {"mode": "success" | "ora_error" | "warnings" | "killed" | "completed_with_errors",
   "size_kib": 1024, "delay_s": 0, "release": "19.3.0.0.0", "logtime": "NONE",
   "directories": {"SIAK_BACKUP_DIR": "/srv/siak-backup/export"},
   "userid": "system/secret"}

Data Pump as Oracle runs it: the expdp client starts the job (the database's own processes) and only
follows its log. Here the job is a detached process of its own (its own session), registered under the
jobs folder by owner and job name. Killing the client therefore leaves the job running and writing the
dump, as it does with a real database; only ``expdp ATTACH=<job>`` with ``KILL_JOB`` (and "yes") stops it,
which also deletes the job's dump file (its log stays), as Data Pump does. A second job with the same
name while one runs fails with ORA-31634.

- "killed": the job writes half the dump and dies without the job's final line (an instance crash).
- "ora_error": an ORA- error in the log, "completed with 1 error(s)", exit code 5 (EX_SUCC_ERR).
- release 21 and later: CHECKSUM=YES stores a SHA-256 of the dump's body in its header and logs
  "Generating checksums for dump file set"; ``impdp VERIFY_ONLY=YES`` checks it. The error numbers the
  stand-in gives when that check fails (ORA-39411 no checksum, ORA-39412 mismatch) are its own choice in
  Oracle's format: check them against a real 21c before matching on them.
- ``impdp SQLFILE=`` writes the DDL a parse of the dump gives, without importing; ``REMAP_SCHEMA=`` imports
  into a scratch schema (rows are only counted). A file that is not a stand-in dump gives ORA-39143.
- LOGTIME=ALL (or the config's "logtime") puts a timestamp in front of every line, as Data Pump does.
- ``HELP=Y`` prints the banner with the release (the role reads the version from it).

Every call is appended to /var/log/siak-lab/oracle-standin.log with its argv (never the parfile), so
tests can check that no password reaches a command line.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import signal
import sys
import time
from datetime import datetime

CONFIG = os.environ.get("SIAK_LAB_STANDIN_CONFIG", "/etc/siak-lab/oracle-standin.json")
CALLS = os.environ.get("SIAK_LAB_STANDIN_CALLS", "/var/log/siak-lab/oracle-standin.log")
JOBS = os.environ.get("SIAK_LAB_STANDIN_JOBS", os.path.join(os.path.dirname(CALLS), "datapump-jobs"))
HEADER = b"SIAK-LAB STAND-IN DUMP: not an Oracle export; written by the lab's expdp/exp stand-in.\n"
NO_CHECKSUM = b"-" * 64
TABLES = ("BIODATA_WNI", "DATA_KELUARGA", "CAPIL_LAHIR", "CAPIL_MATI", "PINDAH_DATANG", "AKTA_KAWIN")


def now() -> str:
    return datetime.now().strftime("%a %b %d %H:%M:%S %Y")


def stamp() -> str:
    return datetime.now().strftime("%d-%b-%y %H:%M:%S.%f")[:-3].upper() + ": "


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


def yes(value: str) -> bool:
    return value.upper() in ("Y", "YES")


def write_dump(path: str, size: int, stop_at: float = 1.0, checksum: bool = False) -> None:
    """HEADER, a line with the body's SHA-256 (or dashes), then the body, size bytes in all."""
    rng = random.Random(size)
    limit = int(size * stop_at)
    digest = hashlib.sha256()
    with open(path, "wb") as fh:
        fh.write(HEADER + b"CHECKSUM " + NO_CHECKSUM + b"\n")
        written = len(HEADER) + 74
        while written < limit:
            n = min(1 << 20, limit - written)
            block = rng.randbytes(n)
            digest.update(block)
            fh.write(block)
            written += n
        if checksum and stop_at >= 1.0:
            fh.seek(len(HEADER) + 9)
            fh.write(digest.hexdigest().encode())
        fh.flush()
        os.fsync(fh.fileno())


def read_dump(path: str) -> tuple[bool, bytes, str]:
    """(is a stand-in dump, stored checksum, checksum of the body as read now)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        head = fh.read(len(HEADER) + 74)
        if not head.startswith(HEADER):
            return False, b"", ""
        stored = head[len(HEADER) + 9 : len(HEADER) + 73]
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return True, stored, digest.hexdigest()


def banner(tool: str, release: str) -> str:
    name = "Import" if tool.startswith("imp") else "Export"
    major = release.split(".", maxsplit=1)[0]
    year = {"11": 2011, "12": 2014, "18": 2018, "19": 2019, "21": 2021, "23": 2024}.get(major, 2019)
    return (
        f";;; \n{name}: Release {major}.0.0.0.0 - Production on {now()}\nVersion {release}\n\n"
        f"Copyright (c) 1982, {year}, Oracle and/or its affiliates.  All rights reserved.\n;;; \n"
    )


def connected(release: str) -> str:
    major = release.split(".", maxsplit=1)[0]
    return f"Connected to: Oracle Database {major}c Enterprise Edition Release {major}.0.0.0.0 - Production"


def main() -> int:
    tool = os.path.basename(sys.argv[0])
    config = {
        "mode": "success",
        "size_kib": 1024,
        "delay_s": 0,
        "directories": {},
        "release": "19.3.0.0.0",
        "logtime": "NONE",
    }
    if os.path.exists(CONFIG):
        with open(CONFIG, encoding="utf-8") as fh:
            config.update(json.load(fh))
    os.makedirs(os.path.dirname(CALLS), exist_ok=True)
    with open(CALLS, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"tool": tool, "argv": sys.argv, "time": now()}) + "\n")
    args = parfile_args(sys.argv[1:])
    release = str(config["release"])
    if yes(args.get("HELP", "")):
        print(banner(tool, release), end="")
        print(f"\nThe {'Import' if tool.startswith('imp') else 'Export'} Data Pump utility moves data.\n")
        return 0
    userid = args.get("USERID", "")
    if not userid and not sys.stdin.isatty() and "ATTACH" not in args:
        userid = sys.stdin.readline().strip()
    userid = userid.replace('"', "")
    logon_ok = not config.get("userid") or userid == config["userid"].replace('"', "")
    owner = (userid.split("/")[0] or "SYSTEM").upper()
    if tool.startswith("exp") and not tool.startswith("expdp"):
        return exp(args, owner, logon_ok, config)
    print(banner(tool, release), end="", flush=True)
    if not logon_ok:
        print(
            "UDE-01017: operation generated ORACLE error 1017\nORA-01017: invalid username/password; logon denied\n"
        )
        return 1
    if tool.startswith("impdp"):
        return impdp(args, owner, config)
    if "ATTACH" in args:
        return attach(args, owner)
    return expdp(args, owner, config)


# ---------------------------------------------------------------------------------------------- jobs


def job_file(owner: str, job: str) -> str:
    return os.path.join(JOBS, f"{owner}.{job}.json")


def read_job(owner: str, job: str) -> dict | None:
    try:
        with open(job_file(owner, job), encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return None
    alive = True
    try:
        os.kill(int(data["pid"]), 0)
    except (OSError, KeyError, ValueError):
        alive = False
    data["alive"] = alive and data.get("state") == "EXECUTING"
    return data


def write_job(owner: str, job: str, data: dict) -> None:
    os.makedirs(JOBS, exist_ok=True)
    tmp = job_file(owner, job) + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
    os.rename(tmp, job_file(owner, job))


def attach(args: dict, owner: str) -> int:
    """expdp ATTACH=[owner.]job: interactive mode, reading commands from stdin (KILL_JOB, yes)."""
    target = args["ATTACH"].upper()
    job_owner, job = target.split(".", 1) if "." in target else (owner, target)
    data = read_job(job_owner, job)
    if not data or not data["alive"]:
        print("UDE-31626: operation generated ORACLE error 31626\nORA-31626: job does not exist")
        print('ORA-39086: cannot retrieve job information\nORA-06512: at "SYS.DBMS_DATAPUMP", line 4932')
        return 1
    print(f"\nJob: {job}\n  Owner: {job_owner}\n  Operation: EXPORT\n  Mode: SCHEMA\n  State: EXECUTING")
    print(f"  Dump File: {data['dump']}\n")
    for raw in sys.stdin:
        command = raw.strip().upper()
        print(f"Export> {raw.strip()}")
        if command == "KILL_JOB":
            print("Are you sure you wish to stop this job ([yes]/no): ", end="")
            answer = sys.stdin.readline().strip().lower()
            print(answer)
            if answer in ("", "yes", "y"):
                with contextlib.suppress(OSError):
                    os.killpg(int(data["pid"]), signal.SIGKILL)
                with contextlib.suppress(OSError):
                    os.unlink(data["dump"])  # KILL_JOB deletes the job's dump files; its log stays
                write_job(job_owner, job, dict(data, state="NOT RUNNING", killed=True))
                return 0
        elif command in ("EXIT_CLIENT", "EXIT"):
            return 0
    return 0


def expdp(args: dict, owner: str, config: dict) -> int:
    directory = args.get("DIRECTORY", "DATA_PUMP_DIR").upper()
    base = config["directories"].get(directory)
    dumpfile = args.get("DUMPFILE", "expdat.dmp")
    logfile = args.get("LOGFILE", "export.log")
    scope = "FULL" if yes(args.get("FULL", "")) else "SCHEMA"
    job = args.get("JOB_NAME", f"SYS_EXPORT_{scope}_01").upper()
    release = str(config["release"])
    if base is None:
        print(
            "ORA-39002: invalid operation\nORA-39070: Unable to open the log file.\n"
            f"ORA-39087: directory name {directory} is invalid\n"
        )
        return 1
    if yes(args.get("CHECKSUM", "")) and int(release.split(".", maxsplit=1)[0]) < 21:
        print('LRM-00101: unknown parameter name "checksum"\n')
        return 1
    running = read_job(owner, job)
    if running and running["alive"]:
        print(
            "ORA-31626: job does not exist\nORA-31634: job already exists\nORA-31664: unable to construct unique job name when defaulted"
        )
        return 1
    dump_path = os.path.join(base, dumpfile)
    if os.path.exists(dump_path) and not yes(args.get("REUSE_DUMPFILES", "")):
        print(
            "ORA-39001: invalid argument value\nORA-39000: bad dump file specification\n"
            f'ORA-31641: unable to create dump file "{dump_path}"\nORA-27038: created file already exists\n'
            "Additional information: 1\n"
        )
        return 1
    log_path = os.path.join(base, logfile)
    with open(log_path, "w", encoding="utf-8") as log:
        log.write(banner("expdp", release))
    status = os.path.join(JOBS, f"{owner}.{job}.status")
    os.makedirs(JOBS, exist_ok=True)
    for old in (status, job_file(owner, job)):
        with contextlib.suppress(OSError):
            os.unlink(old)
    pid = os.fork()
    if pid == 0:  # the job: its own session, no terminal, no pipe of the client's
        os.setsid()
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        code = 1
        try:
            write_job(
                owner, job, {"pid": os.getpid(), "dump": dump_path, "log": log_path, "state": "EXECUTING"}
            )
            code = run_job(args, owner, job, scope, dump_path, log_path, config)
        finally:
            with open(status, "w", encoding="utf-8") as fh:
                fh.write(str(code))
            data = read_job(owner, job) or {}
            write_job(owner, job, dict(data, state="COMPLETED", rc=code))
            os._exit(code)
    # The client: follows the job's log until the job ends, as expdp does in logging mode.
    offset = len(banner("expdp", release).encode())
    while True:
        offset = follow(log_path, offset)
        if os.path.exists(status):
            follow(log_path, offset)
            with open(status, encoding="utf-8") as fh:
                return int(fh.read().strip() or 1)
        data = read_job(owner, job)
        if data and not data["alive"] and data.get("state") != "EXECUTING":
            follow(log_path, offset)
            return int(data.get("rc", 1)) if not data.get("killed") else 1
        with contextlib.suppress(ChildProcessError):
            done = os.waitpid(pid, os.WNOHANG)[0]
            if done and not os.path.exists(status):
                # The job died without a word (killed midway): the client dies with it.
                follow(log_path, offset)
                os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(0.1)


def follow(path: str, offset: int) -> int:
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            data = fh.read()
    except OSError:
        return offset
    if data:
        sys.stdout.write(data.decode("utf-8", "replace"))
        sys.stdout.flush()
    return offset + len(data)


def run_job(args, owner, job, scope, dump_path, log_path, config) -> int:  # noqa: PLR0917
    mode = config["mode"]
    size = int(config["size_kib"]) * 1024
    delay = float(config.get("delay_s", 0))
    release = str(config["release"])
    logtime = args.get("LOGTIME", config.get("logtime", "NONE")).upper() in ("ALL", "LOGFILE")
    checksum = yes(args.get("CHECKSUM", ""))
    q = f'"{owner}"."{job}"'
    with open(log_path, "a", encoding="utf-8") as log:

        def say(text: str) -> None:
            for line in text.split("\n"):
                log.write((stamp() if logtime else "") + line + "\n")
            log.flush()

        log.write(connected(release) + "\n")
        say(f"Starting {q}:  {owner}/******** parfile=*** ")
        for obj in (
            "TABLE_DATA",
            "INDEX/STATISTICS/INDEX_STATISTICS",
            "STATISTICS/TABLE_STATISTICS",
            "TABLE/TABLE",
            "TABLE/INDEX/INDEX",
            "TABLE/CONSTRAINT/CONSTRAINT",
        ):
            say(f"Processing object type {scope}_EXPORT/{obj}")
        end = time.time() + delay
        while time.time() < end:
            time.sleep(0.2)
        if mode == "killed":
            write_dump(dump_path, size, stop_at=0.5)
            say(f'. . exported "SIAK"."{TABLES[0]}"{"":>24}{size / 2 / 1048576:8.3f} MB  120034 rows')
            os.kill(os.getpid(), signal.SIGKILL)
        write_dump(dump_path, size, checksum=checksum)
        for i, table in enumerate(TABLES):
            say(
                f'. . exported "SIAK"."{table}"{"":>{28 - len(table)}}{size / len(TABLES) / 1048576:8.3f} MB '
                f"{120034 - i * 9001:>9} rows"
            )
        if mode in ("ora_error", "completed_with_errors"):
            say(
                'ORA-31693: Table data object "SIAK"."CAPIL_MATI" failed to load/unload and is being '
                "skipped due to error:"
            )
            say(
                'ORA-01555: snapshot too old: rollback segment number 7 with name "_SYSSMU7_1234567$" too small'
            )
        say(f"Master table {q} successfully loaded/unloaded")
        if checksum:
            say("Generating checksums for dump file set")
        say("*" * 78)
        say(f"Dump file set for {owner}.{job} is:")
        say(f"  {dump_path}")
        if mode in ("ora_error", "completed_with_errors"):
            say(f"Job {q} completed with 1 error(s) at {now()} elapsed 0 00:00:03")
            return 5
        say(f"Job {q} successfully completed at {now()} elapsed 0 00:00:03")
    return 0


def impdp(args: dict, owner: str, config: dict) -> int:
    """VERIFY_ONLY=YES (21c and later), SQLFILE= (a parse), or an import into REMAP_SCHEMA."""
    release = str(config["release"])
    directory = args.get("DIRECTORY", "DATA_PUMP_DIR").upper()
    base = config["directories"].get(directory)
    if base is None:
        print(f"ORA-39002: invalid operation\nORA-39087: directory name {directory} is invalid")
        return 1
    dump_path = os.path.join(base, args.get("DUMPFILE", "expdat.dmp"))
    log_path = os.path.join(base, args.get("LOGFILE", "import.log"))
    verify_only = yes(args.get("VERIFY_ONLY", ""))
    if verify_only and int(release.split(".", maxsplit=1)[0]) < 21:
        print('LRM-00101: unknown parameter name "verify_only"')
        return 1
    lines: list[str] = [connected(release)]

    def done(code: int) -> int:
        text = "\n".join(lines) + "\n"
        with open(log_path, "w", encoding="utf-8") as log:
            log.write(banner("impdp", release) + text)
        print(text, end="")
        return code

    if not os.path.exists(dump_path):
        lines += [
            "ORA-39001: invalid argument value",
            "ORA-39000: bad dump file specification",
            f'ORA-31640: unable to open dump file "{dump_path}" for read',
            "ORA-27037: unable to obtain file status",
            "Linux-x86_64 Error: 2: No such file or directory",
            "Additional information: 7",
        ]
        return done(1)
    ours, stored, actual = read_dump(dump_path)
    if not ours:
        lines += [
            "ORA-39001: invalid argument value",
            "ORA-39000: bad dump file specification",
            f'ORA-39143: dump file "{dump_path}" may be an original export dump file',
        ]
        return done(1)
    if verify_only:
        lines.append("Verifying dump file checksums")
        if stored == NO_CHECKSUM:
            lines += [
                "ORA-39001: invalid argument value",
                f'ORA-39411: dump file "{dump_path}" does not contain a checksum',
            ]
            return done(1)
        if stored.decode() != actual:
            lines += [
                "ORA-39001: invalid argument value",
                "ORA-39000: bad dump file specification",
                f'ORA-39412: file checksum error in dump file "{dump_path}"',
            ]
            return done(1)
        lines += [
            f'Master table "{owner}"."SYS_IMPORT_FULL_01" successfully loaded/unloaded',
            "dump file set is complete",
            f'verified checksum for dump file "{dump_path}"',
            "dump file set is consistent",
            f'Job "{owner}"."SYS_IMPORT_FULL_01" successfully completed at {now()} elapsed 0 00:00:01',
        ]
        return done(0)
    if args.get("SQLFILE"):
        job = f'"{owner}"."SYS_SQL_FILE_FULL_01"'
        sql_path = os.path.join(base, args["SQLFILE"])
        with open(sql_path, "w", encoding="utf-8") as sql:
            sql.write(f'-- CONNECT {owner}\nALTER SESSION SET EDITION = "ORA$BASE";\n')
            for table in TABLES:
                sql.write(f'CREATE TABLE "SIAK"."{table}" ("NIK" VARCHAR2(16 BYTE) NOT NULL ENABLE);\n')
        lines += [
            f"Master table {job} successfully loaded/unloaded",
            f"Starting {job}:  {owner}/******** parfile=*** ",
            "Processing object type SCHEMA_EXPORT/USER",
            "Processing object type SCHEMA_EXPORT/TABLE/TABLE",
            "Processing object type SCHEMA_EXPORT/TABLE/INDEX/INDEX",
            "Processing object type SCHEMA_EXPORT/TABLE/CONSTRAINT/CONSTRAINT",
            f"Job {job} successfully completed at {now()} elapsed 0 00:00:02",
        ]
        return done(0)
    remap = args.get("REMAP_SCHEMA", "SIAK:SIAK").split(":")[-1].upper()
    job = f'"{owner}"."SYS_IMPORT_SCHEMA_01"'
    lines += [
        f"Master table {job} successfully loaded/unloaded",
        f"Starting {job}:  {owner}/******** parfile=*** ",
    ]
    lines += [
        "Processing object type SCHEMA_EXPORT/TABLE/TABLE",
        "Processing object type SCHEMA_EXPORT/TABLE/TABLE_DATA",
    ]
    for i, table in enumerate(TABLES):
        lines.append(
            f'. . imported "{remap}"."{table}"{"":>{28 - len(table)}}   0.170 MB {120034 - i * 9001:>9} rows'
        )
    lines.append(f"Job {job} successfully completed at {now()} elapsed 0 00:00:04")
    return done(0)


def exp(args, owner, logon_ok, config) -> int:
    mode = config["mode"]
    size = int(config["size_kib"]) * 1024
    delay = float(config.get("delay_s", 0))
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
        if log:
            log.flush()
        os.kill(os.getpid(), signal.SIGKILL)
    if mode in ("ora_error", "completed_with_errors"):
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
