"""fails_on_purpose: a short report of an intended error, and a failure if there is none."""

import pytest

from ganbook.errors import fails_on_purpose, short_report


def test_prints_the_failing_line_and_the_wrapped_error(capsys):
    with fails_on_purpose(TypeError):
        len(5)  # the line the report must show
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("This cell fails on purpose")
    assert out[1].strip().startswith("len(5)")
    assert out[2] == "TypeError: object of type 'int' has no len()"


def test_long_messages_wrap_to_the_width():
    report = short_report(ValueError("x" * 50 + " " + "y" * 60), width=60)
    assert all(len(line) <= 60 for line in report.splitlines())


def test_no_error_is_a_failure_and_other_errors_pass_through():
    with pytest.raises(AssertionError, match="should fail with TypeError"):
        with fails_on_purpose(TypeError):
            pass
    with pytest.raises(KeyError):
        with fails_on_purpose(TypeError):
            {}["missing"]


def test_expected_must_be_exception_classes():
    with pytest.raises(TypeError, match="exception classes"):
        with fails_on_purpose("TypeError"):
            pass
