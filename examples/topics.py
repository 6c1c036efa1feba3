"""Topics from a word-count matrix: the full sigforge discovery, rank choice included.

Generated corpus: 160 short documents over a 48-word vocabulary, written from 4 topics (sport,
cooking, space, music; 12 words each, plus light use of every other topic's words). Each document
mixes one or two topics and has about 80 words. The words x documents count matrix goes through
the same bootstrapped discovery as a mutation catalog (`sigforge.discovery.run_discovery`:
Poisson replicates, consensus clustering, rank rule); the topics found are compared with the
planted word distributions by cosine, and each topic's top words are printed.

Run from the repository root (writes docs/examples/topics.png):
    .venv/bin/python examples/topics.py
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from sigforge.discovery.pipeline import NMFOptions, run_discovery
from sigforge.discovery.rank import RankRule
from sigforge.testing import match_cosines

TOPICS = {
    "sport": "goal team match coach player score league referee stadium ball season cup",
    "cooking": "oven salt butter recipe flour garlic simmer pan onion sauce bake pepper",
    "space": "orbit rocket planet launch moon galaxy telescope astronaut comet star nasa probe",
    "music": "guitar chord melody drum album concert singer tempo piano rhythm band lyric",
}


def simulate(documents: int = 160, length: float = 80.0, seed: int = 0
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Word counts (words x documents) and the planted topics (words x 4)."""
    rng = np.random.default_rng(seed)
    vocabulary = [w for words in TOPICS.values() for w in words.split()]
    topics = np.full((len(vocabulary), len(TOPICS)), 0.02)
    for t, words in enumerate(TOPICS.values()):
        for word in words.split():
            topics[vocabulary.index(word), t] = rng.uniform(0.5, 2.0)
    topics /= topics.sum(axis=0)
    mix = np.zeros((len(TOPICS), documents))
    for d in range(documents):
        chosen = rng.choice(len(TOPICS), size=rng.integers(1, 3), replace=False)
        mix[chosen, d] = rng.dirichlet(np.ones(chosen.size))
    counts = rng.poisson(topics @ mix * rng.poisson(length, documents))
    names = [f"doc{d:03d}" for d in range(documents)]
    return (pd.DataFrame(counts, index=pd.Index(vocabulary, name="word"), columns=names),
            pd.DataFrame(topics, index=vocabulary, columns=list(TOPICS)))


def run(documents: int = 160, ranks: tuple[int, ...] = (2, 3, 4, 5, 6), replicates: int = 20,
        seed: int = 0) -> dict[str, object]:
    """Discovery on the corpus: the chosen rank, topic cosines and top words."""
    counts, truth = simulate(documents=documents, seed=seed)
    counts = counts.loc[counts.sum(axis=1) > 0, counts.sum(axis=0) > 0]
    discovery = run_discovery(counts.astype(np.float64), list(ranks), replicates=replicates,
                              chunk_size=replicates, seed=seed, matrix_name="TOPIC",
                              options=NMFOptions(max_iter=2000, min_iter=100, tol=1e-6),
                              rule=RankRule())
    found = discovery.chosen.signatures
    cosines = match_cosines(found.to_numpy(), truth.loc[found.index].to_numpy())
    top = {name: list(found[name].sort_values(ascending=False).index[:6]) for name in found}
    return {"rank": discovery.choice.rank, "reason": discovery.choice.reason,
            "cosines": cosines, "top_words": top, "topics": found}


def main() -> int:
    """Print the rank choice, cosines and top words; draw the topics' top words."""
    from _common import plt, save

    result = run()
    print(f"chosen rank {result['rank']}: {result['reason']}")
    print(f"cosines to the planted topics: {np.round(result['cosines'], 4).tolist()}")
    for name, words in result["top_words"].items():
        print(f"{name}: {', '.join(words)}")
    topics = result["topics"]
    fig, axes = plt.subplots(1, topics.shape[1], figsize=(2.6 * topics.shape[1], 2.8))
    for ax, name in zip(np.atleast_1d(axes), topics.columns, strict=True):
        top = topics[name].sort_values().iloc[-8:]
        ax.barh(list(top.index), top.to_numpy(), color="#3b6ea5")
        ax.set_title(name, fontsize=9)
        ax.tick_params(labelsize=8)
    fig.tight_layout()
    print(f"figure: {save(fig, 'topics')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
