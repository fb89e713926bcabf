"""Kernel-side helpers for warm kernels (imported *inside* a report kernel, never by the package).

A warm kernel runs many notebooks one after another. Before each notebook the runner calls
:func:`reset` in the kernel: it clears the user namespace and history (IPython's
``reset(new_session=True)``), closes every figure, and restores matplotlib's rcParams,
warning filters, pandas options, numpy error handling, working directory, ``sys.path`` and
environment to their values right after the kernel started. It then returns the
:func:`fingerprint` of that state; the runner compares it with the fingerprint taken at
start and restarts the kernel on any difference. Imported modules stay loaded (that is the
point: they are code, not state).

The baseline lives in this module for the lifetime of the kernel process only.
"""
from __future__ import annotations

import hashlib
import os
import sys
import warnings

_BASELINE: dict | None = None


def _state() -> dict:
    import matplotlib
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd

    ip = get_ipython()  # noqa: F821  (defined in a kernel)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rc = {k: repr(v) for k, v in matplotlib.rcParams.items()}
        pd_opts = {k: repr(pd.get_option(k)) for k in sorted(pd._config.config._registered_options)}
    return {
        "user_ns": sorted(ip.user_ns),
        "execution_count": ip.execution_count,
        "history": len(ip.user_ns.get("In", [])),
        "figures": list(plt.get_fignums()),
        "rc": rc,
        "warnings": [repr(f) for f in warnings.filters],
        "pandas": pd_opts,
        "numpy_err": repr(sorted(np.geterr().items())),
        "cwd": os.getcwd(),
        "sys_path": list(sys.path),
        "environ": sorted(os.environ.items()),
        "backend": matplotlib.get_backend(),
    }


def fingerprint() -> str:
    """SHA-256 over the state :func:`reset` restores."""
    return hashlib.sha256(repr(sorted(_state().items())).encode()).hexdigest()


def capture() -> str:
    """Record the clean state (call once, after the warm imports); returns its fingerprint.

    The user namespace is reset first, so the baseline is the state every notebook starts in.
    """
    import matplotlib
    import numpy as np

    get_ipython().reset(new_session=True, aggressive=False)  # noqa: F821
    global _BASELINE
    _BASELINE = {
        "rc": dict(matplotlib.rcParams),
        "warnings": list(warnings.filters),
        "numpy_err": np.geterr(),
        "cwd": os.getcwd(),
        "sys_path": list(sys.path),
        "environ": dict(os.environ),
    }
    return fingerprint()


def reset() -> str:
    """Restore the clean state recorded by :func:`capture`; returns the new fingerprint."""
    import matplotlib
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd

    if _BASELINE is None:
        raise RuntimeError("kernel baseline not captured")
    ip = get_ipython()  # noqa: F821
    ip.reset(new_session=True, aggressive=False)
    plt.close("all")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        matplotlib.rcParams.clear()
        dict.update(matplotlib.rcParams, _BASELINE["rc"])
        pd.reset_option("all")
    warnings.filters[:] = _BASELINE["warnings"]
    warnings._filters_mutated()
    np.seterr(**_BASELINE["numpy_err"])
    os.chdir(_BASELINE["cwd"])
    sys.path[:] = _BASELINE["sys_path"]
    os.environ.clear()
    os.environ.update(_BASELINE["environ"])
    return fingerprint()
