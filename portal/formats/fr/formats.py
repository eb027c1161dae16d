"""French: 12 janvier 2026, 12/01/2026 10:28 (Django's own French formats, stated here so the
two languages are read side by side)."""

DATE_FORMAT = "j F Y"  # 12 janvier 2026
TIME_FORMAT = "H:i"  # 10:28
DATETIME_FORMAT = "j F Y H:i"  # 12 janvier 2026 10:28
YEAR_MONTH_FORMAT = "F Y"  # janvier 2026
MONTH_DAY_FORMAT = "j F"  # 12 janvier
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
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"  # non-breaking space
NUMBER_GROUPING = 3
