"""Long-running workers: the log follower, the SOP clock, the notifier and
the supervisor that runs them side by side."""
