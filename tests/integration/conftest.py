from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from labkit import lab_seed, running_lab


def _interrupt(signum, frame):
    # SIGTERM (CI's timeout, a person's kill) becomes an interrupt, so fixtures' teardown still
    # stops every lab sshd and unmounts its paths.
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_configure(config):
    signal.signal(signal.SIGTERM, _interrupt)


def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(pytest.mark.lab)


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """One lab for the session: pc01..pc04 plus the servers, torn down even when tests fail."""
    if os.geteuid() != 0:
        pytest.fail("integration tests need root: the lab mounts namespaces and runs sshd")
    with running_lab(tmp_path_factory.mktemp("lab"), lab_seed(0)) as handle:
        yield handle


@pytest.fixture(scope="session")
def db(lab):
    """The lab with the Oracle stand-in (expdp, impdp, exp) on siak-db (tests/lab/oracle_standin.yml)."""
    result = lab.playbook("tests/lab/oracle_standin.yml")
    assert result.returncode == 0, result.stdout[-3000:]
    return lab
