from django.urls import path

from .views import evaluations as e
from .views import rankings as r

app_name = "evaluations"

urlpatterns = [
    # evaluations, accidents, the final 考评 (views/evaluations.py)
    path("evaluations/", e.evaluation_list, name="list"),
    path("projects/<int:pk>/evaluations/", e.project_tab, name="project_tab"),
    path("projects/<int:pk>/evaluations/new/", e.evaluation_new, name="new"),
    path("projects/<int:pk>/accidents/", e.accident_add, name="accident_add"),
    path("projects/<int:pk>/final-evaluation/", e.final_new, name="final_new"),
    path("evaluations/<int:pk>/", e.evaluation_detail, name="detail"),
    path("evaluations/<int:pk>/score/", e.evaluation_score, name="score"),
    path("evaluations/<int:pk>/submit/", e.evaluation_submit, name="submit"),
    path("evaluations/<int:pk>/review/", e.evaluation_review, name="review"),
    path("evaluations/signatures/<int:pk>.png", e.signature_image, name="signature"),
    path("final-evaluations/<int:pk>/", e.final_detail, name="final_detail"),
    path("final-evaluations/<int:pk>/notice.pdf", e.final_pdf, name="final_pdf"),
    path("final-evaluations/<int:pk>/objection/", e.final_object, name="final_object"),
    path("final-evaluations/<int:pk>/review/", e.final_review, name="final_review"),
    # rankings (views/rankings.py)
    path("rankings/", r.rankings, name="rankings"),
    path("rankings/publish/", r.publish, name="publish"),
    path("rankings/formula/", r.formula, name="formula"),
    path("rankings/<int:pk>/", r.ranking_detail, name="ranking_detail"),
    path("rankings/<int:pk>/export.xlsx", r.ranking_export, name="ranking_export"),
    path("companies/<int:pk>/ranking/", r.company, name="company"),
]
