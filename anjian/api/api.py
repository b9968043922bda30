"""The /api/v1/ API: each app's router mounted here, plus error handling."""

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from anjian.core.errors import DomainError

from .auth import AUTH

api = NinjaAPI(
    title="安监 Anjian API",
    version="1.0",
    description=(
        "建设工程智慧监管平台数据接口。认证：浏览器会话（写操作需 CSRF 令牌）或个人令牌 "
        "`Authorization: Bearer <token>`（在“个人资料”页创建）。可见范围与页面一致。"
    ),
    auth=AUTH,
    urls_namespace="api",
)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    return api.create_response(request, {"detail": str(exc.message)}, status=exc.status_code)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": "未找到，或无权访问。"}, status=404)


@api.exception_handler(AuthenticationError)
def unauthorised(request, exc):
    return api.create_response(request, {"detail": "未登录或令牌无效。"}, status=401)


@api.exception_handler(ValidationError)
def invalid(request, exc: ValidationError):
    return api.create_response(
        request, {"detail": "请求参数不正确。", "errors": exc.errors}, status=422
    )


def _mount():
    from anjian.accounts.api import router as accounts_router
    from anjian.dangerous_works.api import router as dangerous_works_router
    from anjian.documents.api import router as documents_router
    from anjian.evaluations.api import router as evaluations_router
    from anjian.hazards.api import router as hazards_router
    from anjian.inspections.api import router as inspections_router
    from anjian.notifications.api import router as notifications_router
    from anjian.projects.api import router as projects_router
    from anjian.stats.api import router as stats_router
    from anjian.stats.api_analysis import router as stats_analysis_router

    api.add_router("/", accounts_router)
    api.add_router("/projects", projects_router)
    api.add_router("/", inspections_router)
    api.add_router("/", notifications_router)
    api.add_router("/", hazards_router)
    api.add_router("/", dangerous_works_router)
    api.add_router("/", evaluations_router)
    api.add_router("/", documents_router)
    api.add_router("/", stats_router)
    api.add_router("/", stats_analysis_router)


_mount()
