"""Seed data for checklist templates, as plain Python data (no Django imports)."""
