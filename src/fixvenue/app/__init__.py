"""The composition root: wires config, ledger, core, FIX and the threads that run them."""
