"""Code checks: GB 32100-2015 unified social credit codes."""

CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code (GB 32100-2015, clause 5)."""
    total = sum(
        CREDIT_CODE_CHARSET.index(ch) * w
        for ch, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """Why ``code`` is not a valid unified social credit code, or None when it is."""
    if len(code) != 18:
        return f"must be 18 characters, got {len(code)}"
    bad = sorted({ch for ch in code if ch not in CREDIT_CODE_CHARSET})
    if bad:
        return f"characters not allowed by GB 32100-2015: {''.join(bad)}"
    if not code[2:8].isdigit():
        return "characters 3 to 8 must be the 6-digit registration region code"
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        return f"check digit is {code[17]!r}, GB 32100-2015 gives {expected!r}"
    return None
