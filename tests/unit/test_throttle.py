"""MessageThrottle: application messages per rolling second."""

from __future__ import annotations

from fixvenue.fix.throttle import MessageThrottle


def test_the_throttle_admits_its_limit_in_any_second_and_refuses_the_next() -> None:
    throttle = MessageThrottle(3)
    assert [throttle.admit(10.0 + n * 0.1) for n in range(4)] == [True, True, True, False]


def test_a_message_is_admitted_again_once_the_oldest_is_a_second_old() -> None:
    throttle = MessageThrottle(2)
    assert throttle.admit(10.0) and throttle.admit(10.5)
    assert not throttle.admit(10.99)
    assert throttle.admit(11.0)  # the one at 10.0 has left the window
    assert not throttle.admit(11.2)


def test_refused_messages_do_not_count_towards_the_limit() -> None:
    throttle = MessageThrottle(1)
    assert throttle.admit(0.0)
    assert not any(throttle.admit(0.1 * n) for n in range(1, 10))
    assert throttle.admit(1.0)
