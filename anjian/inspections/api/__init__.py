"""Inspection API: one router per area, mounted at /api/v1/."""

from ninja import Router

from .checklists import router as checklists_router
from .plans import router as plans_router
from .records import router as records_router

router = Router()
router.add_router("/", checklists_router)
router.add_router("/", plans_router)
router.add_router("/", records_router)
