"""National statistics: tables counted from the statistics read model, small
cells suppressed, shown as a page, CSV, Excel or Markdown."""
