"""Fault injection: a conference day run through crashes, freezes and outages, judged.

Runs the real CLI (`timekeeper run --headless`, a dress rehearsal at high speed) as a
room on a real mosquitto against a real headless OBS, with a speaker follower attached;
injects faults at seeded instants (SIGKILL and the same command again, SIGSTOP/SIGCONT,
OBS killed and restarted, the broker killed and restarted, the programme saved invalid
and fixed, a valid edit, the log's folder read-only, a crash while the file is invalid);
then compares with an unfaulted reference run of the same seed. Prints one line per
fault and a summary; exits 1 on any loss, repeat or miss, or a fault not survived.
What it checks and what each fault means: docs/chaos.md.

    python bench/bench_chaos.py --seed 1                  # the CI version (under 3 minutes)
    python bench/bench_chaos.py --seed 1 --soak           # three days, 200 faults
    python bench/bench_chaos.py --seed 1 --faults kill,obs
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.chaos.faults import KINDS  # noqa: E402
from bench.chaos.harness import PROFILES, SHORT, SOAK, Options, run_chaos  # noqa: E402
from tests.obs.headless import obs_missing_reason  # noqa: E402
from tests.rooms.broker import mosquitto_missing_reason  # noqa: E402


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1, help="the seed (default 1)")
    parser.add_argument("--soak", action="store_true", help="the long soak: three days, 200 faults")
    parser.add_argument("--profile", choices=sorted(PROFILES), help="short (default) or soak")
    parser.add_argument(
        "--faults", default=",".join(KINDS),
        help=f"fault kinds to inject, comma-separated (default all: {','.join(KINDS)})",
    )  # fmt: skip
    parser.add_argument("--count", type=int, help="how many faults (default: the profile's)")
    parser.add_argument("--keep", type=Path, help="keep every file in this folder")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    kinds = [k.strip() for k in args.faults.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        print(f"--faults: unknown {', '.join(unknown) or '(none given)'}; known: "
              f"{', '.join(KINDS)}", file=sys.stderr)  # fmt: skip
        return 2
    for reason in (obs_missing_reason(), mosquitto_missing_reason()):
        if reason is not None:
            print(f"bench_chaos needs the real parts: {reason}", file=sys.stderr)
            return 2
    if "readonly" in kinds and shutil.which("chattr") is None:
        print("the readonly fault needs chattr (e2fsprogs)", file=sys.stderr)
        return 2
    profile = PROFILES[args.profile] if args.profile else (SOAK if args.soak else SHORT)
    options = Options(seed=args.seed, profile=profile, kinds=kinds, faults=args.count,
                      keep=args.keep)  # fmt: skip
    return run_chaos(options).code


if __name__ == "__main__":
    sys.exit(main())
