"""`python -m bench`: every benchmark, one after the other."""

import importlib
import sys

for name in ("bench.bench_world", "bench.bench_read", "bench.bench_plan", "bench.bench_cycle", "bench.bench_passwords",
             "bench.bench_plan_manual", "bench.bench_gates", "bench.bench_stop",
             "bench.bench_web"):
    print(f"\n### {name}", flush=True)
    module = importlib.import_module(name)
    sys.argv = [name]
    module.main()
