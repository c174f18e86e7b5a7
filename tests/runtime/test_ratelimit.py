"""ratelimit.py: a token bucket on a hand-made clock."""

from __future__ import annotations

from nnplayground.runtime.ratelimit import RateLimit


def test_bursts_up_to_one_second_then_the_rate() -> None:
    now = [0.0]
    limit = RateLimit(10, clock=lambda: now[0])
    assert [limit.take() for _ in range(11)] == [True] * 10 + [False]
    now[0] += 0.1  # one token back
    assert limit.take() and not limit.take()
    now[0] += 100.0  # an idle minute refills one second's worth, no more
    assert sum(limit.take() for _ in range(20)) == 10


def test_one_warning_a_second() -> None:
    now = [0.0]
    limit = RateLimit(1, clock=lambda: now[0])
    assert limit.should_warn() and not limit.should_warn()
    now[0] += 0.99
    assert not limit.should_warn()
    now[0] += 0.01
    assert limit.should_warn()
