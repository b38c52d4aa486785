"""'did you mean ...?' for unknown names.

Ordinary names (up to MAX_LENGTH characters, up to MAX_CHOICES choices) get difflib's
get_close_matches unchanged. Beyond that its cost grows with (name length)^2 per choice, and
one typo among 2,000 layers with 3,400-character names took seconds (issue 13 item 11), so the
work is bounded: each name is compared by its first and last KEEP characters (where layer
names differ: prefixes and indices), with difflib's cheap upper bounds (real_quick_ratio from
the lengths, quick_ratio from the letters) first, and ratio() only for the MAX_RATIOS choices
whose bound is highest. difflib (and heapq) are imported by the first suggestion: a run without
a typo does not pay for them.
"""

from __future__ import annotations

from collections.abc import Iterable

CUTOFF = 0.6
MAX_LENGTH = 100  # characters: longer names are compared by their ends
KEEP = 50  # characters kept from each end of a long name
MAX_CHOICES = 2_000  # more choices than this: ratio() for a few of them only
MAX_RATIOS = 200  # ratio() computed for the choices with the highest quick_ratio only


def nearest(name: str, choices: Iterable[str], n: int = 1) -> list[str]:
    """Up to n choices close to name, best first (difflib's similarity, cutoff 0.6)."""
    import difflib

    pool = list(choices)
    if len(name) <= MAX_LENGTH and len(pool) <= MAX_CHOICES and all(len(c) <= MAX_LENGTH for c in pool):
        return difflib.get_close_matches(name, pool, n=n, cutoff=CUTOFF)
    return _bounded(name, pool, n)


def _ends(text: str) -> str:
    return text if len(text) <= 2 * KEEP else text[:KEEP] + text[-KEEP:]


def _bounded(name: str, pool: list[str], n: int) -> list[str]:
    import difflib
    import heapq

    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(_ends(name))
    bounds: list[tuple[float, int, str]] = []  # (quick_ratio, -position, choice)
    for i, choice in enumerate(pool):
        matcher.set_seq1(_ends(choice))
        if matcher.real_quick_ratio() >= CUTOFF:  # from the lengths alone
            bound = matcher.quick_ratio()  # an upper bound of ratio(), linear in the length
            if bound >= CUTOFF:
                bounds.append((bound, -i, choice))
    scored: list[tuple[float, str]] = []
    for _, _, choice in heapq.nlargest(MAX_RATIOS, bounds):  # ratio() is the costly one
        matcher.set_seq1(_ends(choice))
        score = matcher.ratio()
        if score >= CUTOFF:
            scored.append((score, choice))
    return [choice for _, choice in heapq.nlargest(n, scored)]


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    found = nearest(name, choices)
    return f" (did you mean '{found[0]}'?)" if found else ""
