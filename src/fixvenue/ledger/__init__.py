"""The ledger: every sequenced command and every event, committed before anything is sent."""
