"""Price-time order books; knows domain types only."""
