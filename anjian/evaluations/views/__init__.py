"""考评 and 排名 pages."""
