"""Shared test helpers."""

import pytest


@pytest.fixture
def error_line(capsys):
    """The single line a failed command printed on stderr (fails if there are more)."""
    def read():
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1, lines
        assert "Traceback" not in lines[0]
        return lines[0]
    return read
