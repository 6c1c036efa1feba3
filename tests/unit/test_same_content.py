"""``sigforge._same_content``: which input paths hold the same content."""

from __future__ import annotations

import os
from pathlib import Path

from sigforge._same_content import content_identities, path_identity


def test_copies_links_and_spellings_share_an_identity_and_the_rest_do_not(
        tmp_path: Path) -> None:
    first = tmp_path / "a.tsv"
    first.write_text("x\t1\n")
    (tmp_path / "copy.tsv").write_text("x\t1\n")                # same bytes
    (tmp_path / "other.tsv").write_text("x\t2\n")               # same size, other bytes
    (tmp_path / "longer.tsv").write_text("x\t10\n")
    os.link(first, tmp_path / "link.tsv")
    names = [str(first), str(tmp_path / "." / "a.tsv"), str(tmp_path / "link.tsv"),
             str(tmp_path / "copy.tsv"), str(tmp_path / "other.tsv"),
             str(tmp_path / "longer.tsv"), str(tmp_path / "missing.tsv")]
    keys = content_identities(names)
    assert len({keys[name] for name in names[:4]}) == 1
    assert len({keys[name] for name in names[3:]}) == 4
    assert keys[names[-1]] == os.path.normpath(names[-1])
    assert path_identity(names[3]) != path_identity(names[0])


def test_a_named_pipe_of_a_files_size_is_never_read(tmp_path: Path) -> None:
    """A FIFO has size 0, like an empty file: reading it would wait for a writer forever."""
    (tmp_path / "empty.tsv").write_text("")
    os.mkfifo(tmp_path / "pipe.tsv")
    keys = content_identities([str(tmp_path / "empty.tsv"), str(tmp_path / "pipe.tsv")])
    assert keys[str(tmp_path / "empty.tsv")] != keys[str(tmp_path / "pipe.tsv")]
