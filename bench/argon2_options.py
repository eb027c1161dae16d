"""OWASP's five equivalent Argon2id settings, and Django's default, timed on this machine.

    .venv/bin/python bench/argon2_options.py [--rounds 15] [--threads 2]

OWASP's Password Storage Cheat Sheet lists five Argon2id settings of equal strength (m=47104 t=1,
m=19456 t=2, m=12288 t=3, m=9216 t=4, m=7168 t=5, all p=1). Each is timed verifying a password
through argon2-cffi, the options taking turns round after round; with --threads N, N threads
verify at once (a loaded server: several logins per core), and the figure is the CPU time per
verification. accounts/hashers.py uses the fastest.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from importlib.metadata import version

import argon2

OPTIONS = [  # (memory KiB, passes, lanes)
    (47104, 1, 1),
    (19456, 2, 1),
    (12288, 3, 1),
    (9216, 4, 1),
    (7168, 5, 1),
    (102400, 2, 8),  # Django's default
]
PASSWORD = "Bench-Login-2025!"


def one_round(hasher: argon2.PasswordHasher, encoded: str, threads: int, per_thread: int) -> tuple:
    """Wall time per verification and CPU time per verification (this process, every thread)."""

    def work() -> None:
        for _ in range(per_thread):
            hasher.verify(encoded, PASSWORD)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    wall, cpu = time.perf_counter(), time.process_time()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    n = threads * per_thread
    return (time.perf_counter() - wall) / n, (time.process_time() - cpu) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--threads", type=int, default=2, help="verifications at once")
    parser.add_argument("--per-thread", type=int, default=2)
    args = parser.parse_args()
    hashers = {opt: argon2.PasswordHasher(memory_cost=opt[0], time_cost=opt[1], parallelism=opt[2])
               for opt in OPTIONS}  # fmt: skip
    encoded = {opt: hasher.hash(PASSWORD) for opt, hasher in hashers.items()}
    walls: dict[tuple, list[float]] = {opt: [] for opt in OPTIONS}
    cpus: dict[tuple, list[float]] = {opt: [] for opt in OPTIONS}
    for _ in range(args.rounds):
        for opt in OPTIONS:
            wall, cpu = one_round(hashers[opt], encoded[opt], args.threads, args.per_thread)
            walls[opt].append(wall)
            cpus[opt].append(cpu)
    print(
        f"Argon2id, {args.rounds} rounds taking turns, {args.threads} verifications at once; "
        f"medians per verification (argon2-cffi {version('argon2-cffi')})"
    )
    print(f"{'m (KiB)':>8} {'t':>2} {'p':>2} {'wall ms':>8} {'CPU ms':>7} {'× fastest CPU':>14}")
    best = min(statistics.median(cpus[opt]) for opt in OPTIONS)
    for opt in OPTIONS:
        cpu = statistics.median(cpus[opt])
        print(
            f"{opt[0]:>8} {opt[1]:>2} {opt[2]:>2} {statistics.median(walls[opt]) * 1000:>8.1f} "
            f"{cpu * 1000:>7.1f} {cpu / best:>13.2f}×"
        )


if __name__ == "__main__":
    main()
