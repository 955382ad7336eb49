"""The deterministic trading core: no FIX, no SQL, no threads, no clock reads."""
