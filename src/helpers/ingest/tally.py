"""Finding sentences whose figures add up across the chunks of a file read in chunks.

A file too large to hold in memory is validated chunk by chunk (``helpers.ingest.streaming``).
A sentence that counts something ("1,204 lines carry an order id matching '^C'") is made per
chunk; as a :class:`Tally` it carries its figures, so the file's sentence is rendered once from
the figures of every chunk added up. Other sentences are kept once each, in order. Lines of one
file repeating lines of an earlier file are said alike whether a table is read whole or in
chunks (:func:`overlap_sentence`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

__all__ = ["Tally", "merge_notes", "overlap_sentence"]

Figures = Mapping[str, Any]


class Tally(str):
    """A sentence rendered from figures that add up across chunks.

    Parameters
    ----------
    key
        What the sentence counts, and in which file: sentences of equal keys are merged.
    figures
        The figures: numbers add up; numpy arrays are sets of hashed ids (their union is kept);
        keys starting with ``first_`` keep the first chunk's value (an example row).
    render
        Makes the sentence from the figures.
    """

    key: str
    figures: dict[str, Any]
    render: Callable[[Figures], str]

    def __new__(cls, key: str, figures: Figures, render: Callable[[Figures], str]) -> Tally:
        """The sentence ``render(figures)``, carrying its key, figures and renderer."""
        obj = super().__new__(cls, render(figures))
        obj.key, obj.figures, obj.render = key, dict(figures), render
        return obj

    def __reduce__(self) -> tuple[type, tuple[str]]:
        """Copied or pickled as the plain sentence."""
        return (str, (str(self),))


def _add(total: dict[str, Any], figures: Figures) -> None:
    """Add one chunk's figures into the running total."""
    for name, value in figures.items():
        if name not in total:
            total[name] = value
        elif name.startswith("first_"):
            continue
        elif isinstance(value, np.ndarray):
            total[name] = np.union1d(total[name], value)
        else:
            total[name] = total[name] + value


def merge_notes(chunks: Iterable[list[str]]) -> list[str]:
    """The notes of a file from the notes of its chunks.

    Parameters
    ----------
    chunks
        Each chunk's notes, in file order.

    Returns
    -------
    list of str
        Tallies of equal key rendered once from their added figures, at the place of their
        first appearance; every other sentence once, at its first appearance.
    """
    order: list[str] = []
    plain: set[str] = set()
    tallies: dict[str, tuple[Tally, dict[str, Any]]] = {}
    for notes in chunks:
        for note in notes:
            if isinstance(note, Tally):
                if note.key not in tallies:
                    tallies[note.key] = (note, {})
                    order.append(f"\0{note.key}")
                _add(tallies[note.key][1], note.figures)
            elif note not in plain:
                plain.add(note)
                order.append(note)
    out = []
    for item in order:
        if item.startswith("\0"):
            first, figures = tallies[item[1:]]
            out.append(Tally(first.key, figures, first.render))
        else:
            out.append(item)
    return out


def overlap_sentence(count: int, later: str, earlier: str, revenue: float) -> str:
    """The finding on lines of one file that repeat lines of an earlier file.

    Parameters
    ----------
    count
        The repeated lines.
    later, earlier
        The file holding the repeats, the file they repeat.
    revenue
        The repeats' revenue (currency units).

    Returns
    -------
    str
        The sentence, as both a whole read and a read in chunks say it.
    """
    return (
        f"order_lines: {count:,} line{'s' if count != 1 else ''} of {later} "
        f"{'repeat' if count != 1 else 'repeats'} lines of {earlier} (same order, customer, date, "
        "product, quantity and revenue): the exports overlap; flagged is_duplicate (revenue "
        f"{revenue:,.2f})."
    )
