"""The agenda against ground truth, on the controller alone: statuses as Ansible counts them, the three endings,
signatures, the day's chain and tampering (docs/agenda-format.md, docs/agenda.md).

Every corpus playbook runs once with the agenda callback and ansible.posix's json callback side by side: every
task result the json callback reports has the agenda's record for the same task and host with the status Ansible
counts for it (its meta tasks as the agenda's events), no agenda record is left over, the per-host counts equal
Ansible's stats, and run_end.status says what the exit code says.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import yaml
from ansible_collections.dukcapil.siak.plugins.plugin_utils import agenda_seal

from labkit import BIN, REPO

CORPUS = REPO / "tests" / "playbooks" / "status_corpus"
ANSIBLE_KEYS = {
    "ok": "ok",
    "changed": "changed",
    "failures": "failed",
    "rescued": "rescued",
    "ignored": "ignored",
    "skipped": "skipped",
    "unreachable": "unreachable",
}


def inventory(tmp_path: Path) -> Path:
    path = tmp_path / "inventory.ini"
    path.write_text(
        "[corpus]\nh1\nh2\nh3\n[corpus:vars]\nansible_connection=local\n"
        # nothing listens on port 1: refused at once, the host is unreachable
        "[gone]\ndown ansible_host=127.0.0.1 ansible_port=1 ansible_connection=ssh\n"
        f"[all:vars]\nansible_python_interpreter={BIN / 'python'}\n",
        encoding="utf-8",
    )
    return path


def env(tmp_path: Path, **more: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SIAK_", "ANSIBLE_", "JOB_ID"))}
    return {
        **base,
        "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        "SIAK_AGENDA_DIR": str(tmp_path / "agenda"),
        "ANSIBLE_SSH_ARGS": "-o ConnectTimeout=5",
        **more,
    }


def playbook(tmp_path: Path, path: Path, *extra: str, **more: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            str(BIN / "ansible-playbook"),
            "-i",
            str(inventory(tmp_path)),
            str(path),
            "-e",
            f"corpus_tmp={tmp_path}",
            *extra,
        ],
        cwd=REPO,
        env=env(tmp_path, **more),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def agenda_file(tmp_path: Path) -> Path:
    (path,) = [p for p in (tmp_path / "agenda").glob("*/*.jsonl") if p.name != agenda_seal.DAY_FILE]
    return path


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def expected_counts(stats: dict) -> dict[str, int]:
    """Ansible's counts in the agenda's terms: Ansible's ok includes changed and ignored results."""
    counts = {ANSIBLE_KEYS[k]: v for k, v in stats.items() if v and k in ANSIBLE_KEYS}
    counts["ok"] = counts.get("ok", 0) - counts.get("changed", 0) - counts.get("ignored", 0)
    return {k: v for k, v in counts.items() if v}


# --- the ground truth, result by result -------------------------------------------------------------

TASK_LISTS = ("tasks", "pre_tasks", "post_tasks", "handlers", "block", "rescue", "always")
INHERITED = ("ignore_errors", "ignore_unreachable")
META_ACTIONS = ("meta", "ansible.builtin.meta", "ansible.legacy.meta")


def _literal(node: yaml.Node, where: str):
    value = yaml.safe_load(node.value) if isinstance(node, yaml.ScalarNode) else None
    if not isinstance(value, bool):
        pytest.fail(f"{where}: the comparison reads literal true/false keywords only, not {node.value!r}")
    return value


def source_tasks(folder: Path) -> dict[str, dict]:
    """Every task (and block, and play) of the corpus by Ansible's own task path, "file:line".

    For each: the keywords that decide how Ansible counts a result (ignore_errors, ignore_unreachable, as
    inherited from the blocks and play around it), whether it is a meta task, a handler, and whether it
    sits in a rescue section (where a host goes next only when Ansible caught its failure).
    """
    found: dict[str, dict] = {}

    def walk(seq: yaml.Node, path: Path, inherited: dict, in_rescue: bool, handler: bool) -> None:
        if not isinstance(seq, yaml.SequenceNode):
            return
        for item in seq.value:
            if not isinstance(item, yaml.MappingNode):
                continue
            where = f"{path}:{item.start_mark.line + 1}"
            keys = {k.value: v for k, v in item.value}
            own = {**inherited, **{k: _literal(keys[k], where) for k in INHERITED if k in keys}}
            found[where] = {
                **own,
                "meta": any(k in keys for k in META_ACTIONS),
                "in_rescue": in_rescue,
                "handler": handler,
            }
            for section in TASK_LISTS:
                if section in keys:
                    walk(
                        keys[section],
                        path,
                        own,
                        in_rescue or section == "rescue",
                        handler or section == "handlers",
                    )

    for path in sorted(folder.rglob("*.yml")):
        walk(yaml.compose(path.read_text(encoding="utf-8")), path.resolve(), {}, False, False)
    return found


def truth_results(truth: dict, source: dict[str, dict]) -> tuple[list[dict], list[dict]]:
    """The json callback's results in run order, each with the status Ansible counts for it, and its meta
    tasks as the agenda's events.

    The flags come from the json result (unreachable, failed, skipped, changed); ignore_errors and
    ignore_unreachable from the task's keywords. Whether a failure was rescued is not in the json: Ansible
    caught it when the host's next result in the same play comes from a rescue section. The per-host stats
    check this derivation (see test_statuses_are_ansibles_own).
    """
    results, events = [], []
    for play_index, play in enumerate(truth["plays"]):
        for entry in play["tasks"]:
            task = entry["task"]
            where = source.get(task["path"])
            assert where is not None, f"{task['path']} ({task['name']}) is not a task of the corpus"
            if where["meta"]:
                # an executed meta task leaves no result; one whose condition was false, a skip
                events.append({"meta": "start", "uuid": task["id"], "host": None})
                for host, result in entry["hosts"].items():
                    assert result.get("skipped") is True, (task["name"], host, result)
                    events.append({"meta": "skipped", "uuid": task["id"], "host": host})
                continue
            for host, result in entry["hosts"].items():
                if result.get("unreachable"):
                    status = "ignored" if where.get("ignore_unreachable") else "unreachable"
                elif result.get("failed"):
                    status = "ignored" if where.get("ignore_errors") else "failed"
                elif result.get("skipped"):
                    status = "skipped"
                elif result.get("changed"):
                    status = "changed"
                else:
                    status = "ok"
                results.append(
                    {
                        "play": play_index,
                        "task": task["name"],
                        "uuid": task["id"],
                        "host": host,
                        "status": status,
                        "handler": where["handler"],
                        "in_rescue": where["in_rescue"],
                    }
                )
    for i, found in enumerate(results):
        if found["status"] == "failed":
            following = [
                r for r in results[i + 1 :] if r["host"] == found["host"] and r["play"] == found["play"]
            ]
            if following and following[0]["in_rescue"]:
                found["status"] = "rescued"
    return results, events


@pytest.mark.parametrize(
    ("name", "extra", "exit_code"),
    [
        ("rescue.yml", (), 2),
        ("errors.yml", (), 0),
        ("failed.yml", (), 2),
        ("failed.yml", ("-e", "corpus_unreachable=true"), 4),
        ("meta.yml", (), 0),
        ("strategies.yml", (), 0),
    ],
)
def test_statuses_are_ansibles_own(tmp_path, name, extra, exit_code):
    proc = playbook(tmp_path, CORPUS / name, *extra, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json")
    assert proc.returncode == exit_code, proc.stdout[-3000:] + proc.stderr[-3000:]
    truth = json.loads(proc.stdout[proc.stdout.index("{") :])
    run = records(agenda_file(tmp_path))
    end = run[-1]
    assert end["type"] == "run_end" and end["ending"] == "complete"
    assert end["status"] == ("successful" if exit_code == 0 else "failed")

    expected, events = truth_results(truth, source_tasks(CORPUS))
    # the derivation is Ansible's own counting: per host, its statuses add up to Ansible's stats
    derived: dict[str, Counter] = defaultdict(Counter)
    for found in expected:
        derived[found["host"]][found["status"]] += 1
    assert set(derived) <= set(truth["stats"])
    for host, stats in truth["stats"].items():
        assert dict(derived[host]) == expected_counts(stats), host
        assert end["totals"]["hosts"].get(host, {}) == expected_counts(stats), host

    # record by record: every result Ansible reported has the agenda's record for the same task and host,
    # in the same order, with the same status; no agenda record is left over
    truth_by_key: dict[tuple, list] = defaultdict(list)
    for found in expected:
        truth_by_key[found["uuid"], found["host"]].append((found["task"], found["status"], found["handler"]))
    agenda_by_key: dict[tuple, list] = defaultdict(list)
    for found in run:
        if found["type"] == "task":
            # Ansible names a role's task "role : name"; the agenda keeps the role in a field of its own
            named = f"{found['role']} : {found['task']}" if found.get("role") else found["task"]
            agenda_by_key[found["task_uuid"], found["host"]].append(
                (named, found["status"], found["handler"])
            )
    missing = sorted(set(truth_by_key) - set(agenda_by_key))
    extra_records = sorted(set(agenda_by_key) - set(truth_by_key))
    assert not missing, (
        f"results Ansible reported that the agenda lacks: {[truth_by_key[k] for k in missing]}"
    )
    assert not extra_records, (
        f"agenda records Ansible did not report: {[agenda_by_key[k] for k in extra_records]}"
    )
    differ = {
        key: (truth_by_key[key], agenda_by_key[key])
        for key in truth_by_key
        if truth_by_key[key] != agenda_by_key[key]
    }
    assert not differ, f"(Ansible, agenda) per task uuid and host: {differ}"
    assert end["tasks"] == len(expected)

    # meta tasks: each start and each skip the json callback saw is an agenda event, and nothing more
    truth_events = Counter((e["meta"], e["uuid"], e["host"]) for e in events)
    agenda_events = Counter(
        (found["event"], found["task_uuid"], found.get("host")) for found in run if found["type"] == "meta"
    )
    assert agenda_events == truth_events


def test_meta_tasks_are_events_and_a_skipped_one_is_not_counted(tmp_path):
    proc = playbook(tmp_path, CORPUS / "meta.yml")
    assert proc.returncode == 0, proc.stdout[-3000:]
    run = records(agenda_file(tmp_path))
    metas = [(r["meta"], r["event"], r.get("host")) for r in run if r["type"] == "meta"]
    assert ("end_host", "start", None) in metas and ("end_host", "skipped", "h1") in metas
    assert ("end_batch", "start", None) in metas and ("end_play", "start", None) in metas
    names = {r["task"] for r in run if r["type"] == "task"}
    assert not {n for n in names if "Never runs" in n}
    assert {
        r["host"] for r in run if r["type"] == "task" and r["task"] == "Corpus | Only h1 and h3 run this"
    } == {"h1", "h3"}


# --- endings --------------------------------------------------------------------------------------


def test_a_fatal_error_gives_a_closing_record_ended_by_error(tmp_path):
    book = tmp_path / "missing_handler.yml"
    book.write_text(
        "- hosts: h1\n  gather_facts: false\n  tasks:\n"
        "    - name: Notify a handler that does not exist\n"
        "      ansible.builtin.command: 'true'\n      notify: no such handler\n",
        encoding="utf-8",
    )
    proc = playbook(tmp_path, book)
    assert proc.returncode != 0
    path = agenda_file(tmp_path)
    end = records(path)[-1]
    assert end["type"] == "run_end" and end["ending"] == "error" and end["status"] == "failed"
    verify = siak_sop("agenda", "verify", str(path))
    assert verify.returncode == 1 and "ERROR" in verify.stdout and "ended by an error" in verify.stdout


def test_sigkill_leaves_a_prefix(tmp_path):
    book = tmp_path / "sleep.yml"
    book.write_text(
        "- hosts: h1\n  gather_facts: false\n  tasks:\n"
        "    - name: Sleep until killed\n      ansible.builtin.command: sleep 60\n",
        encoding="utf-8",
    )
    proc = subprocess.Popen(
        [str(BIN / "ansible-playbook"), "-i", str(inventory(tmp_path)), str(book)],
        cwd=REPO,
        env=env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            found = [p for p in (tmp_path / "agenda").glob("*/*.jsonl") if p.name != agenda_seal.DAY_FILE]
            if found and '"task_start"' in found[0].read_text(encoding="utf-8"):
                break
            time.sleep(0.2)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    path = agenda_file(tmp_path)
    assert records(path)[-1]["type"] == "task_start"
    verify = siak_sop("agenda", "verify", str(path))
    assert verify.returncode == 1 and "PREFIX" in verify.stdout


# --- signatures, names, the day's chain -----------------------------------------------------------


def siak_sop(*args: str) -> subprocess.CompletedProcess:
    """siak-sop in English, the language these assertions read (the office's default is Bahasa Indonesia)."""
    return subprocess.run(
        [str(BIN / "siak-sop"), *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "SIAK_LANG": "en"},
    )


@pytest.fixture
def signed(tmp_path):
    key = tmp_path / "keys" / "agenda_ed25519"
    key.parent.mkdir(mode=0o700)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "adb", "-f", str(key)], check=True)
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(
        f'adb@dukcapil namespaces="{agenda_seal.NAMESPACE}" {key.with_suffix(".pub").read_text()}'
    )
    book = CORPUS / "strategies.yml"
    for _run in range(2):
        proc = playbook(tmp_path, book, SIAK_AGENDA_SIGNING_KEY=str(key))
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    files = sorted(p for p in (tmp_path / "agenda").glob("*/*.jsonl") if p.name != agenda_seal.DAY_FILE)
    assert len(files) == 2
    return files, allowed


def rechain(path: Path, change) -> None:
    """What a forger with write access does: edit a record and recompute the whole chain."""
    from ansible_collections.dukcapil.siak.plugins.plugin_utils.agenda import Chain

    chain, out = Chain(), []
    for found in records(path):
        obj = {k: v for k, v in found.items() if k not in ("hash", "prev_hash", "seq")}
        change(obj)
        sealed, line = chain.seal(obj)
        chain.commit(sealed)
        out.append(line)
    path.write_text("".join(out), encoding="utf-8")


def test_a_signed_run_and_day_verify(signed):
    files, allowed = signed
    for path in files:
        verify = siak_sop("agenda", "verify", "--allowed-signers", str(allowed), str(path))
        assert verify.returncode == 0, verify.stdout + verify.stderr
        assert "COMPLETE: " in verify.stdout and "[SIGNED by adb@dukcapil]" in verify.stdout
    day = siak_sop("agenda", "verify-day", "--allowed-signers", str(allowed), str(files[0].parent))
    assert day.returncode == 0 and "2 run(s) chained, SIGNED by adb@dukcapil" in day.stdout, day.stdout


def test_a_recomputed_chain_gives_bad_signature_or_unsigned(signed):
    files, allowed = signed
    path = files[0]

    def forge(obj):
        if obj["type"] == "run_end":
            obj["status"] = "successful" if obj["status"] == "failed" else "failed"

    rechain(path, forge)
    plain = siak_sop("agenda", "verify", str(path))
    assert "COMPLETE" in plain.stdout  # the chain alone cannot tell: that is what the signature is for
    bad = siak_sop("agenda", "verify", "--allowed-signers", str(allowed), str(path))
    assert bad.returncode == 2 and "BAD SIGNATURE" in bad.stdout, bad.stdout
    agenda_seal.seal_path(path).unlink()
    unsigned = siak_sop("agenda", "verify", "--allowed-signers", str(allowed), str(path))
    assert unsigned.returncode == 1 and "UNSIGNED" in unsigned.stdout, unsigned.stdout
    day = siak_sop("agenda", "verify-day", "--allowed-signers", str(allowed), str(path.parent))
    assert day.returncode == 2 and "replaced or changed" in day.stdout, day.stdout


def test_a_renamed_file_is_refused(signed):
    files, allowed = signed
    other = files[0].with_name(files[1].name)
    files[1].unlink()
    shutil.copy2(files[0], other)
    verify = siak_sop("agenda", "verify", "--allowed-signers", str(allowed), str(other))
    assert verify.returncode == 2 and "does not match its run id" in verify.stdout, verify.stdout


def test_removing_the_last_lines_of_a_sealed_run_is_not_a_kill(signed):
    files, allowed = signed
    text = files[0].read_text(encoding="utf-8").splitlines(keepends=True)
    files[0].write_text("".join(text[:-2]), encoding="utf-8")
    verify = siak_sop("agenda", "verify", "--allowed-signers", str(allowed), str(files[0]))
    assert verify.returncode == 2 and "last lines were removed" in verify.stdout, verify.stdout


def test_a_signed_run_removed_from_the_day_is_detected(signed):
    files, allowed = signed
    files[1].unlink()
    agenda_seal.seal_path(files[1]).unlink()
    day = siak_sop("agenda", "verify-day", "--allowed-signers", str(allowed), str(files[1].parent))
    assert day.returncode == 2 and "its file was removed" in day.stdout, day.stdout


# --- an RFC 3161 timestamp from a local TSA made with openssl ts -----------------------------------

TSA_CNF = """
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.crt
certs = $dir/tsa.crt
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
[ tsa_ext ]
extendedKeyUsage = critical,timeStamping
basicConstraints = CA:FALSE
"""


def make_tsa(folder: Path) -> Path:
    """A CA and a time-stamping certificate it signed; returns the CA certificate."""
    folder.mkdir()
    (folder / "tsa.cnf").write_text(TSA_CNF.format(dir=folder), encoding="utf-8")
    (folder / "serial").write_text("01\n", encoding="utf-8")

    def ossl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    ossl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=Test CA",
    )
    ossl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "tsa.key",
        "-out",
        "tsa.csr",
        "-subj",
        "/CN=Test TSA",
    )
    ossl(
        "x509", "-req", "-in", "tsa.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "tsa.crt",
        "-days", "2", "-extfile", "tsa.cnf", "-extensions", "tsa_ext",
    )  # fmt: skip
    return folder / "ca.crt"


class TsaServer:
    """An HTTP TSA on loopback: each POSTed query answered by `openssl ts -reply`."""

    def __init__(self, folder: Path):
        import http.server
        import threading

        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                query = folder / "q.tsq"
                query.write_bytes(self.rfile.read(int(self.headers["Content-Length"])))
                reply = subprocess.run(
                    [
                        "openssl",
                        "ts",
                        "-reply",
                        "-config",
                        str(folder / "tsa.cnf"),
                        "-queryfile",
                        str(query),
                        "-out",
                        "-",
                    ],
                    capture_output=True,
                    check=True,
                ).stdout
                outer.queries += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.queries = 0
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/tsa"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def test_the_head_is_timestamped_by_the_tsa_when_one_is_set(tmp_path):
    ca = make_tsa(tmp_path / "tsa")
    tsa = TsaServer(tmp_path / "tsa")
    try:
        proc = playbook(tmp_path, CORPUS / "meta.yml", SIAK_AGENDA_TSA_URL=tsa.url)
    finally:
        tsa.stop()
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert tsa.queries == 1
    path = agenda_file(tmp_path)
    verify = siak_sop("agenda", "verify", "--tsa-ca", str(ca), str(path))
    assert verify.returncode == 0 and "TIMESTAMPED" in verify.stdout, verify.stdout + verify.stderr
    # checked against a CA that did not certify this TSA, the timestamp does not pass
    seal = json.loads(agenda_seal.seal_path(path).read_text())
    other = make_tsa(tmp_path / "other")
    bad = siak_sop("agenda", "verify", "--tsa-ca", str(other), str(path))
    assert bad.returncode == 2 and "BAD TIMESTAMP" in bad.stdout, bad.stdout
    assert seal["timestamp"]
