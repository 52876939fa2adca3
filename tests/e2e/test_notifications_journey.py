"""Browser journey of issue 6: an administrator opens the annual update campaign and sees its
progress page; a researcher sees the notification and its unread count, and marks it read."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_admin_opens_a_campaign_and_the_researcher_sees_the_notification(
    page, login, browser, live_server, admin_user, researcher, other_researcher
):
    from portal.notifications.models import Delivery, Notification

    due = timezone.localdate() + dt.timedelta(days=30)
    login(page, admin_user)
    page.goto("/disclosures/campaigns/")
    page.fill("#id_fiscal_year", str(2026))
    page.fill("#id_title", "令和8年度 定期更新")
    page.fill("#id_due_date", due.isoformat())
    page.locator("form button.btn-primary").click()
    expect(page).to_have_url(re.compile(r"/disclosures/campaigns/[0-9a-f-]{36}/$"))
    expect(page.locator("h1")).to_have_text("令和8年度 定期更新")
    expect(page.locator("#campaign-progress")).to_be_visible()

    assert Notification.objects.filter(kind="campaign_opened", recipient=researcher).exists()
    assert Delivery.objects.filter(recipient=researcher, status="sent").count() == 1

    # The administrator can read the delivery log and preview a schedule.
    page.goto("/notifications/deliveries/?recipient=alice")
    expect(page.locator("[data-testid=delivery-table] tbody tr")).to_have_count(1)
    page.goto("/notifications/schedules/")
    page.click("[data-testid=preview-campaign_reminders]")
    expect(page.locator("[data-testid=preview-total]")).to_be_visible()

    # The researcher, in another browser context.
    context = browser.new_context(base_url=live_server.url, locale="ja-JP")
    context.set_default_timeout(15000)
    researcher_page = context.new_page()
    login(researcher_page, researcher)
    expect(researcher_page.locator("[data-testid=unread-count]")).to_have_text("1")
    researcher_page.click("[data-testid=notification-bell]")
    expect(researcher_page).to_have_url(re.compile(r"/notifications/$"))
    item = researcher_page.locator("[data-testid=notification-item]")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("令和8年度 定期更新")
    expect(item).to_contain_text(f"{due.year}年{due.month}月{due.day}日")  # a Japanese date
    researcher_page.click("[data-testid=mark-read]")  # htmx: item and bell update in place
    expect(researcher_page.locator("[data-testid=unread-count]")).to_have_count(0)
    expect(researcher_page.locator("[data-testid=mark-read]")).to_have_count(0)
    # The notification's link goes to the researcher's disclosure page.
    researcher_page.click("[data-testid=notification-item] a.notif-title")
    expect(researcher_page).to_have_url(re.compile(r"/disclosures/mine/$"))
    context.close()
