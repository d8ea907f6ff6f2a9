"""The trials pages, split by subject."""
