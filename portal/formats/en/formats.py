"""English, as in the United Kingdom: day first and 24-hour time, like the French pages beside
them (12 January 2026, 12/01/2026 10:28) — never Django's American « 01/12/2026 10:28 a.m. »."""

DATE_FORMAT = "j F Y"  # 12 January 2026
TIME_FORMAT = "H:i"  # 10:28
DATETIME_FORMAT = "j F Y, H:i"  # 12 January 2026, 10:28
YEAR_MONTH_FORMAT = "F Y"  # January 2026
MONTH_DAY_FORMAT = "j F"  # 12 January
SHORT_DATE_FORMAT = "d/m/Y"  # 12/01/2026
SHORT_DATETIME_FORMAT = "d/m/Y H:i"  # 12/01/2026 10:28
FIRST_DAY_OF_WEEK = 1  # Monday

DATE_INPUT_FORMATS = [
    "%d/%m/%Y",  # 12/01/2026
    "%d/%m/%y",  # 12/01/26
    "%Y-%m-%d",  # 2026-01-12 (a browser's date field)
]
DATETIME_INPUT_FORMATS = [
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M:%S.%f",
    "%d/%m/%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
]
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
