import pytest

from registry.creditcode import (
    CreditCodeError,
    check_character,
    is_valid_credit_code,
    make_credit_code,
    normalise_credit_code,
)

# A published code of a real company, and one completed by the algorithm.
REAL_CODES = ["91110000802100433B", "91330200144068312B"]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_valid(code):
    assert is_valid_credit_code(code)


def test_normalise_trims_and_upper_cases():
    assert normalise_credit_code("  91110000802100433b ") == "91110000802100433B"


@pytest.mark.parametrize("code, message", [
    ("91110000802100433C", "check character should be B"),
    ("9111000080210043", "18 characters, not 16"),
    ("91110000802100433BX", "18 characters, not 19"),
    ("9111000080210O433B", "not allowed in a credit code: O"),
    ("91110000802I00433B", "not allowed in a credit code: I"),
    ("", "18 characters, not 0"),
])
def test_invalid_codes_say_why(code, message):
    with pytest.raises(CreditCodeError, match=message):
        normalise_credit_code(code)


def test_every_single_character_change_is_detected():
    code = REAL_CODES[0]
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    for position in range(17):
        for replacement in alphabet:
            if replacement == code[position]:
                continue
            changed = code[:position] + replacement + code[position + 1:]
            assert not is_valid_credit_code(changed), changed


def test_make_credit_code_completes_the_check_character():
    body = "91330203MA2H0000"[:16] + "1"
    code = make_credit_code(body)
    assert code[:17] == body and code[17] == check_character(body)
    assert is_valid_credit_code(code)
