"""The ``negbin`` refit: penalised negative-binomial subset selection (the default method).

Why: the counts of a real tumour scatter around any signature model far more than Poisson
noise allows (the residuals of PCAWG genomes around their published reconstructions have
negative-binomial sizes of 4-16), so a Poisson likelihood-ratio test sees evidence for an extra
signature in what is only overdispersion; over a hundred candidates, with flat signatures that
can stand in for one another, it then calls several signatures that are not there.

What, for one sample with counts x over m channels and k candidate signatures:

1. **Score of a subset A**: the negative-binomial log-likelihood of x around the Poisson
   maximum-likelihood fit of the exposures of A (projected Newton, exact), minus the cost of
   each member: ``score(A) = loglik_NB(x | S_A e_A, theta) - sum_{j in A} cost_j``. This is a
   penalised likelihood (an information criterion): the cost is the evidence, in
   log-likelihood units, a signature must bring.
2. **Costs** (:func:`signature_costs`): ``penalty`` (default 1.5, between AIC's 1 and the
   0.1% likelihood-ratio test's 4.8), plus ``log(k / 6)`` when there are more than 6
   candidates (the log prior odds against any one of k candidates when about six are active:
   the multiple-testing term that keeps a search over all of COSMIC as strict as one over a
   tumour type's dozen), plus, when a prevalence prior is given, ``log((1 - p) / p)`` for a
   signature active in a share p < 1/2 of tumours (p floored at 1%): a rare signature must
   bring more evidence than a common one. The prior is soft: a signature absent from every
   PCAWG tumour can still be called when the counts demand it.
3. **Search** (:func:`sigforge.refit._nbkernel.select`): from the empty set, repeatedly the
   best addition, then the best removal, and when neither helps the best swap of a member for
   a non-member (the move that lets a flat signature that stood in for another give way).
   Candidates for additions and swaps are screened by the exact one-dimensional gain of adding
   each alone; the best few are refitted exactly. The score rises at every move.
4. **Dispersion** ``theta``: estimated from the data, not assumed: starting at 20, the subset
   is chosen, theta is re-estimated by maximum likelihood from the chosen model's residuals,
   and the search repeats (at most three rounds, until theta moves by under 10%), with a last
   search at the final theta. Poisson-like data reach the bound 10,000, where the model is
   practically Poisson.
5. **Exposures** of the chosen subset are its Poisson maximum-likelihood fit: unbiased for the
   mean under any dispersion, and they sum to the sample's total over the channels the
   signatures can produce.

Sources: the negative-binomial model of mutation counts follows Pelizzola, Laursen & Hobolth
(BMC Bioinformatics 2023, negative-binomial NMF of mutational signatures); penalised-likelihood
selection with a prior on model size follows Chen & Chen's extended BIC (2008); MuSiCal (Jin et
al., Nature Genetics 2024) and SigProfilerAssignment (Díaz-Gay et al., Bioinformatics 2023)
motivated the add/remove search. The constants were chosen on the benchmarks in
``benchmarks/refit.py`` (docs/benchmarks.md).

**Cohort prior** (:func:`cohort_prior_costs`, on by default when a catalog holds more than
one sample): how often a signature is active differs between cohorts far more than any table
shipped in advance can know (the PCAWG shares of a tumour type, or all of COSMIC when the cohort
holds one type), and the cohort itself says it. After a first pass over every sample, each
sample's prior share of a signature becomes the share of the *other* samples that chose it,
shrunk towards the base prior (the shipped prevalence, or 1/2 for a signature it lacks) as if
the base prior were :data:`COHORT_PSEUDO_COUNT` further samples: ``(c_other + a p0) / (n - 1 +
a)``. Leaving the sample out keeps its own choice from feeding back into its prior (a catalog of
one sample keeps the base prior exactly). A share above 1/2 lowers the signature's cost by half
its log odds (:data:`COMMON_BONUS`): a signature most of this cohort carries needs less evidence
in one more sample. The shipped table never lowers a cost, because it describes other cohorts.
The shares come from :data:`COHORT_ROUNDS` pass(es) over the cohort; the final fit is one
more. This is an empirical-Bayes estimate of the prior inclusion probabilities (Scott & Berger,
J. Stat. Plan. Inference 2010, on learning the prior odds of inclusion from the data rather
than fixing them); on the synthetic per-tumour-type cohorts of ``benchmarks/refit.py`` it
raised Combined by 0.03-0.06 (SBS96), about 0.02 (DBS78) and 0.003-0.02 (ID83), and it
lowered false calls against all of COSMIC from 0.025 to 0.015 per tumour (docs/benchmarks.md;
the constants: ``benchmarks/refit_constants.py --cohort``). A sample's exposures therefore
depend on the other samples of its catalog; ``RefitOptions(cohort_prior=False)``
(``--no-cohort-prior``) fits every sample on its own.

Bootstrap resamples (:func:`bootstrap_negbin`) are negative-binomial draws around the observed
counts at the sample's dispersion (so intervals widen with overdispersion), estimated for them
by the Cox-Reid adjusted profile likelihood (Cox & Reid 1987; as edgeR does), which unlike
plain maximum likelihood allows for the fitted exposures; each is searched at the search's
theta from the sample's chosen subset, by additions and removals, over a shortlist: the subset,
the best six further candidates and each member's best swap partner, i.e. the signatures a
resample could plausibly choose. That keeps 100 resamples of a sample at a few times the cost
of one full search.
"""

from __future__ import annotations

import math

import numpy as np

from sigforge._types import FloatArray
from sigforge.refit import _nbkernel as kernel
from sigforge.refit._nbfit import nb_full_loglik as _nb_loglik

#: Default base cost (log-likelihood units) of a signature.
DEFAULT_PENALTY = 1.5
#: Number of candidates up to which no multiple-testing term is added.
CANDIDATES_FREE = 6
#: Prevalences are clipped to [PRIOR_FLOOR, 1 - PRIOR_FLOOR] before taking log odds.
PRIOR_FLOOR = 0.01
#: Starting theta, and at most this many rounds of re-estimating it.
THETA_START = 20.0
THETA_ROUNDS = 3
#: Candidates beyond the chosen subset that bootstrap resamples may choose from.
SHORTLIST_EXTRA = 6
#: The cohort prior weighs the base prior as this many further samples.
COHORT_PSEUDO_COUNT = 20.0
#: Passes over the cohort that set the cohort prior (the first at the base prior); the final
#: fit is one more pass. A second round moved Combined by under 0.005 on the synthetic cohorts.
COHORT_ROUNDS = 1
#: Share of the log odds of a signature most of the cohort carries taken off its cost.
COMMON_BONUS = 0.5


def _kernel_input(values: FloatArray) -> np.ndarray:
    """``values`` as the one array type the compiled kernels are built for: C-contiguous,
    writeable float64 (copied only when it is not one already).

    Why: numba compiles a kernel once per argument type, and a read-only array (pandas hands
    out read-only views of its tables) is another type: it cost a second compilation of the
    whole search, about 30 s of CPU, the first time a read-only catalog met the refit.
    """
    return np.require(values, np.float64, ["C", "W"])


def base_cost(k: int, penalty: float = DEFAULT_PENALTY) -> float:
    """The cost of any one of k candidates before a prior: ``penalty`` plus the
    multiple-testing term ``log(k / 6)`` when there are more than 6 (module docstring)."""
    return float(penalty) + math.log(max(1.0, k / CANDIDATES_FREE))


def checked_prevalence(prevalence: FloatArray, k: int) -> FloatArray:
    """``prevalence`` as a float64 array of k shares, refused unless each is in [0, 1] or NaN
    (unknown): a share of tumours outside that range is a mistake (percentages, counts),
    and clipping it to the floor or ceiling would turn it into a confident prior."""
    share = np.asarray(prevalence, dtype=np.float64)
    if share.shape != (k,):
        raise ValueError(f"prevalence: expected one share per candidate signature, shape "
                         f"({k},), got {share.shape}.")
    bad = ~np.isnan(share) & ((share < 0) | (share > 1))
    if bad.any():
        raise ValueError(f"prevalence: expected shares of tumours between 0 and 1 (NaN for "
                         f"unknown), got {share[bad][0]:g} at position {int(np.argmax(bad))}; "
                         "percentages must be divided by 100.")
    return share


def signature_costs(k: int, penalty: float = DEFAULT_PENALTY,
                    prevalence: FloatArray | None = None) -> FloatArray:
    """Cost (log-likelihood units) each of k candidate signatures must be worth.

    Parameters
    ----------
    k : int
        Number of candidates.
    penalty : float
        Base cost of every signature.
    prevalence : ndarray (k,), optional
        Share of tumours in which each signature is active (NaN = unknown: no prior term).
    """
    costs = np.full(k, base_cost(k, penalty))
    if prevalence is not None:
        share = np.clip(checked_prevalence(prevalence, k), PRIOR_FLOOR, 1 - PRIOR_FLOOR)
        odds = np.log((1 - share) / share)
        costs += np.where(np.isnan(share), 0.0, np.maximum(odds, 0.0))
    return costs


def cohort_costs(chosen: np.ndarray, penalty: float = DEFAULT_PENALTY,
                 prevalence: FloatArray | None = None, *,
                 pseudo_count: float = COHORT_PSEUDO_COUNT,
                 bonus: float = COMMON_BONUS) -> FloatArray:
    """Costs (k, n) of each of k signatures for each of n samples under the cohort prior.

    Parameters
    ----------
    chosen : ndarray of bool (k, n)
        Which signatures each sample chose in the previous pass.
    penalty : float
        Base cost of every signature.
    prevalence : ndarray (k,), optional
        The base prior's shares (NaN or missing: 1/2, i.e. no information).
    pseudo_count, bonus : float
        How many samples the base prior weighs (``a`` below), and the share of negative log
        odds taken off a cost (the defaults are the module's constants; other values are
        for benchmarks/refit_constants.py).

    Sample j's share of signature s is ``(c_s - chosen[s, j] + a p0_s) / (n - 1 + a)`` with
    ``c_s`` the samples that chose s; its cost is the base cost plus the log odds against s,
    of which only ``bonus`` counts when they are negative (module docstring).
    """
    k, n = chosen.shape
    base = np.full(k, 0.5) if prevalence is None else checked_prevalence(prevalence, k)
    base = np.clip(np.where(np.isnan(base), 0.5, base), PRIOR_FLOOR, 1 - PRIOR_FLOOR)
    picked = chosen.astype(np.float64)
    others = picked.sum(axis=1, keepdims=True) - picked
    share = (others + pseudo_count * base[:, None]) / (n - 1 + pseudo_count)
    share = np.clip(share, PRIOR_FLOOR, 1 - PRIOR_FLOOR)
    odds = np.log((1 - share) / share)
    odds = np.where(odds > 0, odds, bonus * odds)
    return base_cost(k, penalty) + odds


def cohort_prior_costs(values: FloatArray, signatures: FloatArray, costs: FloatArray,
                       penalty: float = DEFAULT_PENALTY,
                       prevalence: FloatArray | None = None, *, rounds: int = COHORT_ROUNDS,
                       pseudo_count: float = COHORT_PSEUDO_COUNT,
                       bonus: float = COMMON_BONUS
                       ) -> tuple[FloatArray, list[tuple[FloatArray, float, np.ndarray] | None]]:
    """Costs (k, n) of every sample of a catalog (m, n) under the cohort prior, and each
    sample's fit of the last pass (None where there was none).

    The first pass chooses every sample's subset at ``costs`` (the base prior) and sets the
    costs to :func:`cohort_costs` of those choices; each of ``rounds`` - 1 further passes
    chooses again at the costs of the pass before, starting from the sample's previous fit.
    The fits returned are where the final fit at the returned costs starts
    (:func:`negbin_refit` ``start``), which makes it a short search. Samples without counts
    take no part (their costs stay ``costs``); with fewer than two samples with counts the
    costs are ``costs`` for every sample and there are no fits.
    """
    k, n = signatures.shape[1], values.shape[1]
    out = np.repeat(np.asarray(costs, dtype=np.float64)[:, None], n, axis=1)
    fits: list[tuple[FloatArray, float, np.ndarray] | None] = [None] * n
    fitted = np.flatnonzero(values.sum(axis=0) > 0)
    if fitted.size < 2:
        return out, fits
    for _ in range(rounds):
        chosen = np.zeros((k, fitted.size), dtype=np.bool_)
        for column, j in enumerate(fitted):
            fits[j] = negbin_refit(values[:, j], signatures, out[:, j], fits[j])
            chosen[fits[j][2], column] = True
        out[:, fitted] = cohort_costs(chosen, penalty, prevalence, pseudo_count=pseudo_count,
                                      bonus=bonus)
    return out, fits


def negbin_refit(x: FloatArray, signatures: FloatArray, costs: FloatArray,
                 start: tuple[FloatArray, float, np.ndarray] | None = None
                 ) -> tuple[FloatArray, float, np.ndarray]:
    """Exposures (k,), the dispersion theta and the chosen columns of one sample's counts.

    A sample without counts gets zero exposures, theta NaN and no columns. ``start``: an
    earlier result of this function for the same counts (at other costs), from whose subset,
    exposures and theta the search starts instead of from nothing and THETA_START.
    """
    counts = _kernel_input(x)
    basis = _kernel_input(signatures)
    exposure = np.zeros(basis.shape[1])
    if not counts.sum() > 0:
        return exposure, math.nan, np.empty(0, dtype=np.int64)
    allowed = np.ones(basis.shape[1], dtype=np.bool_)
    cost = _kernel_input(costs)
    if start is None:
        idx, weights, theta = kernel.refit_counts(counts, basis, cost, allowed, THETA_START,
                                                  True, THETA_ROUNDS)
    else:
        before, theta0, chosen = start
        idx, weights, theta = kernel.refit_from(counts, basis, cost, allowed, theta0, True,
                                                THETA_ROUNDS, chosen.astype(np.int64),
                                                before[chosen].astype(np.float64))
    exposure[idx] = weights
    return exposure, float(theta), idx


def overdispersed_draws(x: FloatArray, theta: float, count: int,
                        rng: np.random.Generator) -> FloatArray:
    """``count`` resamples (count, m) of counts x with the sample's own overdispersion.

    Each channel's rate is drawn from a gamma distribution with mean x_c and shape theta, then
    the count from a Poisson with that rate: the negative binomial around the observed counts,
    with variance x + x^2 / theta. A multinomial resample has only the Poisson part of that
    variance, so its intervals are too narrow for overdispersed tumours (tests/unit/
    test_negbin.py measures coverage both ways).
    """
    counts = np.asarray(x, dtype=np.float64)
    rates = rng.gamma(theta, counts / theta, size=(count, counts.shape[0]))
    return rng.poisson(rates).astype(np.float64)


def bootstrap_negbin(x: FloatArray, signatures: FloatArray, costs: FloatArray, count: int,
                     rng: np.random.Generator,
                     point: tuple[FloatArray, float, np.ndarray] | None = None) -> FloatArray:
    """Exposures (count, k) of ``count`` overdispersed resamples of one sample.

    Resamples come from :func:`overdispersed_draws` at the sample's Cox-Reid adjusted theta
    (:func:`sigforge.refit._nbfit.adjusted_theta`: the maximum-likelihood theta of the search
    takes the fitted exposures as known and understates the scatter, which made nominal 95%
    intervals cover 92% under overdispersion); each is searched at the sample's own search
    theta, from its chosen subset, over the shortlist of signatures it could plausibly choose
    (module docstring). ``point``: the sample's own :func:`negbin_refit` result, when the
    caller has it already.
    """
    k = signatures.shape[1]
    out = np.zeros((count, k))
    exposure, theta, idx = point if point is not None else negbin_refit(x, signatures, costs)
    if idx.size == 0 or count == 0:
        return out
    basis = _kernel_input(signatures)
    cost = _kernel_input(costs)
    counts = _kernel_input(x)
    spread = kernel.adjusted_theta(counts, basis[:, idx] @ exposure[idx], basis, idx, idx.size)
    draws = overdispersed_draws(x, spread, count, rng)
    short = kernel.shortlist(counts, basis, cost, theta,
                             idx, exposure[idx], SHORTLIST_EXTRA)
    position = {int(j): p for p, j in enumerate(short)}
    start = np.array([position[int(j)] for j in idx], dtype=np.int64)
    fitted = kernel.refit_draws(draws, _kernel_input(basis[:, short]), cost[short],
                                theta, start, exposure[idx].copy(), kernel.LIGHT_EFFORT)
    out[:, short] = fitted
    return out


def penalised_gain(counts: FloatArray, wider: FloatArray, wider_used: int,
                   fitted: FloatArray, fitted_used: int) -> float:
    """How much better one model of a sample's counts (``wider``, expected counts from
    ``wider_used`` signatures) explains them than another (``fitted``, ``fitted_used``), in
    log-likelihood units: negative-binomial log-likelihood minus ``used / 2 * log N`` each
    (BIC; the two sets need not be nested), at the dispersion the wider model leaves.

    Used to tell a fit that misses a process (refitted to a reference set, or a cut of it,
    that lacks what the spectrum holds) from one as good as any: on synthetic PCAWG tumours
    of 50 to 100,000 SNVs refitted to their tumour type's signatures, the gain of a whole-
    COSMIC refit stayed under 14 (sizes 2-10); with the tumour's main process (a third of its
    mutations or more) left out it was 2-6 at 50-300 SNVs and 12-95 from 300 up
    (docs/benchmarks.md, Patient pages)."""
    x = _kernel_input(counts)
    total = float(x.sum())
    if total <= 0:
        return 0.0
    a = np.maximum(_kernel_input(wider), 1e-12)
    b = np.maximum(_kernel_input(fitted), 1e-12)
    theta = float(kernel.estimate_theta(x, a))
    allowance = 0.5 * math.log(total)
    return (_nb_loglik(x, a, theta) - wider_used * allowance) \
        - (_nb_loglik(x, b, theta) - fitted_used * allowance)
