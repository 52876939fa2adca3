"""Steps several browser journeys share."""


def fill_listed_funding(form):
    """Fill the funding item form with a grant from a funder on the screening list (Harbin
    Institute of Technology, typed as a new organisation)."""
    form.locator("summary").click()
    form.locator("[name='funding-new_organisation_name_en']").fill("Harbin Institute of Technology")
    form.locator("[name='funding-new_organisation_country']").select_option("CN")
    form.locator("[name='funding-programme']").fill("Overseas Partnership Grant")
    form.locator("[name='funding-project_title']").fill("Robust actuators")
    form.locator("[name='funding-amount']").fill("100000")
    form.locator("[name='funding-currency']").select_option("CNY")
    form.locator("[name='funding-effort_percent']").fill("10")
    form.locator("[name='funding-country']").select_option("CN")
    form.locator("[name='funding-start_date']").fill("2025-04-01")
