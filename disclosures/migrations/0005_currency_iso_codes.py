"""Currencies become ISO 4217 choices: stored values are upper-cased and the usual ways of
writing a currency by hand (円, ¥, ドル, US$, ユーロ, 元...) become their code. A value that is
no currency stays as it was, for a person to correct (the form then asks for a code)."""

from django.db import migrations

MODELS = ("FundingItem", "SupportItem", "DonationItem", "ExternalRecordItem")
BY_HAND = {"円": "JPY", "¥": "JPY", "￥": "JPY", "YEN": "JPY", "日本円": "JPY",
           "$": "USD", "US$": "USD", "ドル": "USD", "米ドル": "USD", "USドル": "USD",
           "€": "EUR", "ユーロ": "EUR", "元": "CNY", "RMB": "CNY", "人民元": "CNY",
           "£": "GBP", "ポンド": "GBP", "ウォン": "KRW"}


def normalise(apps, schema_editor):
    for name in MODELS:
        model = apps.get_model("disclosures", name)
        for pk, value in model.objects.exclude(currency="").values_list("pk", "currency"):
            text = value.strip()
            code = BY_HAND.get(text) or BY_HAND.get(text.upper()) or text.upper()
            if code != value:
                model.objects.filter(pk=pk).update(currency=code[:3])


class Migration(migrations.Migration):
    dependencies = [("disclosures", "0004_research_outputs")]

    operations = [migrations.RunPython(normalise, migrations.RunPython.noop)]
