from pathlib import Path

from anjian.dangerous_works import workflow


def test_generated_lifecycle_document_is_up_to_date():
    doc = Path(__file__).resolve().parents[3] / "docs" / "workflows" / "dangerous-works.md"
    assert doc.read_text(encoding="utf-8") == workflow.markdown(), (
        "Run `python manage.py workflow_docs` to regenerate docs/workflows/dangerous-works.md"
    )
