"""lms-plugin-zoom: live lectures on Zoom, Microsoft Teams, BigBlueButton or Jitsi Meet."""
