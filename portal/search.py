"""Free-text filters for list pages, shaped so that PostgreSQL can answer them from indexes.

``icontains`` compiles to ``UPPER(column) LIKE UPPER('%q%')`` on PostgreSQL. Migration
``portal.0002_search_trigram_indexes`` gives the searched columns of people and organisations a
trigram (``pg_trgm``) GIN index on ``UPPER(column)``, which answers such a filter for a query
of three characters or more. Two rules follow:

* a query of one or two characters with no letter that has case (「佐藤」, a number) is matched
  with ``contains`` instead: the rows are the same (upper-casing leaves those characters
  alone), and the scan then skips ``UPPER()`` on every row — most of its cost;
* a search over a related table (a case's researcher) is a ``pk IN (…)`` on that table, not an
  OR across a join, so that each table's conditions can use that table's indexes.
"""

from __future__ import annotations

from django.db.models import Q

#: The columns of a person that list pages search (names in both scripts and the e-mail).
PERSON_FIELDS = ("email", "family_name", "given_name", "family_name_en", "given_name_en")


def has_case(text: str) -> bool:
    return text.upper() != text.lower()


def text_q(query: str, *fields: str) -> Q:
    """Rows whose ``fields`` (any of them) contain ``query``, ignoring case."""
    lookup = "icontains" if has_case(query) or len(query) >= 3 else "contains"
    cond = Q()
    for field in fields:
        cond |= Q(**{f"{field}__{lookup}": query})
    return cond


def person_q(query: str, field: str) -> Q:
    """Rows whose person ``field`` (a foreign key to the user) matches ``query`` by name or
    e-mail, as a subquery on the users table (served by its trigram indexes)."""
    from portal.models import User

    return Q(**{f"{field}__in": User.objects.filter(text_q(query, *PERSON_FIELDS)).values("pk")})
