"""The portal's date and time formats (FORMAT_MODULE_PATH): one convention per language,
wherever a date shows — the portal, the admin and the help desk, mails and PDFs.

French and English both write the day first, then the month (the portal's schools are in
Belgium, France and Québec: nobody reads « 12/01/2026 » as 1 December) and the time on 24 hours;
English names its months as en-GB does. Templates ask for a named format (SHORT_DATE_FORMAT,
DATETIME_FORMAT...), never a pattern of their own.
"""
