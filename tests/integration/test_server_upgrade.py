"""Server upgrade (SOP-PIAK-15 steps 5 to 8) live against the lab's siak-vm, over real SSH.

The module runs its own small lab (no workstations): some cases power siak-vm off or cut its sshd, which
must not disturb other areas' tests in the session lab. Each case uses its own release root and port, so
cases do not depend on one another, except the ordered story of one root in TestStory.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from labkit import LabHandle, laporan, newest_run, run_results, vm_lab
from siak_lab.runtime import pids_in_ns
from siak_lab.standins.builder import Release, build_release

APP_ONLY = "tests/playbooks/upgrade_app_only.yml"


@pytest.fixture(scope="module")
def vm(tmp_path_factory) -> Iterator[LabHandle]:
    with vm_lab(tmp_path_factory.mktemp("upgrade"), 2) as handle:
        yield handle


@pytest.fixture(scope="module")
def releases(tmp_path_factory) -> dict[str, Release]:
    out = tmp_path_factory.mktemp("releases")
    return {
        "app1": build_release("app", "1.0", out),
        "app2": build_release("app", "2.0", out),
        "app2_broken": build_release("app", "2.0", out, broken=True),
        "proxy1": build_release("proxy", "1.0", out),
        "proxy2": build_release("proxy", "2.0", out),
        "app_big": build_release("app", "3.0", out, size_bytes=48 * 1024 * 1024, files=40),
    }


def address(vm: LabHandle) -> str:
    return json.loads((vm.dir / "lab.json").read_text())["hosts"]["siak-vm"]["address"]


def settings(vm: LabHandle, prefix: str, root: str, port: int, rel: Release, **extra) -> dict:
    kind = "proxy" if prefix == "proxy_upgrade" else "app"
    addr = address(vm)
    script = f"/usr/bin/python3 {root}/current/bin/siak_standin.py"
    pidfile = f"{root}/shared/run/{kind}.pid"
    values = {
        f"{prefix}_version": rel.version,
        f"{prefix}_artifact": rel.path,
        f"{prefix}_sha256": rel.sha256,
        f"{prefix}_root": root,
        f"{prefix}_service": {
            "manager": "command",
            "start_command": f"{script} start --kind {kind} --bind {addr} --port {port} --pidfile {pidfile}",
            "stop_command": f"{script} stop --pidfile {pidfile}",
        },
        f"{prefix}_health": {
            "kind": "http",
            "url": f"http://{addr}:{port}/health",
            "body_contains": "OK",
            "retries": 4,
            "delay_s": 1,
        },
    }
    values.update({f"{prefix}_{k}": v for k, v in extra.items()})
    return values


def run(vm: LabHandle, playbook: str, values: dict, *extra: str):
    varfile = vm.out / f"vars-{time.monotonic_ns()}.json"
    varfile.write_text(json.dumps(values))
    return vm.playbook(playbook, "-e", f"@{varfile}", *extra)


def app(vm, root, port, rel, *extra, **options):
    return run(vm, APP_ONLY, settings(vm, "siak_upgrade", root, port, rel, **options), *extra)


def get(vm: LabHandle, port: int, path: str = "/version") -> str | None:
    """The answer, or None when there is none: no server, or one that stopped in the middle of answering
    (http.client's IncompleteRead, not an OSError: it used to end the poller's thread in a restart gap)."""
    try:
        with urllib.request.urlopen(f"http://{address(vm)}:{port}{path}", timeout=2) as resp:
            return resp.read().decode().strip()
    except (OSError, http.client.HTTPException):
        return None


def current(vm: LabHandle, root: str) -> str:
    return vm.sh("siak-vm", f"readlink {root}/current").stdout.strip()


def recap(stdout: str) -> dict[str, int]:
    line = next(x for x in stdout.splitlines() if x.startswith("siak-vm ") and "ok=" in x)
    return {k: int(v) for k, v in (f.split("=") for f in line.split()[2:])}


def published(vm: LabHandle, role: str) -> dict:
    """siak-vm's result of the newest run as the role published it (the agenda's run_end, which the Laporan shows)."""
    return run_results(vm, newest_run(vm))[role]["siak-vm"]


@contextmanager
def in_english(vm: LabHandle) -> Iterator[None]:
    """Runs in English (SIAK_LANG=en): the roles' messages are Bahasa Indonesia by default."""
    vm.env["SIAK_LANG"] = "en"
    try:
        yield
    finally:
        vm.env.pop("SIAK_LANG")


def message(result) -> str:
    return " ".join((result.stdout + result.stderr).split())


def ok(result) -> None:
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "Traceback" not in result.stdout + result.stderr


class Poller(threading.Thread):
    """Asks /version as fast as it can and remembers every distinct answer, in order."""

    def __init__(self, vm: LabHandle, port: int) -> None:
        super().__init__(daemon=True)
        self.vm, self.port, self.seen, self.stop_flag = vm, port, [], threading.Event()

    def run(self) -> None:
        while not self.stop_flag.is_set():
            answer = get(self.vm, self.port) or "(gap)"
            if not self.seen or self.seen[-1] != answer:
                self.seen.append(answer)
            time.sleep(0.02)


class TestStory:
    """One application root and one proxy root through their life: install, trial, upgrade, rerun, roll back."""

    ROOT, PROXY_ROOT, PORT, PROXY_PORT = "/srv/story/app", "/srv/story/proxy", 18080, 18081

    def both(self, vm, releases, app_rel, proxy_rel, *extra, **options):
        values = settings(vm, "siak_upgrade", self.ROOT, self.PORT, releases[app_rel], **options)
        values.update(settings(vm, "proxy_upgrade", self.PROXY_ROOT, self.PROXY_PORT, releases[proxy_rel]))
        return run(vm, "playbooks/server_upgrade.yml", values, *extra)

    def test_fresh_install_of_application_and_proxy(self, vm, releases):
        result = self.both(vm, releases, "app1", "proxy1")
        ok(result)
        assert get(vm, self.PORT) == "1.0" and get(vm, self.PROXY_PORT, "/health") == "OK proxy 1.0"
        assert current(vm, self.ROOT) == "releases/1.0"
        # Steps 6 and 8's outputs are sections of the run's one Laporan, rendered from its agenda.
        sections = {s["step"]: s for s in laporan(vm, newest_run(vm))[0]["outputs"]}
        app = dict(
            zip(sections["replace_app"]["columns"], sections["replace_app"]["rows"][0]["cells"], strict=True)
        )
        assert sections["replace_app"]["title"] == "Laporan update aplikasi SIAK pada server"
        assert app["Versi (lama → baru)"] == "- → 1.0" and app["Hasil"] == "terpasang"
        assert app["Checksum SHA-256"] == releases["app1"].sha256
        assert sections["replace_proxy"]["title"] == "Laporan update proxy SIAK pada server"
        data = published(vm, "proxy_upgrade")
        assert data["result"] == "installed" and data["to_version"] == "1.0"
        assert data["sha256"] == releases["proxy1"].sha256 and data["from_version"] is None
        # Shared paths are links into shared/, seeded once.
        assert (
            vm.sh("siak-vm", f"readlink {self.ROOT}/current/logs").stdout.strip()
            == f"{self.ROOT}/shared/logs"
        )

    def test_check_mode_changes_nothing(self, vm, releases):
        before = vm.sh("siak-vm", f"find {self.ROOT} -printf '%p %l\\n' | sort").stdout
        result = self.both(vm, releases, "app2", "proxy2", "--check", "--diff")
        ok(result)
        assert "siak-vm: aplikasi SIAK 1.0 akan diganti dengan 2.0 di" in message(result)
        assert vm.sh("siak-vm", f"find {self.ROOT} -printf '%p %l\\n' | sort").stdout == before
        assert get(vm, self.PORT) == "1.0"

    def test_upgrade_while_serving_shows_only_old_then_new(self, vm, releases):
        poller = Poller(vm, self.PORT)
        poller.start()
        try:
            result = self.both(vm, releases, "app2", "proxy2")
        finally:
            time.sleep(0.3)
            poller.stop_flag.set()
            poller.join()
        ok(result)
        seen = [s for s in poller.seen if s != "(gap)"]
        assert seen == ["1.0", "2.0"], poller.seen  # never a mixed or missing version, only a restart gap
        assert current(vm, self.ROOT) == "releases/2.0"
        assert vm.sh("siak-vm", f"readlink {self.ROOT}/previous").stdout.strip() == "releases/1.0"
        report = published(vm, "siak_upgrade")
        assert (report["from_version"], report["to_version"], report["result"]) == ("1.0", "2.0", "updated")

    def test_second_run_changes_nothing(self, vm, releases):
        result = self.both(vm, releases, "app2", "proxy2")
        ok(result)
        assert recap(result.stdout)["changed"] == 0
        assert "aplikasi SIAK sudah pada versi 2.0, berjalan dan sehat" in message(result)

    def test_downgrade_is_refused(self, vm, releases):
        with in_english(vm):
            result = self.both(vm, releases, "app1", "proxy2")
        assert result.returncode == 2
        assert "siak-vm: Langkah 5: refusing to downgrade the SIAK application from 2.0 to 1.0" in message(
            result
        )
        assert current(vm, self.ROOT) == "releases/2.0" and get(vm, self.PORT) == "2.0"

    def test_rollback_playbook_restores_the_previous_release(self, vm, releases):
        values = settings(vm, "siak_upgrade", self.ROOT, self.PORT, releases["app2"])
        result = run(vm, "playbooks/rollback.yml", values)
        ok(result)
        assert current(vm, self.ROOT) == "releases/1.0" and get(vm, self.PORT) == "1.0"
        # Named and already current: nothing to do.
        again = run(vm, "playbooks/rollback.yml", values, "-e", "rollback_to=1.0")
        ok(again)
        assert recap(again.stdout)["changed"] == 0


def test_checksum_mismatch_changes_nothing(vm, releases):
    root = "/srv/checksum/app"
    result = app(vm, root, 18090, releases["app1"], sha256="0" * 64)
    assert result.returncode == 2
    text = message(result)
    assert f"siak-vm: Langkah 5: artefak {releases['app1'].path} ber-sha256 {releases['app1'].sha256}" in text
    assert "Tidak ada yang diubah" in text
    assert vm.sh("siak-vm", f"test -e {root}").returncode == 1


def test_an_artifact_at_a_url_is_unpacked_as_it_arrives_and_a_wrong_one_leaves_nothing(
    vm, releases, tmp_path
):
    """The server reads the artifact from an http:// URL (the controller serves it here) and unpacks it as it
    arrives: no copy of it on the server's disk, and one with another checksum leaves no release behind."""
    from client_rollout_kit import DistPoint

    root, port, rel = "/srv/url/app", 18096, releases["app2"]
    dist = DistPoint(Path(rel.path).parent, f"{vm.net}.1", tmp_path / "access.log")
    try:
        url = dist.url(Path(rel.path).name)
        wrong = app(vm, root, port, rel, artifact=url, sha256="0" * 64)
        assert wrong.returncode == 2 and "Traceback" not in wrong.stdout + wrong.stderr
        # The module's reason, said on the controller in the run's language (Bahasa Indonesia by default).
        why = (
            f"rilis 2.0 tidak dapat disiapkan dari {url}: artefak yang sampai di server ber-sha256 {rel.sha256}, "
            f"bukan {'0' * 64} yang diberikan; pembongkaran yang belum selesai sudah dihapus, tidak ada yang "
            "dialihkan"
        )
        assert why in message(wrong), message(wrong)[-3000:]
        with in_english(vm):
            english = app(vm, root, port, rel, artifact=url, sha256="0" * 64)
        assert english.returncode == 2 and (
            f"cannot stage release 2.0 from {url}: the artifact that reached the server has sha256 {rel.sha256}, "
            f"not the {'0' * 64} that was given; the unfinished unpack was removed, nothing was switched"
        ) in message(english)
        left = vm.sh("siak-vm", f"ls -A {root}/releases {root}/.incoming 2>/dev/null").stdout.split()
        assert not [
            name for name in left if name.startswith(".2.0") or name == "2.0" or name.endswith(".part")
        ]
        result = app(vm, root, port, rel, artifact=url)
        ok(result)
        assert current(vm, root) == "releases/2.0" and get(vm, port) == "2.0"
        assert published(vm, "siak_upgrade")["sha256"] == rel.sha256
        assert vm.sh("siak-vm", f"ls -A {root}/.incoming").stdout.split() == []
        assert [r["status"] for r in dist.records()] == [200, 200, 200]
    finally:
        dist.stop()
        vm.sh(
            "siak-vm", settings(vm, "siak_upgrade", root, port, rel)["siak_upgrade_service"]["stop_command"]
        )


def test_an_artifact_already_on_the_server_is_measured_there(vm, releases):
    """An artifact the ADB put on the server (artifact_location remote) is measured there by the release
    library (release_archive_info): one that is not an archive is refused at step 5 in the run's language,
    changing nothing; the real one is upgraded from, and stays where it was."""
    root, port, rel = "/srv/remote/app", 18097, releases["app2"]
    incoming = "/srv/remote-incoming"
    fake, real = f"{incoming}/siak-app-2.1.tar.gz", f"{incoming}/siak-app-2.0.tar.gz"
    vm.sh("siak-vm", f"mkdir -p {incoming} && printf '<html>404 Not Found</html>' > {fake}")
    assert (
        vm.ansible("siak-vm", "ansible.builtin.copy", f"src={rel.path} dest={real} mode=0600").returncode == 0
    )
    try:
        refused = app(vm, root, port, rel, artifact=fake, artifact_location="remote")
        assert refused.returncode == 2 and "Traceback" not in refused.stdout + refused.stderr
        assert (
            f"artefak {fake}: bukan arsip tar.gz, tar atau zip yang dapat dibaca: isinya diawali <html>404 Not Found"
        ) in message(refused), message(refused)[-3000:]
        assert vm.sh("siak-vm", f"test -e {root}").returncode == 1
        result = app(vm, root, port, rel, artifact=real, artifact_location="remote")
        ok(result)
        assert current(vm, root) == "releases/2.0" and get(vm, port) == "2.0"
        assert published(vm, "siak_upgrade")["sha256"] == rel.sha256
        assert vm.sh("siak-vm", f"sha256sum {real}").stdout.split()[0] == rel.sha256
    finally:
        vm.sh(
            "siak-vm", settings(vm, "siak_upgrade", root, port, rel)["siak_upgrade_service"]["stop_command"]
        )


def test_too_little_disk_is_refused_before_any_change(vm, tmp_path):
    big = build_release("app", "1.0", tmp_path, size_bytes=3 * 1024 * 1024, files=3)
    vm.lab("fill", "siak-vm", "--leave-kib", "2048")
    try:
        result = app(vm, "/media/flashdisk/siak/app", 18091, big, disk_margin_mib=0)
    finally:
        vm.lab("unfill", "siak-vm")
    assert result.returncode == 2
    text = message(result)
    assert "siak-vm: Langkah 5: ruang disk kosong tidak cukup untuk aplikasi SIAK 1.0" in text
    assert "Tidak ada yang diubah" in text
    assert vm.sh("siak-vm", "test -e /media/flashdisk/siak").returncode == 1


def test_failing_health_rolls_back_automatically(vm, releases):
    root, port = "/srv/broken/app", 18092
    ok(app(vm, root, port, releases["app1"]))
    result = app(vm, root, port, releases["app2_broken"])
    assert result.returncode == 2
    text = message(result)
    rolled_back = (
        "Dikembalikan otomatis: aplikasi SIAK 1.0 (releases/1.0) aktif kembali, sudah dinyalakan dan sehat"
    )
    assert "siak-vm: Langkah 6 (aplikasi SIAK 2.0) gagal pada" in text and rolled_back in text
    assert current(vm, root) == "releases/1.0" and get(vm, port) == "1.0"
    assert vm.sh("siak-vm", f"test -e {root}/releases/2.0").returncode == 1, "the failed release was left"
    assert vm.sh("siak-vm", f"test -e {root}/.siak-upgrade.lock").returncode == 1, "the lock was left"
    report = published(vm, "siak_upgrade")
    assert report["result"] == "rolled_back" and report["to_version"] == "1.0"
    # The Laporan's reason cell is the role's message in the Laporan's language, not an English sentence.
    section = next(s for s in laporan(vm, newest_run(vm))[0]["outputs"] if s["step"] == "replace_app")
    cells = dict(zip(section["columns"], section["rows"][0]["cells"], strict=True))
    assert cells["Hasil"] == "dikembalikan ke versi sebelumnya"
    reason = cells["Alasan / galat"]
    assert reason.startswith("siak-vm: Langkah 6 (aplikasi SIAK 2.0) gagal pada"), cells
    assert rolled_back in reason, cells
    # Why the release was not healthy is found on the server and said on the controller: only the stand-in's
    # own answer, quoted, is English.
    assert (
        "tidak sehat setelah" in reason and "menjawab dengan status 503, bukan 200 (BROKEN app 2.0)" in reason
    )
    english_words = (
        "failed at",
        "Rolled back",
        "is current again",
        "started and healthy",
        "SIAK application",
        "not healthy after",
        "answered status",
    )
    for english in english_words:
        assert english not in reason, (english, cells)


def test_a_second_concurrent_upgrade_is_refused_by_the_lock(vm, releases, tmp_path):
    root, port = "/srv/lock/app", 18093
    ok(app(vm, root, port, releases["app1"]))
    flag = "/tmp/lock-test-go"
    hook = tmp_path / "wait_hook.yml"
    hook.write_text(
        "- name: Test hook | Wait until the test lets the switch go on\n"
        f"  ansible.builtin.wait_for:\n    path: {flag}\n    timeout: 120\n"
    )
    values = settings(vm, "siak_upgrade", root, port, releases["app2"], before_switch_tasks=str(hook))
    first: dict = {}
    thread = threading.Thread(target=lambda: first.setdefault("r", run(vm, APP_ONLY, values)))
    thread.start()
    try:
        deadline = time.monotonic() + 120
        while vm.sh("siak-vm", f"test -e {root}/.siak-upgrade.lock").returncode != 0:
            assert time.monotonic() < deadline, "the first upgrade never took the lock"
            time.sleep(0.5)
        second = app(vm, root, port, releases["app2"])
    finally:
        vm.sh("siak-vm", f"touch {flag}")
        thread.join()
    assert second.returncode == 2
    text = message(second)
    assert f"siak-vm: {root}/.siak-upgrade.lock dipegang oleh jalan yang masih berlangsung: jalan " in text
    assert " oleh root di " in text and "Tidak ada yang diubah" in text
    ok(first["r"])
    assert current(vm, root) == "releases/2.0" and get(vm, port) == "2.0"


def test_sshd_stopped_mid_transfer_leaves_v1_and_a_rerun_completes(vm, releases):
    root, port = "/srv/cut/app", 18094
    ok(app(vm, root, port, releases["app1"]))
    state = json.loads((vm.dir / "lab.json").read_text())
    ns = state["hosts"]["siak-vm"]["mnt_ns"]
    upper_tmp = vm.dir / "hosts" / "siak-vm" / "upper" / "root" / ".ansible" / "tmp"
    # The artifact is sent into <root>/.incoming as a .part file: the transfer is under way once it has data.
    upper_root = vm.dir / "hosts" / "siak-vm" / "upper" / root.lstrip("/")
    cut: dict = {}

    def arriving() -> list[Path]:
        found = list(upper_tmp.glob("ansible-tmp-*/*")) + list(upper_root.glob(".incoming/*.part"))
        return [p for p in found if p.is_file() and p.stat().st_size > 0]

    def cut_sshd_when_the_copy_starts() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            partial = arriving()
            if partial:
                cut["size"] = partial[0].stat().st_size
                for pid in pids_in_ns(ns):
                    if Path(f"/proc/{pid}/comm").read_text().strip() == "sshd":
                        os.kill(pid, signal.SIGKILL)
                return
            time.sleep(0.005)

    killer = threading.Thread(target=cut_sshd_when_the_copy_starts, daemon=True)
    killer.start()
    result = app(vm, root, port, releases["app_big"])
    killer.join()
    assert "size" in cut, "the transfer was never seen"
    assert result.returncode != 0
    # v1 is intact and still serving: the switch never happened.
    link = vm.dir / "hosts" / "siak-vm" / "upper" / root.lstrip("/") / "current"
    assert os.readlink(link) == "releases/1.0"
    assert get(vm, port) == "1.0"
    # Power-cycle the VM (its sshd is gone), start v1 again, and rerun: the upgrade completes.
    vm.stop("siak-vm")
    vm.start("siak-vm")
    rerun = app(vm, root, port, releases["app_big"])
    ok(rerun)
    assert current(vm, root) == "releases/3.0" and get(vm, port) == "3.0"
    # The cut transfer's .part file is gone, and the rerun said it removed it.
    assert vm.sh("siak-vm", f"ls -A {root}/.incoming; ls -A {root}/releases").stdout.split() == ["1.0", "3.0"]
    assert "Dibereskan lebih dulu: sisa run yang terputus dihapus: " in message(rerun)


def test_bad_variables_are_rejected_by_the_argument_spec(vm, releases):
    values = settings(vm, "siak_upgrade", "/srv/bad/app", 18095, releases["app1"])
    values["siak_upgrade_health"]["kind"] = "smtp"
    values["siak_upgrade_keep_releases"] = "many"
    result = run(vm, APP_ONLY, values)
    assert result.returncode == 2
    text = message(result)
    assert "siak_upgrade_health" in text and "smtp" in text and "siak_upgrade_keep_releases" in text
    assert "Traceback" not in text
    assert vm.sh("siak-vm", "test -e /srv/bad").returncode == 1
