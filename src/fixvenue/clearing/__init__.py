"""Post-trade: the clearing files of a trading date and their reconciliation."""
