"""Product search: the filter and the ranking behind /search/ and the API's ?q=.

PostgreSQL: full-text over the product name and description (the GIN index
`product_search_gin`), every word a prefix ("fleeces" and "flee" find "Fleece";
"t-shirt" finds "T-Shirt"); typos and near spellings through pg_trgm word
similarity on product and category names (GIN trigram indexes; the threshold is
the connection's `pg_trgm.word_similarity_threshold`, set from
settings.SEARCH_TYPO_THRESHOLD); a SKU finds its product (prefix, any case); a
category's name finds its products. A word written "-word" excludes matches.
Other databases: every word must appear in the name, description or category
name, or the query starts a SKU (icontains; enough for `make run`).
"""

from __future__ import annotations

import re
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Upper

from .models import Product, Variant

MAX_WORDS = 8  # a pasted paragraph is not a product name


def search_vector():
    from django.contrib.postgres.search import SearchVector

    # The same expression as the GIN index in Product.Meta, so the index is usable.
    return SearchVector("name", weight="A", config="english") + SearchVector(
        "description", weight="B", config="english"
    )


def _words(q: str) -> tuple[list[str], list[str]]:
    """(wanted words, excluded words): letters and digits only, so nothing of
    the input reaches the tsquery syntax."""
    wanted: list[str] = []
    excluded: list[str] = []
    for token in q.split()[:MAX_WORDS]:
        into = excluded if token.startswith("-") and len(token) > 1 else wanted
        into.extend(re.findall(r"\w+", token))
    return wanted, excluded


def _sku_match(q: str) -> Exists:
    code = q.strip().upper()
    return Exists(
        Variant.objects.annotate(sku_upper=Upper("sku")).filter(
            product=OuterRef("pk"), is_active=True, sku_upper__startswith=code
        )
    )


def search_filter(
    queryset: QuerySet[Product], q: str
) -> tuple[QuerySet[Product], bool]:
    """The products of `queryset` that match q, and whether they carry `rank`."""
    wanted, excluded = _words(q)
    if not wanted and not excluded:
        return queryset.none(), False
    if connection.vendor != "postgresql":
        return _fallback(queryset, q, wanted, excluded), False
    from django.contrib.postgres.search import (
        SearchQuery,
        SearchRank,
        TrigramWordSimilarity,
    )

    vector = search_vector()
    text = " ".join(wanted)
    rank: Any
    match: Q | Exists = _sku_match(q)
    if wanted:
        prefixes = SearchQuery(
            " & ".join(f"{word}:*" for word in wanted),
            search_type="raw",
            config="english",
        )
        match = (
            match
            | Q(search=prefixes)
            | Q(name__trigram_word_similar=text)
            | Q(category__name__trigram_word_similar=text)
        )
        rank = SearchRank(vector, prefixes) + TrigramWordSimilarity(text, "name")
    else:
        rank = SearchRank(vector, SearchQuery(""))
    queryset = queryset.annotate(search=vector).filter(match)
    if excluded:
        unwanted = " | ".join(f"{word}:*" for word in excluded)
        queryset = queryset.exclude(
            search=SearchQuery(unwanted, search_type="raw", config="english")
        )
    return queryset.annotate(rank=rank), True


def _fallback(
    queryset: QuerySet[Product], q: str, wanted: list[str], excluded: list[str]
) -> QuerySet[Product]:
    def anywhere(word: str) -> Q:
        return (
            Q(name__icontains=word)
            | Q(description__icontains=word)
            | Q(category__name__icontains=word)
        )

    words = Q()
    for word in wanted:
        words &= anywhere(word)
    for word in excluded:
        words &= ~anywhere(word)
    return queryset.filter(words | Q(_sku_match(q)))
