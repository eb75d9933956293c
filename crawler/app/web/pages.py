"""What a cluster page shows, as data: the timeline, why each member is there, each
copy beside the canonical text, and the story's versions in other languages.

``cluster_page(store, id)`` reads one cluster through ``storage.queries`` and
pairs every copy's paragraphs with the canonical's (``crawler.core.compare.align``):
kept, changed, added by the copy, cut from the canonical. Changed paragraphs
are split, word by word, into runs shared with the other side and runs that are
not (``crawler.core.compare.shared_spans``), so the page can mark what the copy
added and what it cut. Nothing here writes HTML; the plugin's templates do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import get_args

from crawler.core.compare import RowKind, align, shared_spans
from storage import Store, queries
from storage.queries import ClusterMember, ClusterSummary, StoryVersion

#: Shortest run of words counted as shared: differences show word by word.
SHARED_MIN_WORDS = 1


@dataclass(frozen=True)
class Run:
    """A stretch of a paragraph, shared word for word with the other side or not."""

    text: str
    shared: bool

    @property
    def parts(self) -> tuple[str, str, str]:
        """(leading space, the words, trailing space): marks go around the words only."""
        words = self.text.strip()
        if not words:
            return self.text, "", ""
        lead = self.text[: len(self.text) - len(self.text.lstrip())]
        return lead, words, self.text[len(lead) + len(words) :]


@dataclass(frozen=True)
class ComparedRow:
    """One row of a comparison: a paragraph of the canonical, of the copy, or of both."""

    #: ``same`` (kept), ``changed`` (kept with edits), ``added`` (only in the copy),
    #: ``cut`` (only in the canonical).
    kind: RowKind
    #: The canonical's paragraph in runs; empty for ``added``.
    canonical: tuple[Run, ...]
    #: The copy's paragraph in runs; empty for ``cut``.
    copy: tuple[Run, ...]
    #: Share of the smaller paragraph's word trigrams found in the other.
    overlap: float
    #: Words the copy added here, and words it cut.
    words_added: int = 0
    words_cut: int = 0


@dataclass(frozen=True)
class Comparison:
    """One copy beside the canonical text, with counts of what it kept, changed, added, cut."""

    member: ClusterMember
    rows: tuple[ComparedRow, ...]
    kept: int
    changed: int
    added: int
    cut: int
    #: Words added and cut over the whole copy, inside kept paragraphs too.
    words_added: int = 0
    words_cut: int = 0


@dataclass(frozen=True)
class OtherLanguage:
    """A version of the cluster's story in another language, to show beside the canonical."""

    version: StoryVersion
    #: Its canonical's paragraphs.
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class ClusterPage:
    """Everything a cluster page shows."""

    cluster: ClusterSummary
    #: The canonical's paragraphs, for the page's first column.
    canonical_paragraphs: tuple[str, ...]
    #: One comparison per copy, in publication order.
    comparisons: tuple[Comparison, ...]
    #: The story's clusters in other languages, earliest first, with the evidence.
    other_languages: tuple[OtherLanguage, ...] = ()


def runs(text: str, spans: Sequence[tuple[int, int]]) -> tuple[Run, ...]:
    """``text`` cut into runs: the character ``spans`` shared, the rest not."""
    out: list[Run] = []
    position = 0
    for start, end in spans:
        if start > position:
            out.append(Run(text[position:start], False))
        out.append(Run(text[start:end], True))
        position = end
    if position < len(text):
        out.append(Run(text[position:], False))
    return tuple(out)


def compare(canonical: Sequence[str], copy: Sequence[str]) -> list[ComparedRow]:
    """The copy's paragraphs beside the canonical's, shared passages marked."""
    rows = []
    for row in align(canonical, copy):
        if row.kind in ("same", "changed"):
            left, right = shared_spans(row.canonical, row.copy, SHARED_MIN_WORDS)
            rows.append(
                ComparedRow(
                    row.kind,
                    runs(row.canonical, left),
                    runs(row.copy, right),
                    row.overlap,
                    row.words_added,
                    row.words_cut,
                )
            )
        else:
            rows.append(
                ComparedRow(
                    row.kind,
                    (Run(row.canonical, False),) if row.canonical else (),
                    (Run(row.copy, False),) if row.copy else (),
                    row.overlap,
                    row.words_added,
                    row.words_cut,
                )
            )
    return rows


def cluster_page(store: Store, cluster_id: int) -> ClusterPage | None:
    """The page of a cluster, found by its id or by the id of any member; None if neither."""
    cluster = queries.get_cluster(store, cluster_id)
    if cluster is None:
        owner = queries.cluster_of_article(store, cluster_id)
        cluster = queries.get_cluster(store, owner) if owner else None
    if cluster is None:
        return None
    bodies = {
        m.article_id: [b.text for b in store.get_article(m.article_id).body]
        for m in cluster.members
    }
    canonical = bodies[cluster.canonical.article_id]
    comparisons = []
    for member in cluster.members:
        if member.is_canonical:
            continue
        rows = compare(canonical, bodies[member.article_id])
        counts = {kind: sum(1 for r in rows if r.kind == kind) for kind in get_args(RowKind)}
        comparisons.append(
            Comparison(
                member=member,
                rows=tuple(rows),
                kept=counts["same"],
                changed=counts["changed"],
                added=counts["added"],
                cut=counts["cut"],
                words_added=sum(r.words_added for r in rows),
                words_cut=sum(r.words_cut for r in rows),
            )
        )
    others = tuple(
        OtherLanguage(v, tuple(b.text for b in store.get_article(v.cluster.cluster_id).body))
        for v in queries.story_versions(store, cluster)
    )
    return ClusterPage(cluster, tuple(canonical), tuple(comparisons), others)
