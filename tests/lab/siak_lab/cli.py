"""siak-lab: bring the lab of real test hosts up and down, and inject its faults."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from siak_lab import plan
from siak_lab.errors import LabError
from siak_lab.runtime import Lab


def _default_lab_dir() -> Path:
    return Path(os.environ.get("SIAK_LAB_DIR", ".lab"))


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="siak-lab",
        description="Real test hosts on this machine: one sshd per host, each on its own loopback "
        "address in its own mount and UTS namespace.",
    )
    p.add_argument(
        "--lab-dir",
        type=Path,
        default=_default_lab_dir(),
        help="where the lab keeps its state (default: $SIAK_LAB_DIR or ./.lab)",
    )
    p.add_argument(
        "--inventory-dir",
        type=Path,
        default=Path(os.environ.get("SIAK_LAB_INVENTORY", "inventories/lab")),
        help="where 'up' writes hosts.yml (default: inventories/lab)",
    )
    sub = p.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="create the lab and start its hosts (siak-vm stays powered off)")
    up.add_argument(
        "--workstations",
        "-n",
        type=int,
        default=int(os.environ.get("SIAK_LAB_WORKSTATIONS", plan.DEFAULT_WORKSTATIONS)),
        help=f"operator workstations pc01..pcNN (default {plan.DEFAULT_WORKSTATIONS})",
    )
    up.add_argument(
        "--net",
        default=os.environ.get("SIAK_LAB_NET", plan.DEFAULT_NET),
        help=f"loopback /24 for the hosts (default {plan.DEFAULT_NET})",
    )
    up.add_argument("--port", type=int, default=int(os.environ.get("SIAK_LAB_PORT", plan.DEFAULT_PORT)))
    up.add_argument(
        "--flashdisk-mib", type=int, default=256, help="size of each server's tmpfs flashdisk (default 256)"
    )
    up.add_argument(
        "--power-peers",
        action="store_true",
        help="also answer Wake-on-LAN, IPMI and Redfish for the physical servers (docs/lab.md)",
    )
    down = sub.add_parser("down", help="stop every host, unmount everything and remove the lab")
    down.add_argument("--keep-files", action="store_true", help="keep the hosts' files on disk")
    for verb, text in (("start", "power a host on"), ("stop", "power a host off (unreachable)")):
        sp = sub.add_parser(verb, help=text)
        sp.add_argument("hosts", nargs="+")
    fill = sub.add_parser("fill", help="fill a server's flashdisk so the next write meets ENOSPC")
    fill.add_argument("host")
    fill.add_argument("--leave-kib", type=int, default=0)
    unfill = sub.add_parser("unfill", help="free a filled flashdisk again")
    unfill.add_argument("host")
    ex = sub.add_parser("exec", help="run a command inside a host's namespaces")
    ex.add_argument("host")
    ex.add_argument("argv", nargs=argparse.REMAINDER)
    sub.add_parser("status", help="list hosts and whether they run")
    rel = sub.add_parser("release", help="build stand-in release artifacts (app or proxy) with their sha256")
    rel.add_argument("--out", type=Path, default=Path("build/releases"), help="where to write them")
    rel.add_argument("--demo", action="store_true", help="v1.0 and v2.0 of both the app and the proxy")
    rel.add_argument("--kind", choices=("app", "proxy"), default="app")
    rel.add_argument("--version", dest="release_version", default="1.0")
    rel.add_argument("--size-mib", type=float, default=0.0625, help="total size of the filler files")
    rel.add_argument("--files", type=int, default=8, help="number of filler files")
    rel.add_argument("--broken", action="store_true", help="a release whose health check fails")
    rel.add_argument("--format", choices=("tar.gz", "zip"), default="tar.gz")
    return p


def run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    lab = Lab(args.lab_dir, args.inventory_dir)
    if args.command == "up":
        if os.geteuid() != 0:
            raise LabError("the lab needs root (namespaces, mounts)", fix="Run it as root or with sudo")
        if args.flashdisk_mib < 1:
            raise LabError(f"--flashdisk-mib {args.flashdisk_mib} must be 1 or more")
        state = lab.up(
            workstations=args.workstations,
            net=args.net,
            port=args.port,
            flashdisk_mib=args.flashdisk_mib,
            inventory_source=Path("inventories/lab"),
            power_peers=args.power_peers,
        )
        running = sum(lab.running(n, state) for n in state["hosts"])
        print(
            f"lab up: {running} of {len(state['hosts'])} hosts running "
            f"(siak-vm powered off until started); inventory {lab.inventory_dir}/hosts.yml"
        )
    elif args.command == "down":
        lab.down(keep_files=args.keep_files)
        print(f"lab down: {lab.dir} cleaned up")
    elif args.command == "start":
        started = lab.start(args.hosts)
        print(f"started: {', '.join(started) or 'nothing (already running)'}")
    elif args.command == "stop":
        lab.stop(args.hosts)
        print(f"stopped: {', '.join(args.hosts)}")
    elif args.command == "fill":
        lab.fill(args.host, args.leave_kib)
        print(f"{args.host}: flashdisk filled, {args.leave_kib} KiB left")
    elif args.command == "unfill":
        lab.unfill(args.host)
    elif args.command == "exec":
        argv_ = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
        return lab.exec(args.host, argv_ or ["sh"])
    elif args.command == "status":
        print(json.dumps(lab.status(), indent=2))
    elif args.command == "release":
        from siak_lab.standins import builder

        if args.demo:
            print(json.dumps(builder.build_demo_set(args.out), indent=2))
        else:
            made = builder.build_release(
                args.kind,
                args.release_version,
                args.out,
                size_bytes=int(args.size_mib * 1024 * 1024),
                files=args.files,
                broken=args.broken,
                fmt=args.format,
            )
            print(json.dumps(builder.asdict(made), indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        return run(sys.argv[1:] if argv is None else argv)
    except LabError as err:
        print(f"siak-lab: {err.line()}", file=sys.stderr)
        return err.exit_code
    except (OSError, subprocess.CalledProcessError) as err:
        # The machine refused something (a mount, a key, a port): say what, never a traceback.
        detail = err.stderr.strip() if isinstance(err, subprocess.CalledProcessError) else err
        print(
            f"siak-lab: {detail or err}. Is this run as root on a machine with namespaces?", file=sys.stderr
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
