"""lms-plugin-notifications: e-mail, SMS, Web Push and Telegram by scenario, with preferences and bulk announcements."""
