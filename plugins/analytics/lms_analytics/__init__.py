"""lms-plugin-analytics: dashboards, quiz statistics, BI reporting and metrics."""
