"""Stand-in for get-pip.py, which ansible-test downloads from a host these machines cannot reach.

ansible-test runs it inside an empty virtual environment with pip-install arguments. This does the
same with the standard library's ensurepip, then installs the requested packages from the package
index pip is configured for.
"""

import subprocess
import sys

subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "pip", "install", "--disable-pip-version-check", *args])
