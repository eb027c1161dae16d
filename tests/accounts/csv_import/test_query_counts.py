"""A large file costs no query per row, in the preview or the confirmation."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from tests.accounts.csv_import.conftest import HEADER, STUDENT_HEADER, _confirm, _page, _upload
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_preview_of_a_large_file_uses_few_queries(
    secretary_client, django_assert_max_num_queries, tenant_a, school_a
):
    # given many existing students of her school and a file updating them
    students = [
        UserFactory.build(tenant=tenant_a, identifier=f"s{i}", is_student=True) for i in range(600)
    ]
    User.objects.bulk_create(students)
    school_a.members.add(*User.objects.filter(identifier__startswith="s", tenant=tenant_a))
    rows = [f"eleve,s{i},A,B,,ALPHA1," for i in range(600)]
    rows.append("parent,p1,P,Q,,ALPHA1," + "|".join(f"s{i}" for i in range(600)))
    # when previewed
    with django_assert_max_num_queries(30):
        response = _upload(secretary_client, "\n".join([HEADER, *rows]))
    # then every row is an update or a creation, without one query per row
    assert response.context["plan"].update_count == 600
    assert not response.context["plan"].has_errors


def test_class_and_number_checks_do_not_cost_a_query_per_row(secretary_client, tenant_a, school_a):
    # SQLite caps the bound parameters of a statement, so Django splits a large bulk write into
    # a few statements: those are counted apart, every other query must not grow with the file.
    bulk_writes = re.compile(r'^(INSERT INTO|UPDATE) "accounts_user" ')

    def queries_for(size: int) -> tuple[int, int, int]:
        # half the file updates existing students (numbers replaced), half creates new ones
        half = size // 2
        User.objects.bulk_create(
            UserFactory.build(
                tenant=tenant_a,
                identifier=f"q{size}e{i}",
                is_student=True,
                student_number=f"9{size:03d}{i:06d}",
            )
            for i in range(half)
        )
        school_a.members.add(*User.objects.filter(identifier__startswith=f"q{size}e"))
        rows = [
            f"eleve,q{size}{kind}{i},A,B,,ALPHA1,,{i % 7}A,{size:03d}{kind == 'n':d}{i:06d}"
            for kind in ("e", "n")
            for i in range(half)
        ]
        with CaptureQueriesContext(connection) as preview_queries:
            preview = _upload(secretary_client, "\n".join([STUDENT_HEADER, *rows]))
        assert preview.context["token"], _page(preview)
        with CaptureQueriesContext(connection) as confirm_queries:
            assert _confirm(secretary_client, preview).status_code == 302
        assert User.objects.get(identifier=f"q{size}e1").classroom == "1A"
        assert User.objects.get(identifier=f"q{size}e1").student_number == f"{size:03d}0000001"
        assert User.objects.get(identifier=f"q{size}n1").student_number == f"{size:03d}1000001"
        writes = sum(1 for q in confirm_queries.captured_queries if bulk_writes.match(q["sql"]))
        return len(preview_queries), len(confirm_queries) - writes, writes

    queries_for(4)  # the first request of a client warms caches up
    small, large = queries_for(20), queries_for(200)
    assert small[:2] == large[:2]
    assert large[2] <= 10
