"""The local viewer page and privacy API mounted in Printernizer (issue 8)."""
