"""Paid courses: prices, checkout through payment providers, coupons, refunds, receipts."""
