"""The exchange log: every API write as a record to inspect, export, replay and alert on."""
