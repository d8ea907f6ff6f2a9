"""The reviewers pages: the reviewer's own work, officers' round pages, and profiles."""
