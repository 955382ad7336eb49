"""Compliance: drop-copy exports and the order audit trail, from the ledger."""
