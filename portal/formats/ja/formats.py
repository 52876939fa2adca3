"""Japanese date and number formats of the portal (FORMAT_MODULE_PATH = "portal.formats").

Django's own Japanese formats with a space between the date and the time, as the ministry and
university offices write them: 2026年12月2日 8:00. Templates name the formats (``|date`` or
``|date:"DATETIME_FORMAT"``) rather than writing a pattern, so English pages get Django's English
dates.
"""

DATE_FORMAT = "Y年n月j日"
TIME_FORMAT = "G:i"
DATETIME_FORMAT = "Y年n月j日 G:i"
YEAR_MONTH_FORMAT = "Y年n月"
MONTH_DAY_FORMAT = "n月j日"
SHORT_DATE_FORMAT = "Y/m/d"
SHORT_DATETIME_FORMAT = "Y/m/d G:i"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
