"""Pre-trade risk: per-account limits, reservations and kill switches; knows domain types only."""
