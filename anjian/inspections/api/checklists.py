"""Inspection API: checklists."""

from ninja import Router

router = Router(tags=["checklists"])
