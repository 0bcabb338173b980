"""Cut lists and split files from as-run logs (issue 25)."""
