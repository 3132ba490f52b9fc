"""Access to the Data Exchange API: tokens, API keys, per-endpoint permissions and throttles."""
