"""GB 32100-2015 unified social credit codes."""

from hypothesis import given
from hypothesis import strategies as st

from safetykg.reasoner.codes import CREDIT_CODE_CHARSET, credit_code_check_char, credit_code_problem

valid_prefix = st.builds(
    lambda head, region, org: head + region + org,
    st.text(alphabet=CREDIT_CODE_CHARSET, min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=CREDIT_CODE_CHARSET, min_size=9, max_size=9),
)


def test_contract_example_is_valid():
    assert credit_code_problem("91330106MA2B3C4D11") is None


def test_known_codes():
    # check characters worked by hand with the GB 32100-2015 weights
    assert credit_code_check_char("91330106MA2B3C4D1") == "1"
    assert credit_code_check_char("91330106MA2B3C4D0") == "X"


def test_wrong_check_digit_names_the_expected_one():
    problem = credit_code_problem("91330106MA2B3C4D12")
    assert problem is not None and "'1'" in problem and "'2'" in problem


def test_length_and_charset():
    assert "18 characters" in credit_code_problem("9133010")
    assert "not allowed" in credit_code_problem("91330106MA2B3C4DI1")
    assert "region" in credit_code_problem("91ABCDEFMA2B3C4D11")


@given(valid_prefix)
def test_every_code_completed_with_its_check_char_is_valid(prefix):
    assert credit_code_problem(prefix + credit_code_check_char(prefix)) is None


@given(valid_prefix, st.sampled_from(CREDIT_CODE_CHARSET))
def test_any_other_last_char_is_rejected(prefix, last):
    expected = credit_code_check_char(prefix)
    code = prefix + last
    assert (credit_code_problem(code) is None) == (last == expected)


@given(valid_prefix, st.integers(0, 16), st.sampled_from(CREDIT_CODE_CHARSET))
def test_single_character_change_is_detected(prefix, pos, new):
    """A weighted mod-31 check detects every single substitution."""
    code = prefix + credit_code_check_char(prefix)
    changed = code[:pos] + new + code[pos + 1 :]
    if changed != code and changed[2:8].isdigit():
        assert credit_code_problem(changed) is not None
