"""Example executable backends (allowed in case files: `harness.run.example_backends:Class`).

`TravelDesk` executes the shared travel tools of `cases/_tools/` (`get_weather`, `book_train`,
`book_flight`) on a small deterministic world: a forecast table and fixed fares. Its public
attributes (`bookings`, `balance`) are the state a case checks with `expect_state`; see
`examples/backends/`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["TravelDesk"]

_SEAT_FARES = {"second_class": 553.0, "first_class": 933.0, "business": 1748.0}
_CABIN_FARES = {"economy": 1200.0, "premium_economy": 2100.0, "business": 5200.0, "first": 9800.0}


class TravelDesk:
    """Weather by city and date, and train or flight bookings paid from a balance."""

    def __init__(self, balance: float = 5000.0, forecast: dict[str, str] | None = None) -> None:
        self.balance = float(balance)
        self.bookings: list[dict[str, Any]] = []
        self._forecast = dict(forecast or {})  # "city@YYYY-MM-DD" → weather

    def get_weather(self, location: str, date: str) -> dict[str, Any]:
        """The forecast for a city on a date (YYYY-MM-DD)."""
        weather = self._forecast.get(f"{location}@{date}")
        if weather is None:
            raise ValueError(f"no forecast for {location} on {date}")
        return {"location": location, "date": date, "weather": weather}

    def book_train(
        self, from_city: str, to_city: str, date: str, seat_class: str = "second_class"
    ) -> dict[str, Any]:
        """Book a train seat; the fare is taken from the balance."""
        if seat_class not in _SEAT_FARES:
            raise ValueError(f"unknown seat class {seat_class!r}")
        return self._book("train", from_city, to_city, date, seat_class, _SEAT_FARES[seat_class])

    def book_flight(self, from_city: str, to_city: str, date: str, cabin: str = "economy") -> dict[str, Any]:
        """Book a flight; the fare is taken from the balance."""
        if cabin not in _CABIN_FARES:
            raise ValueError(f"unknown cabin {cabin!r}")
        return self._book("flight", from_city, to_city, date, cabin, _CABIN_FARES[cabin])

    def _book(
        self, mode: str, origin: str, to: str, date: str, fare_class: str, fare: float
    ) -> dict[str, Any]:
        if fare > self.balance:
            raise ValueError(f"insufficient balance: {self.balance} < {fare}")
        self.balance -= fare
        booking = {"mode": mode, "from": origin, "to": to, "date": date, "class": fare_class, "fare": fare}
        self.bookings.append(booking)
        return {"status": "booked", **booking}
