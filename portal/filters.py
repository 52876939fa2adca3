"""Filter pieces shared by every list page (django-filter)."""

import django_filters
from django.utils.translation import gettext_lazy as _


class OrderingFilter(django_filters.OrderingFilter):
    """django-filter's sort choice with the "(descending)" suffix in the portal's catalogue.

    django-filter ships no Japanese catalogue, so its own ``"%s (descending)"`` stayed English
    on Japanese pages; every list's sort goes through this class instead.
    """

    descending_fmt = _("%s (descending)")
