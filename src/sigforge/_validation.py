"""Input checks shared by the public functions: shapes, finiteness, sign, rank bounds; and
the shim that keeps a renamed keyword argument working."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from sigforge._types import FloatArray

#: Largest cell value accepted: 2**53 - 1, up to which float64 holds every whole number
#: exactly. Beyond it counts would silently change (the text 9007199254740993 reads as 2**53,
#: so 2**53 itself is refused too: it may stand for a rounded larger count) and count
#: resampling overflows.
MAX_CELL = float(2 ** 53 - 1)

#: A name that becomes part of a file name: no folder separators, no leading dot or dash
#: (hidden files, options), no control characters, not '.' or '..'.
PLAIN_NAME = re.compile(r"[A-Za-z0-9_+][A-Za-z0-9._+-]*")
#: Longest plain name: leaves room below 255 bytes for suffixes and temporary-file names.
PLAIN_NAME_MAX = 200


def is_plain_name(name: str) -> bool:
    """Whether ``name`` is safe as a file name inside an output folder: letters, digits and
    ``._+-``, not starting with '.' or '-', at most :data:`PLAIN_NAME_MAX` characters.

    Shared by the command line (names given as options) and the samples sheet (group names
    become folders), so both accept exactly the same names.
    """
    return PLAIN_NAME.fullmatch(name) is not None and len(name) <= PLAIN_NAME_MAX


def plain_name_example(name: str, fallback: str) -> str:
    """A plain name (:func:`is_plain_name`) close to ``name``, for a message's fix: accents
    dropped, every other unusable character an underscore ('Lung SCC' -> 'Lung_SCC', 'Brüst'
    -> 'Brust'), no leading '.', '-', '+' or '_'; ``fallback`` when nothing usable is left
    ('..', '/')."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    example = re.sub(r"[^A-Za-z0-9._+-]+", "_", ascii_name).lstrip("._+-").rstrip("_")
    return example if example.strip("._+-") and is_plain_name(example) else fallback


#: Names of the control characters a user can type or paste by accident, for messages.
_CONTROL_NAMES = {"\t": "a tab", "\n": "a line break", "\r": "a carriage return",
                  "\x00": "a NUL byte"}


def first_control_character(text: str) -> str | None:
    """The first control character (U+0000-U+001F, U+007F) of ``text``, None when it has none.

    Names (samples, features, signatures, catalogs) end up as cells of tab-separated outputs
    and their header lines: a tab there adds a column, a line break a line, and no reader
    (sigforge's own included) gets the table back. Shared by the table readers and the
    command line, so both refuse the same characters.
    """
    found = _CONTROL.search(text)
    return found.group() if found else None


_CONTROL = re.compile("[\x00-\x1f\x7f]")


def describe_character(ch: str) -> str:
    """A control character in words for a message: 'a tab', 'a line break', 'U+0001'."""
    return _CONTROL_NAMES.get(ch, f"the control character U+{ord(ch):04X}")


def quoted(text: str, limit: int = 60) -> str:
    """``text`` in single quotes for a message, its control characters escaped as Python
    writes them (a NUL as \\x00, which a terminal shows as a space or not at all) and cut to
    ``limit`` characters, with the full length, when longer (a 100,000-character cell would
    otherwise fill the screen)."""
    cut = text[:limit]
    if first_control_character(cut) is not None or hidden_character(cut) is not None:
        cut = cut.encode("unicode_escape").decode("ascii")
    more = f"... ({len(text):,} characters)" if len(text) > limit else ""
    return f"'{cut}{more}'"


def refuse_special_arrays(values: object, name: str) -> None:
    """Refuse a masked array (its mask would be dropped by the conversion, so hidden entries
    would be fitted as data) and a scipy.sparse matrix (numpy cannot convert it), each with
    the fix."""
    if isinstance(values, np.ma.MaskedArray):
        raise TypeError(f"{name}: a masked array; its mask would be ignored and the hidden "
                        "entries fitted as data. Pass values.filled(0) with the hidden rows "
                        "or columns left out, or, where the function takes weights, "
                        "weights=(~values.mask) as floats (0 hides an entry).")
    if hasattr(values, "toarray") and hasattr(values, "nnz"):
        raise TypeError(f"{name}: a scipy.sparse {type(values).__name__}; the solvers work on "
                        "dense arrays. Pass values.toarray().")


def check_nonnegative_matrix(values: object, name: str) -> FloatArray:
    """Return ``values`` as a finite, nonnegative 2-D float64 array or raise ValueError
    (complex values too: converted, they would silently lose their imaginary part; a masked
    or sparse matrix: TypeError, :func:`refuse_special_arrays`)."""
    refuse_special_arrays(values, name)
    if np.iscomplexobj(values):
        raise ValueError(f"{name}: expected real numbers, got complex values.")
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D matrix, got {array.ndim} dimension(s) "
                         f"with shape {array.shape}.")
    if not np.isfinite(array).all():
        raise ValueError(f"{name}: expected finite values, got NaN or infinity.")
    if (array < 0).any():
        raise ValueError(f"{name}: expected nonnegative values, got minimum {array.min()}.")
    return array


def check_rank(k: int, n_features: int, n_samples: int) -> None:
    """Raise ValueError unless 1 <= k <= min(n_features, n_samples).

    A factorisation into more components than samples or features is not identifiable: the
    message says which dimension limits the rank, so the user can lower it or add data.
    """
    limit = min(n_features, n_samples)
    if limit == 0:
        raise ValueError(f"the matrix of {n_features} features x {n_samples} samples is "
                         "empty: there is nothing to factorise. Check that the input holds "
                         "the data (rows of features, columns of samples).")
    if not 1 <= k <= limit:
        short = "samples" if n_samples <= n_features else "features"
        raise ValueError(f"rank k={k} is impossible for a matrix of {n_features} features x "
                         f"{n_samples} samples: expected 1 <= k <= {limit} (no more components "
                         f"than {short}). Lower the ranks to at most {limit}, or add "
                         f"{short}.")


def feature_differences(expected: pd.Index, given: pd.Index) -> tuple[list[str], list[str]]:
    """Labels of ``expected`` absent from ``given`` (missing) and of ``given`` absent from
    ``expected`` (extra), each in its table's order."""
    given_set, expected_set = set(given), set(expected)
    return ([str(label) for label in expected if label not in given_set],
            [str(label) for label in given if label not in expected_set])


def _few(labels: list[str], limit: int = 5) -> str:
    """The first few labels and how many there are in all."""
    more = f" and {len(labels) - limit} more" if len(labels) > limit else ""
    return f"{len(labels)}: {labels[:limit]}{more}" if labels else "none"


def check_same_features(catalog: pd.DataFrame, signatures: pd.DataFrame) -> None:
    """Raise ValueError unless both tables have the same feature labels in the same order.

    When the label sets are equal and only the order differs, the message says to align the
    rows by label (``signatures.loc[catalog.index]``); otherwise it names the missing and extra
    labels.
    """
    if catalog.index.equals(signatures.index):
        return
    missing, extra = feature_differences(catalog.index, signatures.index)
    if not missing and not extra and len(catalog.index) == len(signatures.index):
        raise ValueError("catalog and signatures have the same feature labels in a different "
                         "order; align the signatures by label first "
                         "(signatures.loc[catalog.index]).")
    raise ValueError("catalog and signatures have different feature labels "
                     f"({len(catalog.index)} vs {len(signatures.index)} rows; catalog labels "
                     f"missing from signatures, {_few(missing)}; signature labels not in the "
                     f"catalog, {_few(extra)}).")


def lookalike_key(name: str) -> str:
    """``name`` in Unicode NFC without format characters (zero-width spaces and joiners, a
    BOM, soft hyphens) and with every other space (a no-break space) a plain one: two names
    with one key print the same. ASCII names are their key."""
    if name.isascii():
        return name
    return "".join(" " if unicodedata.category(ch) == "Zs" else ch
                   for ch in unicodedata.normalize("NFC", name)
                   if unicodedata.category(ch) != "Cf")


def spelled_alike(name: str, others: Iterable[str]) -> tuple[str, str] | None:
    """The first of ``others`` that is ``name`` spelled otherwise - in another Unicode form,
    with an invisible character or another space (:func:`lookalike_key`), or in another case
    - and how, as 'in another case'; None when none is. For a message that says a name is
    missing while the list it shows seems to hold it."""
    key = lookalike_key(name)
    for other in others:
        if other == name or lookalike_key(other).casefold() != key.casefold():
            continue
        if lookalike_key(other) != key:
            return other, "in another case"
        if unicodedata.normalize("NFC", other) == unicodedata.normalize("NFC", name):
            return other, "in another Unicode form (composed or decomposed accents)"
        return other, "with an invisible character or another kind of space"
    return None


def first_lookalikes(names: list[str]) -> tuple[int, int] | None:
    """Positions of the first two different names that print the same (``'café'`` written
    precomposed and as ``e`` + a combining accent, ``'s1'`` and ``'s1'`` + a zero-width
    space), or None. Such names are distinct keys, so rows or samples that a user sees as one
    would be kept apart, and every output would show two identical-looking names."""
    seen: dict[str, int] = {}
    for position, name in enumerate(names):
        key = lookalike_key(name)
        first = seen.setdefault(key, position)
        if first != position and names[first] != name:
            return first, position
    return None


def lookalike_reason(first: str, second: str) -> str:
    """Why two names of :func:`first_lookalikes` print alike, for a message: 'are the same
    text written in two Unicode forms (...)', or 'differ only by the invisible character
    U+200B (ZERO WIDTH SPACE)'."""
    if unicodedata.normalize("NFC", first) == unicodedata.normalize("NFC", second):
        return (f"are the same text written in two Unicode forms ({ascii(first)} and "
                f"{ascii(second)}: an accented letter composed in one and decomposed into "
                "letter + accent in the other)")
    odd = next((ch for ch in first + second if unicodedata.category(ch) == "Cf"), None)
    if odd is None:  # a space of another kind: U+00A0 where the other has U+0020
        wide = next(ch for ch in first + second if unicodedata.category(ch) == "Zs"
                    and ch != " ")
        return (f"differ only by a space written as U+{ord(wide):04X} "
                f"({unicodedata.name(wide, 'a space')}) where the other has a plain space "
                f"({ascii(first)} and {ascii(second)})")
    return (f"differ only by the invisible character U+{ord(odd):04X} "
            f"({unicodedata.name(odd, 'a format character')}) ({ascii(first)} and "
            f"{ascii(second)})")


def refuse_lookalikes(names: list[str], where: Callable[[int, int], tuple[str, str]],
                      kind: str, fix: str) -> None:
    """Raise InputError for the first two names that print alike (:func:`first_lookalikes`).
    ``where(first, second)`` gives the message's start (file and place) and the two names'
    places; ``kind`` what they name (features, samples) and ``fix`` the last sentence."""
    from sigforge._errors import InputError

    twins = first_lookalikes(names)
    if twins is None:
        return
    first, second = (names[i] for i in twins)
    start, places = where(*twins)
    raise InputError(f"{start} '{first}' and '{second}' ({places}) "
                     f"{lookalike_reason(first, second)}, so every output would show two "
                     f"{kind} of one name. {fix}")


def check_unique_labels(table: pd.DataFrame, name: str) -> None:
    """Refuse a labelled table holding a row or column label twice, or a missing label (None,
    NaN): its rows or columns could not be told apart in any result, and a repeated sample
    name shares one random stream. The table readers refuse the same; a table built in
    Python reaches the library functions without them."""
    for axis, labels in (("row", table.index), ("column", table.columns)):
        if labels.hasnans:
            raise ValueError(f"{name}: a {axis} label is missing (None or NaN); give every "
                             f"{axis} a name.")
        if labels.has_duplicates:
            repeated = labels[labels.duplicated()].unique().tolist()
            raise ValueError(f"{name}: {axis} label(s) {repeated[:5]} appear more than once; "
                             f"give each {axis} a distinct name.")


def not_utf8(value: str) -> bool:
    """Whether ``value`` holds bytes that are not UTF-8 (Python keeps them as lone
    surrogates in a command-line argument or a file name read from a folder)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def undecodable_name(value: str, where: str) -> str:
    """The message for a path or name that is not UTF-8 text, shown as its bytes."""
    shown = repr(value.encode("utf-8", "surrogateescape"))[2:-1]
    return (f"{where} '{shown}': holds bytes that are not UTF-8 text (a name written in "
            "Latin-1 or another legacy encoding); sigforge writes paths and sample names into "
            "UTF-8 tables and pages, where these bytes have no meaning. Rename it to UTF-8 "
            "(e.g. 'convmv -f latin1 -t utf8 --notest NAME'), or give a UTF-8 name.")


#: Unicode categories of characters that print as nothing or as a line break: format
#: characters (zero-width space, BOM, bidirectional marks), controls, line/paragraph breaks.
INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Zl", "Zp"})


def invisible_character(name: str) -> str | None:
    """The first character of ``name`` that prints as nothing or as a line break
    (:data:`INVISIBLE_CATEGORIES`), None when it has none. Shared by the name checks of the
    sample readers and the command line, so both refuse the same characters."""
    return next((ch for ch in name if unicodedata.category(ch) in INVISIBLE_CATEGORIES), None)


def hidden_character(text: str) -> str | None:
    """The first character of ``text`` that a message would show as something else: an
    invisible one (:func:`invisible_character`) or a space other than U+0020 (a no-break
    space, as spreadsheets export, prints as a plain one); None when it has none."""
    return next((ch for ch in text if unicodedata.category(ch) in INVISIBLE_CATEGORIES
                 or (unicodedata.category(ch) == "Zs" and ch != " ")), None)
