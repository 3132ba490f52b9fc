"""SQL that differs between databases: one dialect object per backend (see `dialects`)."""
