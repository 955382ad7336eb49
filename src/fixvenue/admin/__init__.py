"""The operators' control plane: the admin endpoint; knows domain and core only."""
