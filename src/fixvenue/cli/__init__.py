"""The `fixvenue` command line: thin click commands over app."""
