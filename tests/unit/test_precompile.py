"""The install-time compilation of the numba kernels (sigforge.precompile) covers every kernel
the library calls from Python, and each is compiled for one argument type only, whatever the
caller hands in (pandas' read-only views, writeable arrays): a second type would mean a second
compilation, tens of seconds, in the middle of a user's first run."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = r"""
import json
import numpy as np
import pandas as pd
from numba.core.registry import CPUDispatcher
from sigforge import precompile
from sigforge.nmf import _kernels
from sigforge.refit import RefitOptions, _nbfit, _nbkernel, refit_catalog
from sigforge.refit.negbin import bootstrap_negbin, negbin_refit, penalised_gain, signature_costs

def counts():
    return {f"{m.__name__}.{name}": len(f.signatures)
            for m in (_kernels, _nbfit, _nbkernel) for name, f in vars(m).items()
            if isinstance(f, CPUDispatcher) and f.signatures}

precompile.main()
after_precompile = counts()
rng = np.random.default_rng(7)
signatures = rng.dirichlet(np.ones(30), 5).T
catalog = rng.poisson(signatures @ rng.gamma(1.0, 300.0, (5, 6))).astype(np.float64)
frame = pd.DataFrame(catalog)
assert not frame.to_numpy().flags.writeable  # pandas hands out read-only views
refit_catalog(frame, pd.DataFrame(signatures), RefitOptions(bootstrap=4))
frozen_x, frozen_s = catalog[:, 0].copy(), signatures.copy()
frozen_x.flags.writeable = frozen_s.flags.writeable = False
costs = signature_costs(5)
for x, s in ((catalog[:, 1].copy(), signatures.copy()), (frozen_x, frozen_s)):
    point = negbin_refit(x, s, costs)
    bootstrap_negbin(x, s, costs, 4, np.random.default_rng(0), point)
    negbin_refit(x, s, costs + 1.0, point)
    penalised_gain(x, s @ point[0], 5, s[:, :1] @ point[0][:1], 1)
print(json.dumps({"precompile": after_precompile, "after": counts()}))
"""


def test_precompile_covers_every_kernel_entry_and_each_compiles_once() -> None:
    run = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    seen = json.loads(run.stdout.splitlines()[-1])
    entries = {"sigforge.nmf._kernels.kl_mu_batch", "sigforge.refit._nbkernel.refit_counts",
               "sigforge.refit._nbkernel.refit_from", "sigforge.refit._nbkernel.refit_draws",
               "sigforge.refit._nbkernel.shortlist", "sigforge.refit._nbkernel.adjusted_theta",
               "sigforge.refit._nbkernel.estimate_theta",
               "sigforge.refit._nbfit.nb_full_loglik"}
    assert entries <= set(seen["precompile"]), sorted(entries - set(seen["precompile"]))
    assert set(seen["after"]) == set(seen["precompile"])  # nothing the install left out
    assert all(count == 1 for count in seen["after"].values()), seen["after"]
