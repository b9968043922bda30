"""危大工程 pages: the district view, project tab and threshold table (district.py); one work
with its steps, documents, monitoring and patrols (work.py)."""
