"""The directory tests' fixtures are a plugin of the whole suite (the browser tests use them too):
tests/directory_fixtures.py."""

from tests.directory_fixtures import NEW_PASSWORD, OLD_PASSWORD

__all__ = ["NEW_PASSWORD", "OLD_PASSWORD"]
