"""For auditors: replay checks, tamper verification, exports, rebuilds with proof."""
