"""Inspection URLs, one module per area: records (inspections), plans, checklists."""

from . import checklists, plans, records

app_name = "inspections"

urlpatterns = records.urlpatterns + plans.urlpatterns + checklists.urlpatterns
