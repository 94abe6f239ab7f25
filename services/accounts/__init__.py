"""People's accounts for the pages: passwords, second factor, sessions,
failed log-ins and the audit of what administrators do to accounts."""
