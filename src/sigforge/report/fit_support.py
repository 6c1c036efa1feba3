"""Whether a patient's fit supports stating any signature as a finding at all.

A bootstrap interval that excludes 0 says a signature is needed *given* the reference set and
the fit. It cannot say whether the fit explains the spectrum: refitted against all of COSMIC,
a spectrum of pure sequencing noise (the same expected share in every channel) is explained
by flat signatures (SBS3, SBS5, SBS40a, SBS98, ...) with tight intervals, and a tumour whose
process is missing from the reference set (or left out by ``--restrict-to``) is explained by
whatever signature is least unlike it. Stated as findings, both would name an aetiology
(homologous-recombination deficiency for SBS3) the sample gives no evidence of. So the page
states no finding, and says why, when:

- **no better than flat**: the fitted spectrum explains the counts no better than a flat
  one, by the multinomial log-likelihood with a BIC-style allowance for the signatures used
  (``sum x log(96 p) <= k/2 log N``). Measured on COSMIC v3.6 refits (negbin, artefacts left
  out): uniform noise of 30-5,000 SNVs is caught in 47 of 48 draws, and single flat signatures
  (SBS3, SBS5, SBS40a) of 30-300 SNVs, and mixtures, never are (their gain is 0.09-0.6 nats per
  SNV against 0.01-0.06 for the allowance);
- **poorer than counting noise**: the reconstruction cosine is below :data:`GOOD_FIT` and
  below what counting alone leaves at this burden (the 1st percentile of the cosines of
  multinomial samples of the sample's size drawn from its own reconstruction), so the residual
  is structure the fitted signatures lack; a low cosine on a few dozen SNVs, which counting
  noise explains, is not flagged;
- **a process missing**: a wider reference set (the COSMIC set the cohort's or the
  patient's signatures were decomposed into, or the whole shipped set behind a
  ``--restrict-to``) explains the counts decisively better (:func:`sigforge.refit.
  penalised_gain` of at least :data:`MISSING_PROCESS_GAIN` log-likelihood units, a Bayes
  factor above a million) while the fit's cosine is below :data:`CLOSE_FIT`. At high burdens
  the cosine of such a fit can stay above what overdispersed counting noise leaves (a
  2,121-SNV tumour of SBS1, SBS4 and SBS7a refitted to SBS1 and SBS3 alone: cosine 0.84,
  where the counting check's line is 0.77), so the previous check lets it through;
- **mostly outside the set**: that wider set gives at least half of the sample to
  signatures the fitted set lacks, with the same decisive gain, at any cosine (a sample of
  the possible sequencing artefact SBS56, left out by default, refits as SBS10d at cosine
  0.98). Without ``--include-artefacts`` the wider set of a shipped reference is the whole
  set with its artefacts;
- **one channel**: all the SNVs fall in one channel (a sample of one SNV, or five C>T at one
  trinucleotide): one channel cannot tell signatures apart, and every multinomial resample of
  such a sample is the sample itself, so the likelihood, NNLS and cosine refits' intervals
  had zero width and stated a finding (an aetiology) from one SNV;
- there are no bootstrap intervals, or too few resamples for their level (the refit's own
  evidence is missing).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from sigforge.report.patient_rows import GOOD_FIT, snvs

#: Multinomial samples drawn to tell what cosine counting noise alone leaves at a burden;
#: drawn with a fixed seed, so that a page is the same bits every time it is written.
NOISE_DRAWS = 200
NOISE_SEED = 20261205
#: Negative-binomial size of that noise: the most overdispersed of real genomes around their
#: published PCAWG reconstructions (sizes 4-16; benchmarks/refit_cohorts.real_dispersion).
NOISE_SIZE = 4.0


#: Penalised log-likelihood by which a wider reference set must beat the fit to show a missing
#: process, and the cosine below which that is checked (a close fit states its findings).
MISSING_PROCESS_GAIN = 15.0
CLOSE_FIT = 0.95
#: Share of a wider refit given to signatures the fitted set lacks from which, with the same
#: decisive gain, the fit states no finding at any cosine (:func:`mostly_outside`).
OUTSIDE_SHARE = 0.5


class WiderFit(NamedTuple):
    """A refit of the same counts to a wider reference set: its expected counts, how many
    signatures it used, the set's name, and its largest signatures the fit's set lacks."""

    reconstructed: npt.NDArray[np.float64]
    used: int
    label: str
    lacking: tuple[str, ...] = ()
    outside_share: float = 0.0  # of the wider refit's exposure total, in ``lacking``


class Support(NamedTuple):
    """Why the page states no finding: a short reason for the Reading, the warning shown
    above it, and the tooltip of every exposure's 'uncertain' badge."""

    reason: str
    warning: str
    title: str


def flat_gain(observed: npt.NDArray[np.float64], reconstructed: npt.NDArray[np.float64]
              ) -> float:
    """Log-likelihood of the counts under the reconstructed spectrum minus that under a flat
    one (every channel alike), multinomial; -inf when the reconstruction gives a channel that
    holds mutations no probability."""
    counts = np.asarray(observed, dtype=np.float64)
    spectrum = np.asarray(reconstructed, dtype=np.float64)
    held = counts > 0
    if spectrum.sum() <= 0 or (spectrum[held] <= 0).any():
        return float("-inf")
    shares = spectrum / spectrum.sum()
    return float(np.sum(counts[held] * np.log(shares[held] * counts.size)))


def no_better_than_flat(observed: npt.NDArray[np.float64],
                        reconstructed: npt.NDArray[np.float64], used: int) -> bool:
    """Whether the fit explains the counts no better than a flat spectrum, allowing the
    ``used`` signatures ``used / 2 * log N`` of log-likelihood (BIC) for what they were fitted
    to."""
    burden = float(np.sum(observed))
    if burden <= 0 or used <= 0:
        return False
    return flat_gain(observed, reconstructed) <= used / 2 * np.log(burden)


def counting_cosines(reconstructed: npt.NDArray[np.float64], burden: int) -> np.ndarray:
    """Cosines between the reconstruction and :data:`NOISE_DRAWS` spectra of ``burden``
    mutations drawn around it with the overdispersion of real genomes (negative binomial of
    size :data:`NOISE_SIZE` per channel): what counting noise alone leaves of a right fit."""
    mean = np.asarray(reconstructed, dtype=np.float64)
    mean = mean / mean.sum() * burden
    rng = np.random.default_rng(NOISE_SEED)
    draws = rng.poisson(rng.gamma(NOISE_SIZE, np.maximum(mean, 1e-12) / NOISE_SIZE,
                                  size=(NOISE_DRAWS, mean.size)))
    norms = np.linalg.norm(draws, axis=1) * np.linalg.norm(mean)
    return draws @ mean / np.where(norms > 0, norms, 1.0)


def poorer_than_counting(observed: npt.NDArray[np.float64],
                         reconstructed: npt.NDArray[np.float64], cosine: float) -> bool:
    """Whether a loose fit (cosine below :data:`GOOD_FIT`) is looser than counting noise at
    this burden explains: below the 1st percentile of :func:`counting_cosines`."""
    burden = int(round(float(np.sum(observed))))
    if not np.isfinite(cosine) or cosine >= GOOD_FIT or burden <= 0 \
            or float(np.sum(reconstructed)) <= 0:
        return False
    return bool(cosine < np.percentile(counting_cosines(reconstructed, burden), 1))


def fit_support(observed: npt.NDArray[np.float64], reconstructed: npt.NDArray[np.float64],
                cosine: float, used: int, restricted: bool = False,
                wider: WiderFit | None = None, channels: Sequence[str] | None = None
                ) -> Support | None:
    """None when the fit may state findings; else why it may not (:class:`Support`).
    ``restricted``: the reference set was cut by --restrict-to (named as a possible cause);
    ``wider``: a refit of the counts to a wider reference set, if there is one;
    ``channels``: the catalog's channel labels, to name them."""
    missing = ("a process missing from the reference set (or left out by --restrict-to)"
               if restricted else "a process missing from the reference set")
    burden = int(round(float(np.sum(observed))))
    if used and np.count_nonzero(observed) == 1:
        return Support(
            "its SNVs all fall in one channel",
            f"This sample's {snvs(burden)} all fall in one channel "
            f"({_one_channel(observed, channels)}). One channel cannot tell signatures "
            "apart (many produce it), and resampling such a sample gives the sample itself, "
            "so its bootstrap intervals show no uncertainty they should have. Every exposure "
            "is therefore marked uncertain, none is stated as a finding, and no aetiology "
            "applies to this sample.",
            "This sample's SNVs all fall in one channel: no exposure is established (see the "
            "caution above).")
    if no_better_than_flat(observed, reconstructed, used):
        return Support(
            "the fitted signatures explain its spectrum no better than a flat one",
            f"The fitted signatures explain this sample's {burden:,} SNVs no better than a "
            "flat spectrum (the same share in every channel) does. Such a spectrum is what "
            f"sequencing noise or artefacts give, or {missing}; flat signatures (SBS3, "
            "SBS5, SBS40a, ...) fit it whatever its cause. Every exposure is therefore marked "
            "uncertain, none is stated as a finding, and no aetiology applies to this sample.",
            "The fitted signatures explain this spectrum no better than a flat one: no "
            "exposure is established (see the caution above).")
    if poorer_than_counting(observed, reconstructed, cosine):
        return Support(
            f"the fitted signatures explain its spectrum poorly, with cosine {cosine:.2f}",
            f"The fitted signatures reconstruct this sample's {burden:,} SNVs with cosine "
            f"{cosine:.2f}, well below what counting noise leaves at this burden: part of the "
            f"spectrum has a shape no fitted signature has ({missing}, or artefacts). The "
            "exposures below are the closest the reference set comes, not evidence of their "
            "processes: every one is marked uncertain and none is stated as a finding.",
            "The fitted signatures explain this spectrum poorly: no exposure is established "
            "(see the caution above).")
    gain = misses_a_process(observed, reconstructed, cosine, used, wider)
    if gain is not None and wider is not None:
        return _missing_support(cosine, wider, burden, gain, missing)
    gain = mostly_outside(observed, reconstructed, used, wider)
    if gain is not None and wider is not None:
        return _outside_support(cosine, wider, burden, gain)
    return None


def mostly_outside(observed: npt.NDArray[np.float64], reconstructed: npt.NDArray[np.float64],
                   used: int, wider: WiderFit | None) -> float | None:
    """The penalised gain of ``wider`` over the fit when the wider set gives at least
    :data:`OUTSIDE_SHARE` of the sample to signatures the fitted set lacks and explains it
    decisively better, at any cosine: a sample of SBS56 (a possible sequencing artefact, left
    out by default) refitted without it came out as SBS10d at cosine 0.98, above the
    :func:`misses_a_process` line; None otherwise."""
    from sigforge.refit import penalised_gain

    if wider is None or not wider.lacking or wider.outside_share < OUTSIDE_SHARE \
            or float(np.sum(observed)) <= 0 or float(np.sum(wider.reconstructed)) <= 0:
        return None
    gain = penalised_gain(observed, wider.reconstructed, wider.used, reconstructed, used)
    return gain if gain >= MISSING_PROCESS_GAIN else None


def _outside_support(cosine: float, wider: WiderFit, burden: int, gain: float) -> Support:
    """The warning for a sample that a wider set explains mostly with signatures the fitted
    set lacks."""
    names = ", ".join(wider.lacking[:3])
    return Support(
        f"a refit to {wider.label} gives most of it ({wider.outside_share:.0%}) to "
        f"{names}, which the fitted set lacks",
        f"A refit to {wider.label} gives {wider.outside_share:.0%} of this sample's "
        f"{burden:,} SNVs to {names}, which the fitted signatures lack, and explains them "
        f"decisively better (by {gain:.0f} log-likelihood units after allowing for the "
        f"signatures each uses) than the fit shown, whose cosine of {cosine:.2f} comes from "
        "signatures standing in for them. The exposures below are not evidence of their "
        "processes: every one is marked uncertain and none is stated as a finding. Where "
        "those signatures are possible sequencing artefacts, check the sample's sequencing "
        "and library preparation, or refit with --include-artefacts to see them.",
        "A wider reference set explains this spectrum mostly with signatures the fitted set "
        "lacks: no exposure is established (see the caution above).")


def _one_channel(observed: npt.NDArray[np.float64], channels: Sequence[str] | None) -> str:
    """The label of the one channel holding counts (its 1-based number without labels)."""
    index = int(np.flatnonzero(observed)[0])
    return str(channels[index]) if channels is not None else f"channel {index + 1}"


def misses_a_process(observed: npt.NDArray[np.float64],
                     reconstructed: npt.NDArray[np.float64], cosine: float, used: int,
                     wider: WiderFit | None) -> float | None:
    """The penalised gain by which ``wider`` explains the counts better than the fit, when it
    shows a process the fit's set lacks (see the module docstring); None otherwise."""
    from sigforge.refit import penalised_gain

    if wider is None or not np.isfinite(cosine) or cosine >= CLOSE_FIT \
            or float(np.sum(observed)) <= 0 or float(np.sum(wider.reconstructed)) <= 0:
        return None
    gain = penalised_gain(observed, wider.reconstructed, wider.used, reconstructed, used)
    return gain if gain >= MISSING_PROCESS_GAIN else None


def _missing_support(cosine: float, wider: WiderFit, burden: int, gain: float,
                     missing: str) -> Support:
    """The warning for a fit that a wider reference set shows to lack a process."""
    named = (f"; its largest signatures outside the fitted set: {', '.join(wider.lacking[:3])}"
             if wider.lacking else "")
    return Support(
        f"a wider reference set explains its spectrum far better than the fitted signatures, "
        f"whose reconstruction has cosine {cosine:.2f}",
        f"The fitted signatures reconstruct this sample's {burden:,} SNVs with cosine "
        f"{cosine:.2f}, and a refit to {wider.label} explains them decisively better "
        f"(by {gain:.0f} log-likelihood units after allowing for the signatures each "
        f"uses{named}): the spectrum holds {missing}. The exposures below are the closest "
        "the fitted set comes, not evidence of their processes: every one is marked uncertain "
        "and none is stated as a finding.",
        "A wider reference set explains this spectrum far better: no exposure is established "
        "(see the caution above).")


def no_intervals_support() -> Support:
    """The warning for a page without bootstrap intervals (--bootstrap 0): the refit's own
    evidence that an exposure exceeds 0 is missing."""
    return Support(
        "no bootstrap intervals were computed",
        "No bootstrap intervals were computed for this refit (--bootstrap 0, or the "
        "workflow's refit.bootstrap: 0), so no exposure can be shown to exceed 0: every one "
        "is marked uncertain and none is stated as a finding. Rerun the refit with 100 "
        "resamples (the default) to establish them.",
        "No bootstrap interval was computed: no exposure is established (see the caution "
        "above).")


def non_selecting_support() -> Support:
    """The warning for a page refitted by plain NNLS: it gives every signature some weight,
    and its resamples' intervals exclude 0 for signatures no process made (a sample of pure
    SBS5 stated SBS16 and SBS32; PCAWG-like tumours six unplanted signatures each)."""
    return Support(
        "the refit method (nnls) does not select signatures",
        "This sample was refitted by plain NNLS (--method nnls), which gives every signature "
        "of the set some weight: its resamples' intervals exclude 0 for signatures no "
        "process in the sample made, so they cannot show which signatures are present. "
        "Every exposure is therefore marked uncertain and none is stated as a finding. Refit "
        "with the default method (negbin), which selects the signatures the counts need, to "
        "establish them.",
        "Plain NNLS selects no signatures: no exposure is established (see the caution "
        "above).")
