"""fixvenue: an open-source FIX trading venue."""
