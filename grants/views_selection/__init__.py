"""Selection pages (issue 5): officers' ranking, decision and publication, the appeals queue, the
firms' results and appeal form; auditors read all of it. URLs in `urls.py`, included by grants/urls.py."""
