"""The same M/M/1 queue as `cargo bench --bench engine`, in SimPy and Ciw.

Run `cargo bench --bench engine` first: this script reads criterion's estimates for the
hand-written Rust loop and for faultsim from target/criterion, runs each Python peer in a
fresh process (so its peak memory is its own), and prints customers per second and every
ratio against the hand-written loop, the yardstick of issue [perf].

    python3 -m venv /tmp/peers && /tmp/peers/bin/pip install -r benches/peers/requirements.txt
    cargo bench --bench engine
    /tmp/peers/bin/python benches/peers/mm1.py            # 100,000 customers each
    /tmp/peers/bin/python benches/peers/mm1.py --customers 1000000

The queue: Poisson arrivals at 50/s, exponential service at 100/s, one server, FIFO, so the
mean time in the system is 1/(100 - 50) = 20 ms; each peer prints its mean as a check that it
simulated the same system.
"""

import argparse
import json
import pathlib
import resource
import subprocess
import sys
import time

LAMBDA, MU = 50.0, 100.0
BENCH_CUSTOMERS = 100_000  # what benches/engine.rs times


def simpy_mm1(customers, seed):
    import random

    import simpy

    rng = random.Random(seed)
    env = simpy.Environment()
    server = simpy.Resource(env, capacity=1)
    sojourns = []

    def customer(env):
        arrived = env.now
        with server.request() as req:
            yield req
            yield env.timeout(rng.expovariate(MU))
        sojourns.append(env.now - arrived)

    def source(env):
        for _ in range(customers):
            yield env.timeout(rng.expovariate(LAMBDA))
            env.process(customer(env))

    env.process(source(env))
    env.run()
    return sojourns


def ciw_mm1(customers, seed):
    import ciw

    ciw.seed(seed)
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=LAMBDA)],
        service_distributions=[ciw.dists.Exponential(rate=MU)],
        number_of_servers=[1],
    )
    sim = ciw.Simulation(network)
    # Ciw stops on simulated time, not on a customer count: run long enough for about
    # `customers` arrivals.
    sim.simulate_until_max_time(customers / LAMBDA)
    return [r.exit_date - r.arrival_date for r in sim.get_all_records()]


def run_peer(name, customers, seed):
    """Runs one peer in this process and prints one JSON line (called in a child)."""
    peer = {"simpy": simpy_mm1, "ciw": ciw_mm1}[name]
    start = time.perf_counter()
    sojourns = peer(customers, seed)
    seconds = time.perf_counter() - start
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({
        "peer": name,
        "customers": len(sojourns),
        "seconds": seconds,
        "mean_sojourn_ms": 1000.0 * sum(sojourns) / max(1, len(sojourns)),
        "peak_rss_mib": rss_kib / 1024.0,
    }))


def criterion_seconds(root, bench):
    """Criterion's median estimate for one benchmark of the `engine` group, in seconds."""
    path = root / "target" / "criterion" / "engine" / bench / "new" / "estimates.json"
    if not path.exists():
        return None
    return json.loads(path.read_text())["median"]["point_estimate"] / 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=BENCH_CUSTOMERS)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--peer", choices=["simpy", "ciw"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peer:
        run_peer(args.peer, args.customers, args.seed)
        return

    root = pathlib.Path(__file__).resolve().parents[2]
    rows = []
    hand = criterion_seconds(root, "mm1_100k_customers_handwritten")
    engine = criterion_seconds(root, "mm1_100k_customers")
    if hand is None or engine is None:
        sys.exit("no criterion estimates under target/criterion/engine: run `cargo bench --bench engine` first")
    rows.append(("hand-written Rust loop (criterion)", BENCH_CUSTOMERS / hand, None, None))
    rows.append(("faultsim engine (criterion)", BENCH_CUSTOMERS / engine, None, None))
    for name in ["simpy", "ciw"]:
        out = subprocess.run(
            [sys.executable, __file__, "--peer", name, "--customers", str(args.customers), "--seed", str(args.seed)],
            check=True, capture_output=True, text=True,
        ).stdout
        r = json.loads(out)
        rows.append((f"{name} ({r['customers']:,} customers)", r["customers"] / r["seconds"], r["mean_sojourn_ms"],
                     r["peak_rss_mib"]))

    yardstick = rows[0][1]
    print(f"M/M/1, λ = {LAMBDA:g}/s, μ = {MU:g}/s (theory: mean sojourn 20 ms)")
    print(f"{'what':<40} {'customers/s':>14} {'× hand-written':>15} {'mean sojourn':>13} {'peak RSS':>10}")
    for what, rate, mean, rss in rows:
        mean_s = "" if mean is None else f"{mean:.2f} ms"
        rss_s = "" if rss is None else f"{rss:.0f} MiB"
        print(f"{what:<40} {rate:>14,.0f} {rate / yardstick:>15.4f} {mean_s:>13} {rss_s:>10}")


if __name__ == "__main__":
    main()
