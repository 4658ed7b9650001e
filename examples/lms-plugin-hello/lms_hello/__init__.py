"""lms-plugin-hello: greets learners who pass a quiz (the tutorial in docs/plugins.md)."""
