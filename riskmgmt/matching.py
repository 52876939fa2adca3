"""Screening matcher: organisation names against the entries of the current list releases.

Design for volume (a 10,000-entry list, a 50,000-name registry):

* each entry's names and aliases are normalised once, at import, into comparison keys
  (:func:`portal.names.name_keys`: width, case, punctuation, legal forms; kana romanised) and
  stored on the entry;
* an in-process :class:`Index` per set of current releases maps compact keys to variants (exact
  hits are a dict lookup) and *blocks* by rare tokens — Latin words, their 4-letter prefixes and
  CJK character bigrams — so a query is only scored against the few variants that share a
  rare token;
* candidates are scored with rapidfuzz (``process.extract`` with ``token_sort_ratio`` on the
  spaced key and ``ratio`` on the compact key); the best score per entry wins.

Every match carries its score and a sentence saying why it matched.

For an incremental re-screening (:func:`match_changes`), :meth:`Index.restricted` gives a view
of an index that only returns some entries but blocks with the token frequencies of the whole
index, so that a name meets a listed entry through the restricted view exactly when it meets it
through the whole index; :meth:`Index.blocks_like` tells whether the previous release's index
blocked a name the same way. :func:`matcher_version` identifies the normalisation and scoring
code, so that a re-screening built on an earlier run can tell whether that run compared names
the same way.
"""

from __future__ import annotations

import copy
import hashlib
import re
import threading
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _
from rapidfuzz import fuzz, process

from portal import names as _names
from portal.names import has_kana, name_keys

DEFAULT_THRESHOLD = 88.0
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]+")
_LATIN = re.compile(r"[a-z0-9]+")


def entry_keys(names: list[str]) -> list[list[str]]:
    """``[[original, key], ...]`` for an entry's names (stored on ScreeningEntry.keys)."""
    out, seen = [], set()
    for original in names:
        for key in name_keys(original):
            if key and key not in seen:
                seen.add(key)
                out.append([original, key])
    return out


def tokens(key: str) -> set[str]:
    result = set()
    for word in _LATIN.findall(key):
        if len(word) >= 2:
            result.add(word)
        if len(word) >= 5:
            result.add("p:" + word[:4])
    for run in _CJK.findall(key):
        if len(run) == 1:
            result.add(run)
        result.update(run[i:i + 2] for i in range(len(run) - 1))
    return result


def kind_label(kind: str) -> str:
    """The translated label of a list kind (riskmgmt.models.ListKind); "" if unknown."""
    from riskmgmt.models import ListKind

    return str(ListKind(kind).label) if kind in ListKind.values else ""


def list_label(list_name: str, kind: str) -> str:
    """A list's name with its kind, as hits and flags say it: "METI End User List (Export
    control)"."""
    label = kind_label(kind)
    return f"{list_name} ({label})" if label else list_name


@dataclass(frozen=True)
class Match:
    entry_id: int
    entry_key: str
    fingerprint: str
    release_id: int
    list_name: str
    entry_name: str
    matched_name: str
    query_name: str
    score: float
    explanation: str
    query_key: str = ""
    matched_key: str = ""
    list_kind: str = ""  # riskmgmt.models.ListKind
    # The arguments of :func:`explain`, stored on the hit (ScreeningHit.explanation_params)
    # so that the explanation reads in the reader's language.
    explanation_params: dict = field(default_factory=dict)

    @property
    def kind_label(self) -> str:
        return kind_label(self.list_kind)

    @property
    def list_label(self) -> str:
        return list_label(self.list_name, self.list_kind)

    def as_dict(self) -> dict:
        return {
            "list": self.list_name, "kind": self.list_kind, "kind_label": self.kind_label,
            "entry": self.entry_name, "matched_name": self.matched_name,
            "query": self.query_name, "score": round(self.score, 1),
            "explanation": self.explanation, "entry_key": self.entry_key,
            "query_key": self.query_key, "matched_key": self.matched_key,
        }

    def key_details(self) -> dict:
        """Stored on ScreeningHit.match_keys: which key matched which, and the normalisation
        steps each side went through (codes of portal.names.STEP_*)."""
        return {"query": self.query_name, "query_key": self.query_key,
                "query_steps": _names.key_steps(self.query_name),
                "matched": self.matched_name, "matched_key": self.matched_key,
                "matched_steps": _names.key_steps(self.matched_name), "score": self.score}


class Index:
    def __init__(self, rows):
        """``rows``: iterables of (entry_id, entry_key, fingerprint, release_id, list_name,
        entry_name, keys[, list_kind]) with ``keys`` as stored by :func:`entry_keys`.

        The comparison keys are worked out again from the stored names (the originals in
        ``keys``) with today's normalisation: keys stored by an earlier version of
        ``portal/names.py`` or of the libraries it uses would no longer meet the keys of the
        names screened now (a cache hit for names already seen; ≈ 12 µs a name otherwise)."""
        self.entries = []
        self.kinds: list[str] = []
        self.var_entry: list[int] = []
        self.var_original: list[str] = []
        self.var_key: list[str] = []
        self.var_compact: list[str] = []
        exact: dict[str, list[int]] = defaultdict(list)
        postings: dict[str, list[int]] = defaultdict(list)
        for row in rows:
            entry_idx = len(self.entries)
            self.entries.append(row[:6])
            self.kinds.append(row[7] if len(row) > 7 else "")
            for original, key in entry_keys(list(dict.fromkeys(o for o, _k in row[6]))):
                vid = len(self.var_key)
                self.var_entry.append(entry_idx)
                self.var_original.append(original)
                self.var_key.append(key)
                compact_key = key.replace(" ", "")
                self.var_compact.append(compact_key)
                exact[compact_key].append(vid)
                for tok in tokens(key):
                    postings[tok].append(vid)
        self.exact = dict(exact)
        self.max_df = max(40, len(self.var_key) // 100)
        self.postings = dict(postings)
        # How many variants carry each token: blocking decides on these, also in a restricted
        # view (whose postings are shorter).
        self.df = {tok: len(p) for tok, p in self.postings.items()}

    def __len__(self) -> int:
        return len(self.entries)

    def restricted(self, entry_ids) -> Index:
        """A view that only finds the entries ``entry_ids`` (database ids).

        It keeps the whole index's token frequencies (``df``, ``max_df``), so for any name and
        any of these entries, the view finds the match exactly when the whole index would (with
        ``limit=None``): the same tokens are rare, the same candidates are scored.
        """
        wanted = set(entry_ids)
        allowed = [vid for vid, entry_idx in enumerate(self.var_entry)
                   if self.entries[entry_idx][0] in wanted]
        exact: dict[str, list[int]] = defaultdict(list)
        postings: dict[str, list[int]] = defaultdict(list)
        for vid in allowed:
            exact[self.var_compact[vid]].append(vid)
            for tok in tokens(self.var_key[vid]):
                postings[tok].append(vid)
        view = copy.copy(self)  # shares the variants and the frequencies
        view.exact, view.postings = dict(exact), dict(postings)
        return view

    def blocking(self, key: str, key_tokens: set[str] | None = None) -> list[str]:
        """The tokens of ``key`` whose variants it is scored against: its rare ones (on at most
        ``max_df`` variants), or when it has none, its rarest one. ``key_tokens``:
        ``tokens(key)`` when the caller has them."""
        toks = [t for t in (tokens(key) if key_tokens is None else key_tokens) if t in self.df]
        if not toks:
            return []
        toks.sort(key=lambda t: (self.df[t], t))  # ties by the token: the same in any process
        return [t for t in toks if self.df[t] <= self.max_df] or toks[:1]

    def blocks_like(self, other: Index, keys: list[str]) -> bool:
        """Whether, for these query keys, ``other`` scores the same variants as this index does
        among the variants both hold: the blocking tokens they share agree.

        A variant present in both indexes (an unchanged entry) is scored by each exactly when it
        carries one of that index's blocking tokens; tokens found in only one index are on no
        such variant, so they are left out of the comparison.
        """
        for key in keys:
            toks = tokens(key)
            mine = {t for t in self.blocking(key, toks) if t in other.df}
            theirs = {t for t in other.blocking(key, toks) if t in self.df}
            if mine != theirs:
                return False
        return True

    def _candidates(self, key: str) -> set[int]:
        cand: set[int] = set()
        for t in self.blocking(key):
            cand.update(self.postings.get(t, ()))
        return cand

    def search(self, name: str, *, threshold: float = DEFAULT_THRESHOLD,
               limit: int | None = 10, keys: list[str] | None = None) -> list[Match]:
        """The entries ``name`` matches, best first; ``limit=None`` keeps every match (a
        registry re-screening must not let an entry's hit depend on how many others match).
        ``keys``: ``name_keys(name)`` when the caller has them already."""
        keys = name_keys(name) if keys is None else keys
        best: dict[int, tuple[float, int, str, str]] = {}
        for ki, key in enumerate(keys):
            how = "roman" if ki > 0 else "norm"
            compact_key = key.replace(" ", "")
            for vid in self.exact.get(compact_key, ()):
                self._keep(best, vid, 100.0, how + "-exact", key)
            cand = self._candidates(key)
            if not cand:
                continue
            cand_list = list(cand)
            spaced = {vid: self.var_key[vid] for vid in cand_list}
            for _choice, score, vid in process.extract(
                    key, spaced, scorer=fuzz.token_sort_ratio, score_cutoff=threshold, limit=None):
                self._keep(best, vid, score, how, key)
            packed = {vid: self.var_compact[vid] for vid in cand_list}
            for _choice, score, vid in process.extract(
                    compact_key, packed, scorer=fuzz.ratio, score_cutoff=threshold, limit=None):
                self._keep(best, vid, score, how, key)
        matches = []
        for entry_idx, (score, vid, how, qkey) in best.items():
            entry_id, entry_key, fp, release_id, list_name, entry_name = self.entries[entry_idx]
            why = explanation_params(name, self.var_original[vid], entry_name, score, how, qkey,
                                     self.var_key[vid])
            matches.append(Match(
                entry_id=entry_id, entry_key=entry_key, fingerprint=fp, release_id=release_id,
                list_name=list_name, entry_name=entry_name, matched_name=self.var_original[vid],
                query_name=name, score=round(float(score), 1),
                explanation=explain(**why),
                query_key=qkey, matched_key=self.var_key[vid], list_kind=self.kinds[entry_idx],
                explanation_params=why,
            ))
        matches.sort(key=lambda m: (-m.score, m.entry_name))
        return matches if limit is None else matches[:limit]

    def _keep(self, best, vid, score, how, key):
        entry_idx = self.var_entry[vid]
        current = best.get(entry_idx)
        if current is None or score > current[0]:
            best[entry_idx] = (score, vid, how, key)


def step_labels() -> dict[str, str]:
    """Translated names of the normalisation steps (portal.names.STEP_*)."""
    return {
        _names.STEP_WIDTH: _("full-/half-width"), _names.STEP_CASE: _("case"),
        _names.STEP_HAN: _("Japanese, traditional and simplified Chinese character forms"),
        _names.STEP_KANA: _("kana romanised"), _names.STEP_LEGAL: _("legal-form words"),
        _names.STEP_PUNCT: _("punctuation and spacing"),
        _names.STEP_ABBREV: _("abbreviations"), _names.STEP_INITIALS: _("initials"),
    }


def explanation_params(query: str, matched: str, entry_name: str, score: float, how: str,
                       query_key: str = "", matched_key: str = "") -> dict:
    """The arguments of :func:`explain`, as stored on a hit (JSON)."""
    return {"query": query, "matched": matched, "entry_name": entry_name,
            "score": float(score), "how": how, "query_key": query_key,
            "matched_key": matched_key}


def explanation_display(params: dict, fallback: str) -> str:
    """The explanation of a stored hit in the active language (``fallback``, the stored
    sentence, for a hit recorded before the parameters were)."""
    if not params:
        return fallback
    try:
        return explain(**params)
    except (KeyError, TypeError, ValueError):
        return fallback


def explain(query: str, matched: str, entry_name: str, score: float, how: str,
            query_key: str = "", matched_key: str = "") -> str:
    """Why ``query`` matched: which name of the entry, which key met which (original →
    normalised forms), what normalisation made them meet, and the score."""
    which = (_("the listed name") if matched == entry_name
             else _("the alias “%(alias)s”") % {"alias": matched})
    if query.strip() == matched.strip():
        return _("Identical to %(which)s.") % {"which": which}
    labels = step_labels()
    steps = _names.key_steps(query) + _names.key_steps(matched)
    steps = [labels[s] for s in dict.fromkeys(steps)]
    keys = _("“%(query)s” → “%(qkey)s” met “%(matched)s” → “%(mkey)s”.") % {
        "query": query, "qkey": query_key, "matched": matched, "mkey": matched_key}
    if how.startswith("roman"):
        lead = _("Romanised kana of the name matches %(which)s (score %(score).0f).") % {
            "which": which, "score": score}
    elif how.endswith("exact"):
        lead = _("Same as %(which)s once %(steps)s are set aside.") % {
            "which": which, "steps": ", ".join(str(s) for s in steps) or _("spacing")}
    else:
        lead = _("Similar to %(which)s (score %(score).0f: spelling or word order differ).") % {
            "which": which, "score": score}
    return f"{lead} {keys}"[:500]


# --- The cached index of the current releases ------------------------------------------------

_cache_lock = threading.Lock()
_cache: dict[tuple, Index] = {}


def current_index() -> Index:
    """The index over the current release of every active list.

    Cached per set of releases, keyed by their random public ids (integer ids can come back
    after a rollback), so a new release is picked up at once, in every process.
    """
    from riskmgmt.models import ScreeningEntry, ScreeningListRelease

    current = sorted(ScreeningListRelease.objects.filter(
        is_current=True, screening_list__is_active=True).values_list("pk", "public_id"))
    key = tuple(current)
    release_ids = [pk for pk, _uuid in current]
    with _cache_lock:
        index = _cache.get(key)
    if index is not None:
        return index
    rows = ScreeningEntry.objects.filter(release_id__in=release_ids).values_list(
        "pk", "entry_key", "fingerprint", "release_id", "release__screening_list__name",
        "name", "keys", "release__screening_list__kind").iterator(chunk_size=5000)
    index = Index(rows)
    with _cache_lock:
        if len(_cache) > 8:
            _cache.clear()
        _cache[key] = index
    return index


def check_names(names: list[str], *, threshold: float = DEFAULT_THRESHOLD,
                index: Index | None = None) -> dict[str, list[Match]]:
    index = index or current_index()
    return {name: index.search(name, threshold=threshold) for name in names}


def screen_names(names: list[str], *, threshold: float = DEFAULT_THRESHOLD,
                 index: Index | None = None) -> list[dict]:
    """Public entry point for other apps (research-security due diligence, co-authors): screen
    free names against the current release of every active list.

    Returns one dict per hit, best first within each name, in the order of ``names``:
    ``query`` (the name given), ``list``, ``kind`` and ``kind_label`` (what the list is:
    export control, named research organisation, military end user, sanctions…), ``entry``
    (the listed name), ``matched_name`` (which
    of the entry's names matched), ``score`` (0–100), ``explanation`` (a translated sentence
    saying which key matched which and how) and ``entry_key`` (stable across releases). Names
    without a hit give nothing. Read-only: records no hit and opens no case.
    """
    index = index or current_index()
    hits = []
    for name in names:
        hits.extend(m.as_dict() for m in index.search(name, threshold=threshold))
    return hits


def match_organisations(names_by_org: dict[int, list[str]], *, threshold: float = DEFAULT_THRESHOLD,
                        index: Index | None = None, limit: int | None = 10) -> dict[int, list[Match]]:
    """For each organisation id, its matches (best per entry over all its names); ``limit``
    matches per name (None: all)."""
    index = index or current_index()
    return _best_per_entry(names_by_org, lambda name: index.search(
        name, threshold=threshold, limit=limit))


def _best_per_entry(names_by_org: dict[int, list[str]], search) -> dict[int, list[Match]]:
    """For each organisation, the best match per entry over all its names (``search(name)``
    gives a name's matches), best first."""
    result: dict[int, list[Match]] = {}
    for org_id, names in names_by_org.items():
        best: dict[int, Match] = {}
        for name in names:
            for m in search(name):
                if m.entry_id not in best or m.score > best[m.entry_id].score:
                    best[m.entry_id] = m
        result[org_id] = sorted(best.values(), key=lambda m: -m.score)
    return result


def match_changes(names_by_org: dict[int, list[str]], *, index: Index, previous: Index,
                  changed_entry_ids, threshold: float = DEFAULT_THRESHOLD) -> dict[int, list[Match]]:
    """For an incremental re-screening: the matches of organisations whose names have not
    changed since they were last screened against ``previous`` (the whole index of that run's
    release), with ``index`` the whole index of the new release.

    A name is searched in a view of ``index`` restricted to ``changed_entry_ids`` (the entries
    ``previous`` did not hold as they are now) when the two indexes block it alike
    (:meth:`Index.blocks_like`): then every unchanged entry is scored against it exactly when it
    was last time, with the same score, so only the changed entries can add a match. Otherwise
    (token frequencies moved a blocking token across the rarity line) it is searched in the whole
    index. Either way the result holds every match a full pass would find that the last run did
    not; matches the last run found come again and are already recorded. All matches are kept
    (no per-name limit).
    """
    view = index.restricted(changed_entry_ids)

    def search(name):
        keys = name_keys(name)
        where = view if index.blocks_like(previous, keys) else index
        return where.search(name, threshold=threshold, limit=None, keys=keys)

    return _best_per_entry(names_by_org, search)


_version: str | None = None


def matcher_version() -> str:
    """A digest of the code that decides whether a name matches an entry: the normalisation
    (``portal/names.py`` and the libraries it uses: ``names.NORMALISER_VERSION``), this module,
    and rapidfuzz's version.

    A registry re-screening only builds on an earlier run made with the same digest. Any edit of
    these files (even a comment) changes it, which costs one full pass and never a missed hit.
    """
    global _version
    if _version is None:
        import rapidfuzz

        from portal import names

        digest = hashlib.sha256()
        try:
            for path in (Path(names.__file__), Path(__file__)):
                digest.update(path.read_bytes())
        except OSError:  # unreadable: a value no other process has, so every run is full
            digest.update(uuid.uuid4().bytes)
        digest.update(rapidfuzz.__version__.encode())
        digest.update(names.NORMALISER_VERSION.encode())
        _version = digest.hexdigest()[:16]
    return _version


__all__ = ["Index", "Match", "check_names", "screen_names", "current_index", "entry_keys", "has_kana",
           "match_changes", "match_organisations", "matcher_version"]
