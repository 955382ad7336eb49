"""Value types, commands and events shared by every layer; imports nothing of the project."""
