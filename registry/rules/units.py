"""Fixed-point units: every quantity the rules compare is an exact integer.

Money is int64 **yuan** (1 万元 = 10,000 yuan), headcounts are persons x 10^4 and shares are x 10^4,
so inputs with at most 4 decimals convert exactly. Savings are kept in 10^-8 万元 (10^-4 yuan) so that
rate products such as 1.2 x 15% stay exact.

Overflow bound: |money| and headcounts are at most 10^10 (万元 / persons), i.e. 10^14 in fixed point.
A sum over the 4 data years is at most 4 x 10^14, and every parameter fraction used in a
cross-multiplication has numerator and denominator <= 10^4, so every product stays below
4 x 10^18 < 2^63 (about 9.22 x 10^18).
"""
from __future__ import annotations

from decimal import Decimal

SCALE = 10_000                 # fixed-point factor of money (yuan per 万元), headcounts and shares
SAVING_SCALE = 10**8           # savings in 10^-8 万元
MAX_MAGNITUDE = Decimal(10) ** 10   # largest |value| accepted for money and headcounts
MAX_FACTOR = 10**4             # largest numerator/denominator of a parameter fraction

WAN = "万元"
PERSONS = "persons"


def to_fixed(value: Decimal | int, scale: int = SCALE) -> int:
    """Convert an exact decimal to fixed point; ValueError if it has more precision than `scale`."""
    scaled = Decimal(value) * scale
    if scaled != scaled.to_integral_value():
        raise ValueError(f"more than {len(str(scale)) - 1} decimal places")
    return int(scaled)


def from_fixed(amount: int, scale: int = SCALE) -> Decimal:
    """Exact Decimal of a fixed-point integer, without trailing zeros."""
    return tidy(Decimal(int(amount)) / scale)


def tidy(value: Decimal) -> Decimal:
    """Drop trailing zeros but never switch to exponent notation (2.0 -> 2, 100 stays 100)."""
    value = value.normalize()
    return value.quantize(Decimal(1)) if value.as_tuple().exponent > 0 else value


def ceil_div(numerator, denominator):
    """Integer ceiling division for positive denominators (works on numpy int64 arrays)."""
    return -((-numerator) // denominator)
