"""The gunicorn entry point of bench/scale_pages.py: the app's own WSGI application, unchanged,
plus the number of SQL queries each request ran in an `X-Bench-Queries` response header.

The body is collected before the headers leave, so the queries of a streamed response (a CSV
export) are counted too; the counter is `connection.execute_wrapper`, which costs a function
call per query.
"""

from django.db import connections

from portal.wsgi import application as django_application


def application(environ, start_response):
    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    started: list = []
    body: list[bytes] = []

    def capture(status, headers, exc_info=None):
        started[:] = [status, headers]
        return body.append

    with connections["default"].execute_wrapper(counter):
        result = django_application(environ, capture)
        try:
            body.extend(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
    status, headers = started
    start_response(status, [*headers, ("X-Bench-Queries", str(count))])
    return body
