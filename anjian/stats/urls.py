from django.urls import path

from .views import analysis as a
from .views import dashboard as d
from .views import report as r
from .views import risk as k

app_name = "stats"

urlpatterns = [
    # the dashboard and its map (views/dashboard.py)
    path("stats/", d.dashboard, name="dashboard"),
    path("stats/map.json", d.map_json, name="map"),
    # analysis: categories, recurrence, companies, self vs supervision (views/analysis.py)
    path("stats/analysis/", a.analysis, name="analysis"),
    path("stats/companies/<int:pk>/", a.company, name="company"),
    # the risk score: where to go next, the formula, a project's breakdown (views/risk.py)
    path("stats/risk/", k.risk_list, name="risk"),
    path("stats/risk/formula/", k.risk_formula, name="risk_formula"),
    path("projects/<int:pk>/risk/", k.project_risk, name="project_risk"),
    # the monthly report (views/report.py)
    path("stats/report/", r.report, name="report"),
    path("stats/report/<int:year>-<int:month>.xlsx", r.report_xlsx, name="report_xlsx"),
    path("stats/report/<int:year>-<int:month>.pdf", r.report_pdf, name="report_pdf"),
]
