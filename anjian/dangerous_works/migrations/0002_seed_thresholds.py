"""Seed the editable threshold table (建办质〔2018〕31号, DOMAIN.md §2.1) and the category
requirements (验收 / 第三方监测 / 巡视间隔) from the defaults in code."""

from decimal import Decimal

from django.db import migrations


def seed(apps, schema_editor):
    from anjian.dangerous_works.services import DEFAULT_CATEGORY_SETTINGS
    from anjian.dangerous_works.thresholds import THRESHOLD_RULES

    ThresholdRule = apps.get_model("dangerous_works", "ThresholdRule")
    CategorySetting = apps.get_model("dangerous_works", "CategorySetting")
    if not ThresholdRule.objects.exists():
        ThresholdRule.objects.bulk_create(
            ThresholdRule(
                category=rule.category,
                subtype=rule.subtype,
                level=rule.level,
                param=rule.param,
                op=rule.op,
                threshold=Decimal(str(rule.threshold)),
                unit=rule.unit,
                order=index,
            )
            for index, rule in enumerate(THRESHOLD_RULES)
        )
    for category, (acceptance, monitoring, hours) in DEFAULT_CATEGORY_SETTINGS.items():
        CategorySetting.objects.get_or_create(
            category=category,
            defaults={
                "needs_acceptance": acceptance,
                "monitoring": monitoring,
                "patrol_hours": hours,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("dangerous_works", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
