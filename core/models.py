"""The demo commerce schema (modelled on Spryker's tables); see core/demo/."""
