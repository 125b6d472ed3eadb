"""`python -m bench`: every benchmark, one after the other."""

import importlib
import sys

for name in ("bench.bench_world", "bench.bench_read", "bench.bench_plan", "bench.bench_cycle"):
    print(f"\n### {name}", flush=True)
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        print(f"skipped: {exc}")
        continue
    sys.argv = [name]
    module.main()
