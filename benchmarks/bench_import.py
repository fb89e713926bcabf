"""`import nebase_analysis` must take under 1 s and must not import great_expectations.

Compares the package import against importing the heavy libraries it defers.
"""
import subprocess
import sys


def timed(code: str, repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", f"import time; t=time.perf_counter(); {code}; print(time.perf_counter()-t)"],
            capture_output=True, text=True, check=True,
        ).stdout
        best = min(best, float(out.strip().splitlines()[-1]))
    return best


if __name__ == "__main__":
    ours = timed("import nebase_analysis, nebase_analysis.config, nebase_analysis.batch")
    heavy = timed("import great_expectations, papermill, matplotlib.pyplot, scipy.stats")
    print(f"import nebase_analysis: {ours:.3f} s (target < 1 s)")
    print(f"import great_expectations+papermill+matplotlib+scipy (deferred): {heavy:.3f} s")
    print(f"ratio: {heavy / ours:.0f}x")
